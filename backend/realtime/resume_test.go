package realtime

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shotline/shotline/backend/board"
)

func TestOpsMessageOfEqualsEncoding(t *testing.T) {
	ops := []board.AppliedOp{
		{Seq: 7, OpID: "0199c2c1-5b9d-7c3e-9d1e-5f9b6b1a1a1a", Actor: "u1", Op: board.ShotSet{ShotID: "s1", Field: board.ShotTitle, Value: json.RawMessage(`"A \"quoted\" title"`)}},
		{Seq: 8, OpID: "0199c2c1-5b9d-7c3e-9d1e-5f9b6b1a1a1b", Actor: "u2", Op: board.ShotDelete{ShotID: "s1"}},
	}
	var applied [][]byte
	for _, ao := range ops {
		m, err := EncodeMessage(AppliedMessage{AppliedOp: ao})
		if err != nil {
			t.Fatal(err)
		}
		applied = append(applied, m)
	}
	want, err := EncodeMessage(OpsMessage{Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n <= len(ops); n++ {
		got, ok := opsMessageOf(applied[:n])
		w, _ := EncodeMessage(OpsMessage{Ops: ops[:n]})
		if !ok || !bytes.Equal(got, w) {
			t.Fatalf("%d ops:\n got %s\nwant %s", n, got, w)
		}
	}
	if got, _ := opsMessageOf(applied); !bytes.Equal(got, want) {
		t.Fatal("mismatch")
	}
	if _, ok := opsMessageOf([][]byte{[]byte(`{"type":"ack"}`)}); ok {
		t.Fatal("accepted a message that is not an applied op")
	}
}

func TestScanOpIDFindsTheOpIDWithoutParsing(t *testing.T) {
	const id = "0199c2c1-5b9d-7c3e-9d1e-5f9b6b1a1a1a"
	for frame, want := range map[string]string{
		`{"type":"op","opId":"` + id + `","baseSeq":1}`:       id,
		`{"type":"op", "opId" : "` + id + `", "op":{}}`:       id,
		`{"type":"op","opId":"not-a-uuid","baseSeq":1}`:       "",
		`{"type":"presence","selectedShotId":null}`:           "",
		`{"type":"op","opId":` + id:                           "",
		`{"type":"op","opId":"` + id[:10]:                     "",
		`{"type":"op","opId":"` + id + `","x":"` + "…" + `"}`: id,
	} {
		if got := scanOpID([]byte(frame)); got != want {
			t.Errorf("scanOpID(%s) = %q, want %q", frame, got, want)
		}
	}
}
