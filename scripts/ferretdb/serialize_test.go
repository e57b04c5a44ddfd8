package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// buildOpMsg builds an OP_MSG request whose body is {name: "things", $db: "app"}.
func buildOpMsg(name string) []byte {
	doc := bsoncore.NewDocumentBuilder().AppendString(name, "things").AppendString("$db", "app").Build()
	msg := make([]byte, headerLen+4+1+len(doc))
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.LittleEndian.PutUint32(msg[12:], opMsg)
	msg[headerLen+4] = 0 // body section
	copy(msg[headerLen+5:], doc)
	return msg
}

// echoUpstream is a stand-in for FerretDB that answers every message with
// itself.
func echoUpstream(t *testing.T) func() (net.Conn, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					m, err := readMessage(r)
					if err != nil {
						return
					}
					if _, err := c.Write(m); err != nil {
						return
					}
				}
			}()
		}
	}()
	return func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }
}

// A read goes through while a write holds the lock; a write waits for it.
func TestReadsDoNotWaitForWrites(t *testing.T) {
	s := &serializer{upstream: echoUpstream(t), log: slog.New(slog.DiscardHandler)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	ask := func(name string) <-chan error {
		got := make(chan error, 1)
		go func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				got <- err
				return
			}
			defer c.Close()
			if _, err := c.Write(buildOpMsg(name)); err != nil {
				got <- err
				return
			}
			_, err = readMessage(bufio.NewReader(c))
			got <- err
		}()
		return got
	}
	s.mu.Lock() // a write is in FerretDB
	for _, read := range []string{"find", "getMore", "count"} {
		select {
		case err := <-ask(read):
			if err != nil {
				t.Fatalf("%s: %v", read, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("a %s waited for the write", read)
		}
	}
	write := ask("insert")
	select {
	case <-write:
		t.Fatal("an insert went through while another write held the lock")
	case <-time.After(100 * time.Millisecond):
	}
	s.mu.Unlock()
	if err := <-write; err != nil {
		t.Fatal(err)
	}
}
