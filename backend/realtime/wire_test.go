package realtime

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shotline/shotline/backend/board"
)

// TestTagIsNoField guards Tagged.decode, which decodes a Tagged object's
// bytes with the tag still in them: encoding/json would put the tag into a
// field whose name matches it in any case.
func TestTagIsNoField(t *testing.T) {
	ops := []board.Op{board.ShotInsert{}, board.ShotMove{}, board.ShotDuplicate{}, board.ShotDelete{}, board.ShotSet{}, board.TextEdit{}, board.BoardSet{},
		board.CommentAdd{}, board.CommentEdit{}, board.CommentDelete{}, board.CommentResolve{}, board.CommentReopen{}, board.VersionRestore{}, board.ShotReviewOp{}}
	if len(ops) != len(board.OpKinds()) {
		t.Fatalf("%d op types listed here, %d kinds: list the new one", len(ops), len(board.OpKinds()))
	}
	messages := []any{JoinMessage{}, opMessageWire{}, PresenceMessage{}, PingMessage{}, SnapshotMessage{},
		OpsMessage{}, AckMessage{}, AppliedMessage{}, PeersMessage{}, ErrorMessage{}, PongMessage{}}
	check := func(v any, tagKey string) {
		for name := range board.JSONFields(reflect.TypeOf(v)) {
			if strings.EqualFold(name, tagKey) {
				t.Errorf("%T has a field %q, which the tag %q would land in", v, name, tagKey)
			}
		}
	}
	for _, o := range ops {
		check(o, "kind")
	}
	for _, m := range messages {
		check(m, "type")
	}
}

func TestDecodeClientMessageIsStrictWithTheTagInPlace(t *testing.T) {
	for _, tt := range []struct{ name, data, field string }{
		{"unknown field", `{"type":"ping","extra":1}`, "extra"},
		{"key in another case", `{"type":"presence","SelectedShotId":"s1"}`, "SelectedShotId"},
		{"unknown op field", `{"type":"op","opId":"00000000-0000-4000-8000-000000000000","baseSeq":0,"op":{"kind":"shot.delete","shotId":"s1","Kind":"x"}}`, "Kind"},
		{"tag of the wrong type", `{"type":1}`, "type"},
		{"no tag", `{"boardId":"b"}`, "type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeClientMessage([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("DecodeClientMessage(%s) = %v, want an error about %s", tt.data, err, tt.field)
			}
		})
	}
	m, err := DecodeClientMessage([]byte(`{"type":"op","opId":"00000000-0000-4000-8000-000000000000","baseSeq":3,"op":{"kind":"shot.delete","shotId":"s1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if om, ok := m.(OpMessage); !ok || om.BaseSeq != 3 || om.Op != (board.ShotDelete{ShotID: "s1"}) {
		t.Fatalf("decoded %#v", m)
	}
}

func BenchmarkDecodeClientOp(b *testing.B) {
	data := []byte(`{"type":"op","opId":"00000000-0000-4000-8000-000000000000","baseSeq":42,"op":{"kind":"shot.set","shotId":"s1","field":"title","value":"t1764139000000000000"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeClientMessage(data); err != nil {
			b.Fatal(err)
		}
	}
}
