package nats_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/nats"
	"github.com/shotline/shotline/backend/testenv"
)

func TestPublishReachesSubscribersInOrder(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := nats.Connect(testenv.NATS(t), "", log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := nats.Connect(testenv.NATS(t), "", log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := make(chan string, 10)
	unsubscribe, err := b.Subscribe("board.b1", func(d []byte) { got <- string(d) })
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ping(); err != nil { // the subscription is on the server
		t.Fatal(err)
	}
	for _, m := range []string{"one", "two", "three"} {
		if err := a.Publish("board.b1", []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Publish("board.other", []byte("not for b1")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two", "three"} {
		select {
		case m := <-got:
			if m != want {
				t.Fatalf("got %q, want %q", m, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q", want)
		}
	}
	unsubscribe()
	if err := b.Ping(); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish("board.b1", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if err := a.Ping(); err != nil {
		t.Fatal(err)
	}
	if err := b.Ping(); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		t.Fatalf("got %q after unsubscribing", m)
	default:
	}
	if err := a.Publish("board.*", nil); err == nil {
		t.Fatal("a wildcard subject was accepted")
	}
}

// TestConnectWithTheServersToken: a server that requires a token refuses a
// connection without it, or with another, and takes one with it.
func TestConnectWithTheServersToken(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	url := testenv.NATSWithToken(t, "s3cret-token")
	for _, token := range []string{"", "wrong"} {
		if b, err := nats.Connect(url, token, log); err == nil {
			b.Close()
			t.Fatalf("connected with token %q", token)
		} else if !strings.Contains(err.Error(), "uthorization") {
			t.Fatalf("token %q: want an authorization error, got %v", token, err)
		}
	}
	b, err := nats.Connect(url, "s3cret-token", log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Ping(); err != nil {
		t.Fatal(err)
	}
}
