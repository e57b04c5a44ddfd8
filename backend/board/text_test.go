package board

import (
	"encoding/json"
	"github.com/shotline/shotline/backend/testenv/golden"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// op builds a TextOp from ot.js's compact notation (positive ints retain,
// negative ints delete, strings insert) with the builders, normalized.
func op(tb testing.TB, items ...any) TextOp {
	tb.Helper()
	var o TextOp
	eachCompactItem(tb, items, func(n int) { o = o.Retain(n) }, func(s string) { o = o.Insert(s) }, func(n int) { o = o.Delete(n) })
	return o
}

// eachCompactItem calls retain, insert or del for each item of ot.js's compact
// notation.
func eachCompactItem(tb testing.TB, items []any, retain func(int), insert func(string), del func(int)) {
	tb.Helper()
	for _, it := range items {
		switch v := it.(type) {
		case int:
			if v > 0 {
				retain(v)
			} else {
				del(-v)
			}
		case string:
			insert(v)
		default:
			tb.Fatalf("bad op item %v", it)
		}
	}
}

func TestTextOpApply(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		op   TextOp
		want string
		code string
	}{
		{"insert at start", "world", op(t, "hello ", 5), "hello world", ""},
		{"insert at end", "ab", op(t, 2, "c"), "abc", ""},
		{"delete middle", "abcdef", op(t, 2, -2, 2), "abef", ""},
		{"replace", "cat", op(t, "d", -1, 2), "dat", ""},
		{"empty op on empty doc", "", TextOp{}, "", ""},
		{"code points, not bytes", "😀é中", op(t, 1, -1, "e", 1), "😀e中", ""},
		{"astral insert", "ab", op(t, 1, "🎬", 1), "a🎬b", ""},
		{"too short", "abc", op(t, 2), "", shotline.EINVALID},
		{"too long", "abc", op(t, 4), "", shotline.EINVALID},
		{"byte length is not the length", "é", op(t, 2), "", shotline.EINVALID},
		{"empty component", "a", TextOp{{Retain: 1}, {}}, "", shotline.EINVALID},
		{"two fields in one component", "a", TextOp{{Retain: 1, Insert: "x"}}, "", shotline.EINVALID},
		{"negative count", "a", TextOp{{Retain: -1}}, "", shotline.EINVALID},
		{"invalid UTF-8", "a", TextOp{{Retain: 1}, {Insert: "\xff"}}, "", shotline.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.op.Apply(c.doc)
			if code := shotline.ErrorCode(err); code != c.code {
				t.Fatalf("Apply: error %v, want code %q", err, c.code)
			}
			if got != c.want {
				t.Fatalf("Apply = %q, want %q", got, c.want)
			}
		})
	}
}

func TestTextOpBuildersNormalize(t *testing.T) {
	for _, c := range []struct {
		name string
		got  TextOp
		want TextOp
	}{
		{"retains merge", op(t, 1, 2), TextOp{{Retain: 3}}},
		{"inserts merge", op(t, "a", "b"), TextOp{{Insert: "ab"}}},
		{"deletes merge", op(t, -1, -2), TextOp{{Delete: 3}}},
		{"insert goes before a delete", op(t, -1, "a"), TextOp{{Insert: "a"}, {Delete: 1}}},
		{"insert joins the insert before a delete", op(t, "a", -1, "b"), TextOp{{Insert: "ab"}, {Delete: 1}}},
		{"zero is nothing", TextOp{}.Retain(0).Insert("").Delete(0), TextOp{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if len(c.got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(c.got, c.want) {
				t.Fatalf("got %v, want %v", c.got, c.want)
			}
		})
	}
	// Builders copy: extending a shared op must not change it.
	base := op(t, 1)
	_ = base.Retain(1)
	if base[0].Retain != 1 {
		t.Fatalf("Retain changed its receiver: %v", base)
	}
}

func TestTransformTextTieBreak(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		a, b TextOp
		want string
	}{
		{"same position: the first op's text goes first", "", op(t, "A"), op(t, "B"), "AB"},
		{"same position mid-text", "xy", op(t, 1, "A", 1), op(t, 1, "B", 1), "xABy"},
		{"both delete the same text", "abc", op(t, 1, -1, 1), op(t, 1, -1, 1), "ac"},
		{"overlapping deletes", "abcd", op(t, -3, 1), op(t, 1, -3), ""},
		{"insert inside a deleted range survives", "abcd", op(t, -4), op(t, 2, "X", 2), "X"},
		{"edits far apart", "hello world", op(t, "Hi, ", 11), op(t, 11, "!"), "Hi, hello world!"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a2, b2, err := TransformText(c.a, c.b)
			if err != nil {
				t.Fatal(err)
			}
			left := mustApply(t, mustApply(t, c.doc, c.a), b2)
			right := mustApply(t, mustApply(t, c.doc, c.b), a2)
			if left != c.want || right != c.want {
				t.Fatalf("a then b' = %q, b then a' = %q, want %q", left, right, c.want)
			}
		})
	}
}

