// Package golden keeps generated test fixtures (golden files) in step with
// the code that generates them: a test builds the fixture, and Check
// compares it with the committed copy, or rewrites the copy when the test
// binary runs with -update. The fixtures are shared with the frontend's
// tests, so both implementations are checked against the same data.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures (testdata/ and frontend/src/sync/)")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Check compares a generated file with its committed copy at path, or
// rewrites the copy with -update. pkg names the package whose tests
// generate it, for the message that says how to regenerate it.
func Check(tb testing.TB, pkg, path string, want []byte) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test %s -update)", err, pkg)
	}
	if !bytes.Equal(got, want) {
		tb.Fatalf("%s is stale: run go test %s -update", path, pkg)
	}
}

// Lines writes {"comment": …, "cases": [one case per line]}, which keeps
// diffs of generated fixtures readable.
func Lines[T any](tb testing.TB, comment string, cases []T) []byte {
	tb.Helper()
	var buf bytes.Buffer
	c, _ := json.Marshal(comment)
	buf.WriteString("{\n\"comment\": " + string(c) + ",\n\"cases\": [\n")
	for i, x := range cases {
		line, err := json.Marshal(x)
		if err != nil {
			tb.Fatal(err)
		}
		buf.WriteString("  ")
		buf.Write(line)
		if i < len(cases)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n}\n")
	return buf.Bytes()
}
