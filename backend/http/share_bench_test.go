package http_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	shttp "github.com/shotline/shotline/backend/http"
)

// BenchmarkLinkRevocation measures how long a revoked link's open socket
// stays open: from the DELETE's answer to the close frame (4410), with the
// socket on the instance that revokes ("one") or on another instance that
// hears it through NATS ("two"). It reports the p50, p99 and max.
//
//	go test ./backend/http -run '^$' -bench LinkRevocation -benchtime 100x
func BenchmarkLinkRevocation(b *testing.B) {
	for _, instances := range []int{1, 2} {
		b.Run(map[int]string{1: "one", 2: "two"}[instances], func(b *testing.B) {
			a := newServer(b, shttp.Config{LinkAttempts: 1 << 20})
			sock := a
			if instances == 2 {
				sock = openServer(b, a.dbURI, a.name, shttp.Config{LinkAttempts: 1 << 20})
				shareRooms(b, a)
				shareRooms(b, sock)
			}
			base := sock.serve(b)
			st := newSetup(b, a)
			var took []time.Duration
			for b.Loop() {
				token, id := st.shareLink(b, map[string]any{"role": "commenter"})
				guest := sock.client(b)
				guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "G"}).must(b, 200)
				conn := guestSocket(b, base, guest, st.board)
				st.owner.do("DELETE", "/api/links/"+id, nil).must(b, 204)
				code, d := waitClose(b, conn)
				if code != 4410 {
					b.Fatalf("close %d", code)
				}
				took = append(took, d)
				conn.Close()
			}
			slices.Sort(took)
			q := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
			b.ReportMetric(float64(q(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
		})
	}
}

// BenchmarkOpenLink200Shots measures what a reviewer waits for on the
// server's side when opening a link to a 200-shot board: the password
// check and guest session (POST /api/share/open), the board (GET), the
// socket's upgrade, join and snapshot.
//
//	go test ./backend/http -run '^$' -bench OpenLink200Shots -benchtime 50x
func BenchmarkOpenLink200Shots(b *testing.B) {
	s := newServer(b, shttp.Config{LinkAttempts: 1 << 20})
	base := s.serve(b)
	st := newSetup(b, s)
	conn := guestSocket(b, base, st.owner, st.board)
	pos := ""
	for i := range 200 {
		var err error
		if pos, err = board.GenerateKeyBetween(pos, ""); err != nil {
			b.Fatal(err)
		}
		_ = conn.WriteJSON(map[string]any{"type": "op", "opId": uuid.NewString(), "baseSeq": 0,
			"op": map[string]any{"kind": "shot.insert", "shotId": fmt.Sprint("shot-", i), "position": pos,
				"shot": map[string]any{"title": fmt.Sprint("Shot ", i), "prompt": "A wide establishing shot of the harbour at dawn, gulls, light fog"}}})
		readType(b, conn, "ack")
	}
	conn.Close()
	token, _ := st.shareLink(b, map[string]any{"role": "commenter", "password": "open sesame"})
	for b.Loop() {
		guest := s.client(b)
		guest.do("POST", "/api/share/open", map[string]any{"token": token, "password": "open sesame", "name": "G"}).must(b, 200)
		guest.do("GET", "/api/boards/"+st.board, nil).must(b, 200)
		c := guestSocket(b, base, guest, st.board)
		c.Close()
	}
}