func TestTransformAndComposeRejectMismatchedLengths(t *testing.T) {
	if _, _, err := TransformText(op(t, 1), op(t, 2)); shotline.ErrorCode(err) != shotline.EINVALID {
		t.Fatalf("Transform: got %v, want EINVALID", err)
	}
	if _, err := op(t, 1, "x").Compose(op(t, 1)); shotline.ErrorCode(err) != shotline.EINVALID {
		t.Fatalf("Compose: got %v, want EINVALID", err)
	}
}

func TestTextOpJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		json string
		want TextOp
		ok   bool
	}{
		{"compact form", `[5,"abc",-2,3]`, TextOp{{Retain: 5}, {Insert: "abc"}, {Delete: 2}, {Retain: 3}}, true},
		{"empty", `[]`, TextOp{}, true},
		{"null", `null`, nil, false},
		{"zero", `[0]`, nil, false},
		{"fraction", `[1.5]`, nil, false},
		{"exponent", `[1e3]`, nil, false},
		{"empty insert", `[""]`, nil, false},
		{"object", `[{"retain":1}]`, nil, false},
		{"not an array", `"abc"`, nil, false},
		{"huge count", `[99999999999]`, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got TextOp
			err := json.Unmarshal([]byte(c.json), &got)
			if (err == nil) != c.ok {
				t.Fatalf("Unmarshal(%s): %v, want ok=%v", c.json, err, c.ok)
			}
			if !c.ok {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
			back, err := json.Marshal(got)
			if err != nil || string(back) != c.json {
				t.Fatalf("Marshal = %s, %v, want %s", back, err, c.json)
			}
		})
	}
	if b, _ := json.Marshal(TextOp(nil)); string(b) != "[]" {
		t.Fatalf("nil op marshals as %s, want []", b)
	}
}

func mustApply(tb testing.TB, doc string, o TextOp) string {
	tb.Helper()
	got, err := o.Apply(doc)
	if err != nil {
		tb.Fatalf("Apply(%q, %v): %v", doc, o, err)
	}
	return got
}

// textAlphabet mixes one-byte, two-byte, three-byte and astral code points
// (UTF-16 surrogate pairs on the JS side), so unit mix-ups show.
var textAlphabet = []string{"a", "b", "c", " ", "\n", "é", "中", "😀", "🎬"}

func randomText(r *rand.Rand, maxLen int) string {
	var b strings.Builder
	for range r.IntN(maxLen + 1) {
		b.WriteString(textAlphabet[r.IntN(len(textAlphabet))])
	}
	return b.String()
}

// randomTextOp returns a random op that applies to doc, normalized.
func randomTextOp(r *rand.Rand, doc string) TextOp { return randomComponents(r, doc, 5).Normalize() }

// TestTextOTProperties checks, for random documents and random concurrent
// ops, that transformed ops converge, that compose agrees with apply, and
// that everything returned is normalized. The seed is random per run and
// printed on failure.
func TestTextOTProperties(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 2))
	for i := range 3000 {
		doc := randomText(r, 20)
		a, b := randomTextOp(r, doc), randomTextOp(r, doc)
		a2, b2, err := TransformText(a, b)
		if err != nil {
			t.Fatalf("seed %d case %d: Transform(%v, %v): %v", seed, i, a, b, err)
		}
		ab := mustApply(t, mustApply(t, doc, a), b2)
		ba := mustApply(t, mustApply(t, doc, b), a2)
		if ab != ba {
			t.Fatalf("seed %d case %d: doc %q a %v b %v: a,b' = %q but b,a' = %q", seed, i, doc, a, b, ab, ba)
		}
		ab2, err := a.Compose(b2)
		if err != nil {
			t.Fatalf("seed %d case %d: Compose: %v", seed, i, err)
		}
		if got := mustApply(t, doc, ab2); got != ab {
			t.Fatalf("seed %d case %d: Apply(Compose(a, b')) = %q, want %q", seed, i, got, ab)
		}
		for _, o := range []TextOp{a2, b2, ab2} {
			if !o.isNormal() {
				t.Fatalf("seed %d case %d: not normalized: %v", seed, i, o)
			}
		}
		// A chain of three: compose is associative in effect.
		c := randomTextOp(r, ab)
		abc, err := ab2.Compose(c)
		if err != nil {
			t.Fatalf("seed %d case %d: Compose: %v", seed, i, err)
		}
		if got, want := mustApply(t, doc, abc), mustApply(t, ab, c); got != want {
			t.Fatalf("seed %d case %d: compose of three = %q, want %q", seed, i, got, want)
		}
		// JSON round trip.
		data, _ := json.Marshal(a)
		var back TextOp
		if err := json.Unmarshal(data, &back); err != nil || (len(a) > 0 && !reflect.DeepEqual(back, a)) {
			t.Fatalf("seed %d case %d: JSON round trip of %v gave %v, %v", seed, i, a, back, err)
		}
	}
}

