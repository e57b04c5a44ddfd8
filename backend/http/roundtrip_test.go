package http_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
)

// TestStoreRoundTripsPerRoute counts the database commands of the routes
// everyone uses all day (docs/storage.md lists them): each is a lookup by
// _id (the audit fails the test otherwise), and there are no more of them
// than the answer needs.
func TestStoreRoundTripsPerRoute(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	o := st.owner
	for i := range 3 {
		o.do("POST", "/api/projects/"+st.project+"/boards", map[string]any{"title": fmt.Sprint("Board ", i)}).must(t, 201)
	}
	signIn := map[string]any{"email": o.email(), "password": "a long passphrase"}
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               map[string]int
	}{
		// the email's user, the user; the user's session list, the day's
		// expiry counter and entry, the session; the audit entry in each of
		// the user's workspaces (their list, each workspace, its counter
		// and page).
		{"sign in", "POST", "/api/auth/signin", signIn, map[string]int{
			"find user_emails": 1, "find users": 1, "update scope_ids": 1, "findAndModify session_expiry": 1,
			"insert session_expiry": 1, "insert sessions": 1,
			"find scope_ids": 1, "find workspaces": 1, "findAndModify audit_counters": 1, "update audit_pages": 1}},
		// session, user, board, workspace; the room is not loaded: the
		// board's snapshot (new boards mark it as the head) and the one
		// lookup that finds no op after it.
		{"read a board", "GET", "/api/boards/" + st.board, nil, map[string]int{
			"find sessions": 1, "find users": 1, "find boards": 1, "find workspaces": 1, "find board_snapshots": 1,
			"find board_op_pages": 1, "find board_ops": 1}},
		// session, user, project, workspace; the project's board index and
		// one lookup per board (4).
		{"list a project's boards", "GET", "/api/projects/" + st.project + "/boards", nil, map[string]int{
			"find sessions": 1, "find users": 1, "find projects": 1, "find workspaces": 1, "find scope_ids": 1, "find boards": 4}},
		// session, user; the user's workspace index and each workspace.
		{"list my workspaces", "GET", "/api/workspaces", nil, map[string]int{
			"find sessions": 1, "find users": 1, "find scope_ids": 1, "find workspaces": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.audit.Reset()
			o.do(tc.method, tc.path, tc.body).must(t, 200)
			got := s.audit.Commands()
			if !maps.Equal(got, tc.want) {
				t.Errorf("commands %v, want %v", got, tc.want)
			}
			t.Logf("%s %s: %d round trips %v", tc.method, tc.path, total(got), slices.Sorted(maps.Keys(got)))
		})
	}
}

func total(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}
