package http_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

// sendComment adds a comment through conn and waits for its ack.
func sendComment(t *testing.T, conn interface{ WriteJSON(any) error }, read func() map[string]any, shot, parent, body string) string {
	t.Helper()
	id := uuid.NewString()
	op := map[string]any{"kind": "comment.add", "commentId": id, "shotId": shot, "body": body}
	if parent != "" {
		op["parentId"] = parent
	}
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": uuid.NewString(), "baseSeq": 0, "op": op})
	read()
	return id
}

func TestMentionsAndInbox(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	shot := addShot(t, base, st)
	editor, mate := st.join(t, s, shotline.RoleEditor), st.join(t, s, shotline.RoleViewer)
	editorID, mateID := editor.userID(), mate.userID()
	outsider := s.signUp(t, "Outsider")

	// A guest opens a thread; the editor replies and mentions a teammate,
	// an outsider and the editor themself. The server sends the
	// notifications itself once each comment is stored, in that order.
	token, _ := st.shareLink(t, map[string]any{"role": "commenter"})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Dana"}).must(t, 200)
	gconn := guestSocket(t, base, guest, st.board)
	thread := sendComment(t, gconn, func() map[string]any { return readType(t, gconn, "ack") }, shot, "", "Too dark @[Mate]("+mateID+")")

	econn := guestSocket(t, base, editor, st.board)
	body := "On it, @[Mate](" + mateID + ") and @[Out](" + outsider.userID() + ") @[Me](" + editorID + ")"
	reply := sendComment(t, econn, func() map[string]any { return readType(t, econn, "ack") }, shot, thread, body)

	// The reply's mention arrives; the guest's thread, stored and notified
	// before it, added nothing (a guest's @ token is text).
	in := waitInbox(t, mate, 1)
	es := in["entries"].([]any)
	if len(es) != 1 || in["unread"] != 1.0 {
		t.Fatalf("teammate's inbox: %v", in)
	}
	e := es[0].(map[string]any)
	if e["kind"] != "mention" || e["threadId"] != thread || e["commentId"] != reply || e["boardId"] != st.board || e["fromId"] != editorID ||
		e["fromName"] != sessionUser(t, editor)["name"] || e["read"] != false {
		t.Fatalf("entry: %v", e)
	}

	// The teammate's own thread gets a reply from the owner: a reply entry.
	{
		mate2 := st.join(t, s, shotline.RoleCommenter)
		mconn := guestSocket(t, base, mate2, st.board)
		mthread := sendComment(t, mconn, func() map[string]any { return readType(t, mconn, "ack") }, shot, "", "Music?")
		oconn := guestSocket(t, base, st.owner, st.board)
		sendComment(t, oconn, func() map[string]any { return readType(t, oconn, "ack") }, shot, mthread, "Yes")
		got := waitInbox(t, mate2, 1)
		if got["unread"] != 1.0 || got["entries"].([]any)[0].(map[string]any)["kind"] != "reply" {
			t.Fatalf("reply entry: %v", got)
		}
		// A guest replying to it tells its author too, as a guest.
		gre := sendComment(t, gconn, func() map[string]any { return readType(t, gconn, "ack") }, shot, mthread, "Strings, @[Mate]("+mateID+")")
		got = waitInbox(t, mate2, 2)
		if e := got["entries"].([]any)[0].(map[string]any); e["commentId"] != gre || e["kind"] != "reply" || e["fromName"] != "Dana (guest)" {
			t.Fatalf("a guest's reply: %v", e)
		}
	}
	// Everything before the last reply has been handled: the outsider and
	// the teammate mentioned by the guest got nothing more.
	if got := outsider.do("GET", "/api/inbox", nil).must(t, 200).JSON()["entries"].([]any); len(got) != 0 {
		t.Fatalf("a non-member was notified: %v", got)
	}
	if got := mate.do("GET", "/api/inbox", nil).must(t, 200).JSON()["entries"].([]any); len(got) != 1 {
		t.Fatalf("the teammate has %d entries, want the editor's mention only: %v", len(got), got)
	}

	mate.do("POST", "/api/inbox/read", map[string]any{"ids": []string{e["id"].(string)}}).must(t, 204)
	if in := mate.do("GET", "/api/inbox", nil).must(t, 200).JSON(); in["unread"] != 0.0 {
		t.Fatalf("after reading: %v", in)
	}
	mate.do("POST", "/api/inbox/read", map[string]any{}).wantError(t, 422, shotline.EINVALID)
	guest.do("GET", "/api/inbox", nil).wantError(t, 401, shotline.EUNAUTHORIZED)
}

// sessionUser is the signed-in user of c, as the session shows it.
func sessionUser(t *testing.T, c *client) map[string]any {
	t.Helper()
	u, _ := c.do("GET", "/api/auth/session", nil).must(t, 200).JSON()["user"].(map[string]any)
	return u
}

// waitInbox polls c's inbox until it holds at least n entries (the server
// adds them right after the comment is stored, off the room).
func waitInbox(t *testing.T, c *client, n int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		in := c.do("GET", "/api/inbox", nil).must(t, 200).JSON()
		if es, _ := in["entries"].([]any); len(es) >= n || time.Now().After(deadline) {
			if len(es) < n {
				t.Fatalf("inbox has %d entries after 10 s, want %d: %v", len(es), n, in)
			}
			return in
		}
		time.Sleep(20 * time.Millisecond)
	}
}
