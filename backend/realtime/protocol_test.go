package realtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/testenv/golden"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shotline/shotline/backend/shotline"
)

// The fixtures in testdata/protocol are the contract shared with the
// frontend: client-*.json and server-*.json hold representative messages of
// one type each. This test decodes each strictly into the Go types,
// re-encodes it and checks that nothing was lost or added. The frontend
// types are checked against the same messages through fixtures.gen.ts,
// which this test writes (-update) and keeps current.

const tsFixturesPath = "../../frontend/src/sync/fixtures.gen.ts"

type protocolFixture struct {
	file     string
	server   bool
	messages []json.RawMessage
	decoded  []Message
}

func loadProtocolFixtures(t *testing.T) []protocolFixture {
	t.Helper()
	paths, err := filepath.Glob("testdata/protocol/*-*.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []protocolFixture
	for _, p := range paths {
		name := filepath.Base(p)
		if name == "invalid-client.json" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := protocolFixture{file: name, server: strings.HasPrefix(name, "server-")}
		if err := json.Unmarshal(data, &f.messages); err != nil || len(f.messages) == 0 {
			t.Fatalf("%s: want a non-empty array of messages: %v", name, err)
		}
		out = append(out, f)
	}
	if len(out) != 14 {
		t.Fatalf("found %d fixture files, want one per message type (14)", len(out))
	}
	return out
}

func decodeAny(data []byte, server bool) (Message, error) {
	if server {
		return DecodeServerMessage(data)
	}
	return DecodeClientMessage(data)
}

func jsonValue(tb testing.TB, data []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("%s: %v", data, err)
	}
	return v
}

func TestProtocolFixturesRoundTrip(t *testing.T) {
	fixtures := loadProtocolFixtures(t)
	kinds := map[board.OpKind]bool{}
	for i := range fixtures {
		f := &fixtures[i]
		wantType := strings.TrimSuffix(strings.SplitN(f.file, "-", 2)[1], ".json")
		for j, raw := range f.messages {
			name := fmt.Sprintf("%s[%d]", f.file, j)
			m, err := decodeAny(raw, f.server)
			if err != nil {
				t.Errorf("%s: decode: %v", name, err)
				continue
			}
			if got := string(m.MessageType()); got != wantType {
				t.Errorf("%s: type %q in a file for %q", name, got, wantType)
			}
			enc, err := EncodeMessage(m)
			if err != nil {
				t.Errorf("%s: encode: %v", name, err)
				continue
			}
			if !reflect.DeepEqual(jsonValue(t, raw), jsonValue(t, enc)) {
				t.Errorf("%s: round trip changed the message:\n in  %s\n out %s", name, compact(t, raw), enc)
			}
			if !bytes.HasPrefix(enc, []byte(`{"type":`)) {
				t.Errorf("%s: encoded message does not start with its type: %s", name, enc)
			}
			f.decoded = append(f.decoded, m)
			if om, ok := m.(OpMessage); ok {
				kinds[om.Op.Kind()] = true
			}
		}
	}
	for _, k := range board.OpKinds() {
		if !kinds[k] {
			t.Errorf("client-op.json has no %s op", k)
		}
	}
}

func compact(tb testing.TB, raw []byte) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

func TestInvalidClientMessages(t *testing.T) {
	data, err := os.ReadFile("testdata/protocol/invalid-client.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name    string          `json:"name"`
		Code    string          `json:"code"`
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			m, err := DecodeClientMessage(c.Message)
			if got := shotline.ErrorCode(err); got != c.Code {
				t.Fatalf("DecodeClientMessage(%s) = %#v, %v; want code %s", c.Message, m, err, c.Code)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := `{"type":"ping","x":"` + strings.Repeat("x", MaxClientMessageBytes) + `"}`
		if _, err := DecodeClientMessage([]byte(big)); shotline.ErrorCode(err) != shotline.ETOOLARGE {
			t.Fatalf("got %v, want ETOOLARGE", err)
		}
	})
}

func TestEncodeMessageNeverWritesNullLists(t *testing.T) {
	for _, m := range []Message{OpsMessage{}, PeersMessage{}, SnapshotMessage{}} {
		enc, err := EncodeMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(enc, []byte("null")) {
			t.Errorf("%T encodes as %s", m, enc)
		}
	}
}

func TestErrorFor(t *testing.T) {
	if got := ErrorFor("id", shotline.Errorf(shotline.ENOTFOUND, "Shot x not found.")); got.Code != shotline.ENOTFOUND || got.Message != "Shot x not found." || got.OpID != "id" {
		t.Fatalf("%+v", got)
	}
	if got := ErrorFor("", fmt.Errorf("mongo: connection refused")); got.Code != shotline.EINTERNAL || strings.Contains(got.Message, "mongo") {
		t.Fatalf("internal error leaks: %+v", got)
	}
}

func TestCloseCodes(t *testing.T) {
	for _, c := range CloseCodes() {
		if c < 4000 || c > 4999 {
			t.Errorf("%d is outside the application range", c)
		}
		if strings.HasPrefix(c.String(), "close ") {
			t.Errorf("%d has no description", c)
		}
	}
	if !CloseSlowConsumer.Reconnect() || !CloseShuttingDown.Reconnect() || CloseForbidden.Reconnect() || CloseCode(4999).Reconnect() {
		t.Fatal("reconnect flags are wrong")
	}
	golden.Check(t, "./backend/realtime", "testdata/close-codes.json", closeCodesFixture(t))
}

func closeCodesFixture(tb testing.TB) []byte {
	type row struct {
		Code      int    `json:"code"`
		Name      string `json:"name"`
		Reconnect bool   `json:"reconnect"`
	}
	var rows []row
	for _, c := range CloseCodes() {
		rows = append(rows, row{int(c), c.String(), c.Reconnect()})
	}
	return golden.Lines(tb, "Generated by go test ./backend/realtime -update from CloseCodes().", rows)
}

// TestTypeScriptFixtures writes (with -update) or checks fixtures.gen.ts:
// every fixture message as a TypeScript literal that must satisfy the
// frontend type named like the Go type it decodes into, so that
// `npm run typecheck` fails when the TypeScript types drift.
func TestTypeScriptFixtures(t *testing.T) {
	fixtures := loadProtocolFixtures(t)
	var body strings.Builder
	var typeNames []string
	for _, f := range fixtures {
		m, err := decodeAny(f.messages[0], f.server)
		if err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		tsType := reflect.TypeOf(m).Name()
		typeNames = append(typeNames, tsType)
		fmt.Fprintf(&body, "  '%s': [\n", f.file)
		for _, raw := range f.messages {
			fmt.Fprintf(&body, "    %s,\n", compact(t, raw))
		}
		fmt.Fprintf(&body, "  ] satisfies %s[],\n", tsType)
	}
	slices.Sort(typeNames)
	typeNames = slices.Compact(typeNames)
	var out strings.Builder
	out.WriteString("// Code generated by go test ./backend/realtime -update. DO NOT EDIT.\n")
	out.WriteString("//\n// The shared protocol fixtures (backend/realtime/testdata/protocol), each\n")
	out.WriteString("// checked against the TypeScript type named like its Go type: if protocol.ts\n")
	out.WriteString("// drifts from protocol.go, `npm run typecheck` fails here.\n\n")
	fmt.Fprintf(&out, "import type { %s } from './protocol';\n\n", strings.Join(typeNames, ", "))
	out.WriteString("export const protocolFixtures = {\n")
	out.WriteString(body.String())
	out.WriteString("};\n")
	golden.Check(t, "./backend/realtime", tsFixturesPath, []byte(out.String()))
}