// literal builds an op exactly as written, unnormalized, as a client may
// send it: ints retain (positive) or delete (negative), strings insert.
func literal(tb testing.TB, items ...any) TextOp {
	tb.Helper()
	var o TextOp
	eachCompactItem(tb, items, func(n int) { o = append(o, TextComponent{Retain: n}) },
		func(s string) { o = append(o, TextComponent{Insert: s}) }, func(n int) { o = append(o, TextComponent{Delete: n}) })
	return o
}

// randomLiteralTextOp returns a random op that applies to doc, as a client
// might write it: a delete may come before an insert at one place, and two
// components of one kind may follow each other.
func randomLiteralTextOp(r *rand.Rand, doc string) TextOp { return randomComponents(r, doc, 3) }

// randomComponents returns random components that walk doc, each retain or
// delete at most maxRun long, unnormalized.
func randomComponents(r *rand.Rand, doc string, maxRun int) TextOp {
	var o TextOp
	left := utf8.RuneCountInString(doc)
	for left > 0 {
		n := 1 + r.IntN(min(left, maxRun))
		switch r.IntN(4) {
		case 0:
			o = append(o, TextComponent{Insert: randomText(r, 3) + "x"})
		case 1:
			o = append(o, TextComponent{Delete: n})
			left -= n
		default:
			o = append(o, TextComponent{Retain: n})
			left -= n
		}
	}
	if r.IntN(2) == 0 {
		o = append(o, TextComponent{Insert: "y"})
	}
	return o
}

func TestTextOpNormalize(t *testing.T) {
	for _, c := range []struct {
		name     string
		in, want TextOp
	}{
		{"delete before insert", literal(t, 1, -2, "X", 2), literal(t, 1, "X", -2, 2)},
		{"runs merged", literal(t, 1, 1, -1, "a", -1, "b", 2), literal(t, 2, "ab", -2, 2)},
		{"already normal", literal(t, 1, "X", -2, 2), literal(t, 1, "X", -2, 2)},
		{"empty", TextOp{}, TextOp{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.in.Normalize(); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Normalize(%v) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

// TestTextTieBreakIgnoresUnrelatedEdits is the server's order of a pair of
// concurrent edits a (applied first) and b, with and without an unrelated
// edit p applied before both (a was made after p, b before it, so the
// server transforms b past p and then a). p changes only text that a and b
// both keep, away from their edges, so it must not change how a's and b's
// inserts are ordered: the result with p is the result without it, with p
// applied. Ops are random and unnormalized, as clients may send them; the
// server transforms a literal op only when it is behind, so without
// normalizing, an insert written after a delete would count as at the
// delete's start or at its end depending on whether p came first.
func TestTextTieBreakIgnoresUnrelatedEdits(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 5))
	transform := func(a, b TextOp) TextOp {
		t.Helper()
		_, b2, err := TransformText(a, b)
		if err != nil {
			t.Fatalf("seed %d: Transform(%v, %v): %v", seed, a, b, err)
		}
		return b2
	}
	check := func(i int, x, y string, a, b, p TextOp) {
		t.Helper()
		doc := x + y
		// Without p: a, then b transformed past a.
		b1 := transform(a, b)
		without := mustApply(t, mustApply(t, doc, a), b1)
		// With p first: a made after p; b transformed past p, then a.
		ap := transform(p, a)
		b2 := transform(ap, transform(p, b))
		with := mustApply(t, mustApply(t, mustApply(t, doc, p), ap), b2)
		ab, err := a.Compose(b1)
		if err != nil {
			t.Fatal(err)
		}
		want := mustApply(t, without, transform(ab, p))
		if with != want {
			t.Fatalf("seed %d case %d: doc %q a %v b %v p %v: with p %q, want %q (without p: %q)", seed, i, doc, a, b, p, with, want, without)
		}
	}
	// The case from issue 11: "abcde", a = [3,"ß",2], b = [1,-2,"X",2],
	// p = [5,"z"] (appending after what both keep).
	check(-1, "abcd", "e", literal(t, 3, "ß", 1, 1), literal(t, 1, -2, "X", 1, 1), literal(t, 5, "z"))
	for i := range 3000 {
		x := randomText(r, 10)
		y := "e" + randomText(r, 6) // a and b keep y; p keeps its first character
		n := utf8.RuneCountInString(x)
		a := append(randomLiteralTextOp(r, x), TextComponent{Retain: utf8.RuneCountInString(y)})
		b := append(randomLiteralTextOp(r, x), TextComponent{Retain: utf8.RuneCountInString(y)})
		rest := randomLiteralTextOp(r, y[1:])
		p := append(TextOp{{Retain: n + 1}}, rest...)
		check(i, x, y, a, b, p)
	}
}

// TestTextOTServerOrder simulates the server: a client op based on an old
// version is transformed against every op applied since, one by one, and
// must land where a client that saw everything would expect.
func TestTextOTServerOrder(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 3))
	for i := range 500 {
		doc := randomText(r, 15)
		// The server applies h1, h2, h3 in order; the client's op c was
		// made against doc.
		hist, cur := []TextOp{}, doc
		for range 3 {
			h := randomTextOp(r, cur)
			hist = append(hist, h)
			cur = mustApply(t, cur, h)
		}
		c := randomTextOp(r, doc)
		// Server: transform c past each history op.
		server := c
		for _, h := range hist {
			var err error
			if _, server, err = TransformText(h, server); err != nil {
				t.Fatalf("seed %d case %d: %v", seed, i, err)
			}
		}
		got := mustApply(t, cur, server)
		// Client: it applied c first; it transforms each incoming op past c.
		clientDoc, pending := mustApply(t, doc, c), c
		for _, h := range hist {
			h2, p2, err := TransformText(h, pending)
			if err != nil {
				t.Fatalf("seed %d case %d: %v", seed, i, err)
			}
			clientDoc, pending = mustApply(t, clientDoc, h2), p2
		}
		if clientDoc != got {
			t.Fatalf("seed %d case %d: server has %q, client has %q", seed, i, got, clientDoc)
		}
		if !reflect.DeepEqual(pending, server) && !(len(pending) == 0 && len(server) == 0) {
			t.Fatalf("seed %d case %d: client's rebased op %v differs from the server's %v", seed, i, pending, server)
		}
	}
}

