package http_test

import (
	"testing"

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
	// an outsider and the editor themself.
	token, _ := st.shareLink(t, map[string]any{"role": "commenter"})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Dana"}).must(t, 200)
	gconn := guestSocket(t, base, guest, st.board)
	thread := sendComment(t, gconn, func() map[string]any { return readType(t, gconn, "ack") }, shot, "", "Too dark @[Mate]("+mateID+")")
	guest.do("POST", "/api/boards/"+st.board+"/comments/"+thread+"/notify", nil).must(t, 200)
	if es := mate.do("GET", "/api/inbox", nil).must(t, 200).JSON()["entries"].([]any); len(es) != 0 {
		t.Fatalf("a guest's @ token notified someone: %v", es)
	}

	econn := guestSocket(t, base, editor, st.board)
	body := "On it, @[Mate](" + mateID + ") and @[Out](" + outsider.userID() + ") @[Me](" + editorID + ")"
	reply := sendComment(t, econn, func() map[string]any { return readType(t, econn, "ack") }, shot, thread, body)
	guest.do("POST", "/api/boards/"+st.board+"/comments/"+reply+"/notify", nil).wantError(t, 403, shotline.EFORBIDDEN)
	r := editor.do("POST", "/api/boards/"+st.board+"/comments/"+reply+"/notify", nil).must(t, 200)
	if r.JSON()["notified"] != 1.0 {
		t.Fatalf("notified: %s (want only the teammate: the guest thread author has no inbox)", r.Body)
	}
	editor.do("POST", "/api/boards/"+st.board+"/comments/"+reply+"/notify", nil).must(t, 200) // again: nothing twice

	in := mate.do("GET", "/api/inbox", nil).must(t, 200).JSON()
	es := in["entries"].([]any)
	if len(es) != 1 || in["unread"] != 1.0 {
		t.Fatalf("teammate's inbox: %v", in)
	}
	e := es[0].(map[string]any)
	if e["kind"] != "mention" || e["threadId"] != thread || e["commentId"] != reply || e["boardId"] != st.board || e["fromId"] != editorID || e["read"] != false {
		t.Fatalf("entry: %v", e)
	}
	if got := outsider.do("GET", "/api/inbox", nil).must(t, 200).JSON()["entries"].([]any); len(got) != 0 {
		t.Fatalf("a non-member was notified: %v", got)
	}

	// The teammate's own thread gets a reply from the owner: a reply entry.
	mconnThread := ""
	{
		mate2 := st.join(t, s, shotline.RoleCommenter)
		mconn := guestSocket(t, base, mate2, st.board)
		mconnThread = sendComment(t, mconn, func() map[string]any { return readType(t, mconn, "ack") }, shot, "", "Music?")
		oconn := guestSocket(t, base, st.owner, st.board)
		re := sendComment(t, oconn, func() map[string]any { return readType(t, oconn, "ack") }, shot, mconnThread, "Yes")
		st.owner.do("POST", "/api/boards/"+st.board+"/comments/"+re+"/notify", nil).must(t, 200)
		got := mate2.do("GET", "/api/inbox", nil).must(t, 200).JSON()
		if got["unread"] != 1.0 || got["entries"].([]any)[0].(map[string]any)["kind"] != "reply" {
			t.Fatalf("reply entry: %v", got)
		}
	}

	mate.do("POST", "/api/inbox/read", map[string]any{"ids": []string{e["id"].(string)}}).must(t, 204)
	if in := mate.do("GET", "/api/inbox", nil).must(t, 200).JSON(); in["unread"] != 0.0 {
		t.Fatalf("after reading: %v", in)
	}
	mate.do("POST", "/api/inbox/read", map[string]any{}).wantError(t, 422, shotline.EINVALID)
	guest.do("GET", "/api/inbox", nil).wantError(t, 401, shotline.EUNAUTHORIZED)
	editor.do("POST", "/api/boards/"+st.board+"/comments/nope/notify", nil).wantError(t, 404, shotline.ENOTFOUND)
}