// textFixture is testdata/text.json: transform and compose cases computed by
// the Go implementation, checked by the TypeScript one.
type textFixture struct {
	Comment string            `json:"comment"`
	Cases   []textFixtureCase `json:"cases"`
}

type textFixtureCase struct {
	Doc      string `json:"doc"`
	A        TextOp `json:"a"`
	B        TextOp `json:"b"`
	APrime   TextOp `json:"aPrime"`
	BPrime   TextOp `json:"bPrime"`
	AfterA   string `json:"afterA"`
	Result   string `json:"result"`
	Composed TextOp `json:"composed"` // a then b'
}

func buildTextFixture(tb testing.TB) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(20260601, 4)) // fixed: the file must not change between runs
	f := textFixture{Comment: "Generated by go test ./backend/realtime -run TestTextFixture -update. Lengths count code points."}
	add := func(doc string, a, b TextOp) {
		a2, b2, err := TransformText(a, b)
		if err != nil {
			tb.Fatal(err)
		}
		ab, err := a.Compose(b2)
		if err != nil {
			tb.Fatal(err)
		}
		afterA := mustApply(tb, doc, a)
		f.Cases = append(f.Cases, textFixtureCase{doc, a, b, a2, b2, afterA, mustApply(tb, afterA, b2), ab})
	}
	add("", op(tb, "A"), op(tb, "B"))
	add("😀x", op(tb, 1, "A", 1), op(tb, 1, "B", 1))
	add("abcd", op(tb, -3, 1), op(tb, 1, -3))
	add("abcd", op(tb, -4), op(tb, 2, "X", 2))
	add("🎬🎬🎬", op(tb, 1, -1, "é", 1), op(tb, 2, "中", -1))
	// Unnormalized ops, as a client may send them: both sides normalize
	// first, so an insert written after a delete is at the delete's start.
	add("abcde", literal(tb, 3, "ß", 2), literal(tb, 1, -2, "X", 2))
	add("abcde", literal(tb, 1, -2, "X", 2), literal(tb, 3, "ß", 2))
	add("abcdez", literal(tb, 1, 1, -1, "a", -1, "b", 1, 1), literal(tb, 2, 1, -1, "c", 2))
	for range 20 {
		doc := randomText(r, 12)
		add(doc, randomLiteralTextOp(r, doc), randomLiteralTextOp(r, doc))
	}
	for range 60 {
		doc := randomText(r, 12)
		add(doc, randomTextOp(r, doc), randomTextOp(r, doc))
	}
	return golden.Lines(tb, f.Comment, f.Cases)
}

// TestTextFixture keeps testdata/text.json in step with the code; run with
// -update to rewrite it.
func TestTextFixture(t *testing.T) {
	want := buildTextFixture(t)
	golden.Check(t, "./backend/board", "testdata/text.json", want)
}
