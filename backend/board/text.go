package board

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// Text limits.
const (
	// MaxTextLength bounds a prompt or notes field, in code points.
	MaxTextLength = 20000
	// MaxTextOpComponents bounds the components of a text op a client sends.
	MaxTextOpComponents = 1000
	// maxTextOpCount bounds one retain or delete count, so sums cannot overflow.
	maxTextOpCount = 1 << 30
)

// TextOp is a change to a text field in the style of ot.js: components that
// walk the whole document from start to end, each keeping (Retain), adding
// (Insert) or removing (Delete) text. Every length counts Unicode code
// points, not bytes and not UTF-16 code units: the TypeScript side converts.
// An op's base length (retains + deletes) must equal the document's length.
//
// On the wire a TextOp is ot.js's compact array: a positive integer retains,
// a negative integer deletes, a string inserts, e.g. [5, "abc", -2, 3].
//
// Ops built with Retain, Insert and Delete, and every op that Compose and
// TransformText return, are normalized: no empty components, no two adjacent
// components of one kind, and an insert never directly after a delete (where
// an op inserts and deletes at one place, the insert comes first). Where an
// insert sits relative to a delete decides which concurrent inserts count as
// "at the same place", so the room normalizes every edit it receives before
// transforming it, and TransformText its inputs: the tie-break then does not
// depend on how a client happened to order its components, nor on unrelated
// edits the server transformed the op past (see Normalize).
type TextOp []TextComponent

// TextComponent is one step of a TextOp. Exactly one field is set.
type TextComponent struct {
	Retain int    // keep the next Retain code points
	Insert string // insert this text
	Delete int    // remove the next Delete code points
}

func (c TextComponent) isRetain() bool { return c.Retain > 0 }
func (c TextComponent) isInsert() bool { return c.Insert != "" }
func (c TextComponent) isDelete() bool { return c.Delete > 0 }

// Retain returns a copy of op followed by keeping n code points.
func (op TextOp) Retain(n int) TextOp { return appendRetain(slices.Clone(op), n) }

// Insert returns a copy of op followed by inserting s.
func (op TextOp) Insert(s string) TextOp { return appendInsert(slices.Clone(op), s) }

// Delete returns a copy of op followed by removing n code points.
func (op TextOp) Delete(n int) TextOp { return appendDelete(slices.Clone(op), n) }

// appendRetain, appendInsert and appendDelete build ops in place and keep
// them normalized. They may change op's last elements, so they are only used
// on ops being built.
func appendRetain(op TextOp, n int) TextOp {
	if n <= 0 {
		return op
	}
	if l := len(op); l > 0 && op[l-1].isRetain() {
		op[l-1].Retain += n
		return op
	}
	return append(op, TextComponent{Retain: n})
}

func appendInsert(op TextOp, s string) TextOp {
	if s == "" {
		return op
	}
	l := len(op)
	switch {
	case l > 0 && op[l-1].isInsert():
		op[l-1].Insert += s
	case l > 0 && op[l-1].isDelete():
		// Keep inserts before deletes, so equal ops look equal.
		if l > 1 && op[l-2].isInsert() {
			op[l-2].Insert += s
		} else {
			op = append(op, op[l-1])
			op[l-1] = TextComponent{Insert: s}
		}
	default:
		op = append(op, TextComponent{Insert: s})
	}
	return op
}

func appendDelete(op TextOp, n int) TextOp {
	if n <= 0 {
		return op
	}
	if l := len(op); l > 0 && op[l-1].isDelete() {
		op[l-1].Delete += n
		return op
	}
	return append(op, TextComponent{Delete: n})
}

// Normalize returns op in normal form (see TextOp): the same change, with
// adjacent components of one kind merged and, between two retains, all the
// inserted text before all the deleted text. It returns op itself when op
// is already normal.
func (op TextOp) Normalize() TextOp {
	if op.isNormal() {
		return op
	}
	out := make(TextOp, 0, len(op))
	for _, c := range op {
		switch {
		case c.isRetain():
			out = appendRetain(out, c.Retain)
		case c.isInsert():
			out = appendInsert(out, c.Insert)
		case c.isDelete():
			out = appendDelete(out, c.Delete)
		}
	}
	return out
}

// isNormal reports whether op is in normal form.
func (op TextOp) isNormal() bool {
	for i, c := range op {
		if c.Retain < 0 || c.Delete < 0 || (!c.isRetain() && !c.isInsert() && !c.isDelete()) {
			return false
		}
		if i == 0 {
			continue
		}
		p := op[i-1]
		if (p.isRetain() && c.isRetain()) || (p.isInsert() && c.isInsert()) || (p.isDelete() && c.isDelete()) || (p.isDelete() && c.isInsert()) {
			return false
		}
	}
	return true
}

// BaseLen is the length, in code points, of the documents op applies to.
func (op TextOp) BaseLen() int {
	n := 0
	for _, c := range op {
		n += c.Retain + c.Delete
	}
	return n
}

// TargetLen is the length, in code points, of the document op produces.
func (op TextOp) TargetLen() int {
	n := 0
	for _, c := range op {
		n += c.Retain + utf8.RuneCountInString(c.Insert)
	}
	return n
}

// IsNoop reports whether op changes nothing.
func (op TextOp) IsNoop() bool {
	for _, c := range op {
		if !c.isRetain() {
			return false
		}
	}
	return true
}

// Validate returns EINVALID unless every component sets exactly one field,
// counts are positive and bounded, inserts are valid UTF-8, and op has at most
// MaxTextOpComponents components.
func (op TextOp) Validate() error {
	if len(op) > MaxTextOpComponents {
		return shotline.Invalid("textOp", fmt.Sprintf("must have at most %d components", MaxTextOpComponents))
	}
	for _, c := range op {
		set := 0
		if c.Retain != 0 {
			set++
		}
		if c.Insert != "" {
			set++
		}
		if c.Delete != 0 {
			set++
		}
		switch {
		case set != 1:
			return shotline.Invalid("textOp", "each component must retain, insert or delete")
		case c.Retain < 0 || c.Delete < 0 || c.Retain > maxTextOpCount || c.Delete > maxTextOpCount:
			return shotline.Invalid("textOp", "counts must be positive and bounded")
		case !utf8.ValidString(c.Insert):
			return shotline.Invalid("textOp", "inserts must be valid UTF-8")
		}
	}
	return nil
}

// Apply returns doc changed by op. Returns EINVALID if op is invalid or its
// base length is not doc's length.
func (op TextOp) Apply(doc string) (string, error) {
	if err := op.Validate(); err != nil {
		return "", err
	}
	if n, m := op.BaseLen(), utf8.RuneCountInString(doc); n != m {
		return "", shotline.Invalid("textOp", fmt.Sprintf("applies to a text of %d characters, not %d", n, m))
	}
	var out strings.Builder
	out.Grow(len(doc) + 16)
	pos := 0 // byte offset into doc
	for _, c := range op {
		switch {
		case c.isRetain():
			end := advance(doc, pos, c.Retain)
			out.WriteString(doc[pos:end])
			pos = end
		case c.isInsert():
			out.WriteString(c.Insert)
		case c.isDelete():
			pos = advance(doc, pos, c.Delete)
		}
	}
	return out.String(), nil
}

// advance returns the byte offset n code points after pos in s.
func advance(s string, pos, n int) int {
	for ; n > 0; n-- {
		_, size := utf8.DecodeRuneInString(s[pos:])
		pos += size
	}
	return pos
}

// splitInsert splits s after n code points.
func splitInsert(s string, n int) (string, string) {
	i := advance(s, 0, n)
	return s[:i], s[i:]
}

// textCursor walks an op's components, able to consume part of one.
type textCursor struct {
	op  TextOp
	i   int
	cur TextComponent
	ok  bool
}

func newTextCursor(op TextOp) *textCursor {
	c := &textCursor{op: op}
	c.next()
	return c
}

func (c *textCursor) next() {
	if c.i < len(c.op) {
		c.cur, c.ok = c.op[c.i], true
		c.i++
	} else {
		c.cur, c.ok = TextComponent{}, false
	}
}

// length is the length of the current component in code points.
func (c *textCursor) length() int {
	if c.cur.isInsert() {
		return utf8.RuneCountInString(c.cur.Insert)
	}
	return c.cur.Retain + c.cur.Delete
}

// take consumes n code points of the current component (n <= length()) and
// returns the consumed part.
func (c *textCursor) take(n int) TextComponent {
	if n >= c.length() {
		t := c.cur
		c.next()
		return t
	}
	switch {
	case c.cur.isInsert():
		head, tail := splitInsert(c.cur.Insert, n)
		c.cur.Insert = tail
		return TextComponent{Insert: head}
	case c.cur.isRetain():
		c.cur.Retain -= n
		return TextComponent{Retain: n}
	default:
		c.cur.Delete -= n
		return TextComponent{Delete: n}
	}
}

// Compose returns one op with the effect of op followed by b. Returns
// EINVALID unless op's target length is b's base length.
func (op TextOp) Compose(b TextOp) (TextOp, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if op.TargetLen() != b.BaseLen() {
		return nil, shotline.Invalid("textOp", "the second op must apply to the result of the first")
	}
	var out TextOp
	c1, c2 := newTextCursor(op), newTextCursor(b)
	for c1.ok || c2.ok {
		if c1.ok && c1.cur.isDelete() {
			out = appendDelete(out, c1.take(c1.length()).Delete)
			continue
		}
		if c2.ok && c2.cur.isInsert() {
			out = appendInsert(out, c2.take(c2.length()).Insert)
			continue
		}
		if !c1.ok || !c2.ok {
			return nil, shotline.Invalid("textOp", "ops of different lengths")
		}
		n := min(c1.length(), c2.length())
		x, y := c1.take(n), c2.take(n)
		switch {
		case x.isRetain() && y.isRetain():
			out = appendRetain(out, n)
		case x.isInsert() && y.isDelete():
			// inserted then deleted: nothing
		case x.isInsert() && y.isRetain():
			out = appendInsert(out, x.Insert)
		case x.isRetain() && y.isDelete():
			out = appendDelete(out, n)
		}
	}
	return out, nil
}

// TransformText returns a2 and b2 for two ops a and b made concurrently on
// the same document, such that applying a then b2 gives the same text as
// applying b then a2. a is the op the server ordered first: where both insert
// at the same place, a's text ends up before b's. Both are normalized first
// (an insert next to a delete is at the delete's start). Returns EINVALID
// unless both ops have the same base length.
func TransformText(a, b TextOp) (a2, b2 TextOp, err error) {
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, nil, err
	}
	a, b = a.Normalize(), b.Normalize()
	if a.BaseLen() != b.BaseLen() {
		return nil, nil, shotline.Invalid("textOp", "concurrent ops must apply to the same text")
	}
	c1, c2 := newTextCursor(a), newTextCursor(b)
	for c1.ok || c2.ok {
		if c1.ok && c1.cur.isInsert() {
			n := c1.length()
			a2 = appendInsert(a2, c1.take(n).Insert)
			b2 = appendRetain(b2, n)
			continue
		}
		if c2.ok && c2.cur.isInsert() {
			n := c2.length()
			a2 = appendRetain(a2, n)
			b2 = appendInsert(b2, c2.take(n).Insert)
			continue
		}
		if !c1.ok || !c2.ok {
			return nil, nil, shotline.Invalid("textOp", "ops of different lengths")
		}
		n := min(c1.length(), c2.length())
		x, y := c1.take(n), c2.take(n)
		switch {
		case x.isRetain() && y.isRetain():
			a2, b2 = appendRetain(a2, n), appendRetain(b2, n)
		case x.isDelete() && y.isDelete():
			// both deleted the same text: nothing left to do
		case x.isDelete() && y.isRetain():
			a2 = appendDelete(a2, n)
		case x.isRetain() && y.isDelete():
			b2 = appendDelete(b2, n)
		}
	}
	return a2, b2, nil
}

// MarshalJSON writes op as ot.js's compact array.
func (op TextOp) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, c := range op {
		if i > 0 {
			buf.WriteByte(',')
		}
		switch {
		case c.isInsert():
			s, err := json.Marshal(c.Insert)
			if err != nil {
				return nil, err
			}
			buf.Write(s)
		case c.isDelete():
			buf.WriteString(strconv.Itoa(-c.Delete))
		default:
			buf.WriteString(strconv.Itoa(c.Retain))
		}
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads ot.js's compact array: non-zero integers and non-empty
// strings only.
func (op *TextOp) UnmarshalJSON(data []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil || items == nil {
		return shotline.Invalid("textOp", "must be an array of retains, inserts and deletes")
	}
	if len(items) > MaxTextOpComponents {
		return shotline.Invalid("textOp", fmt.Sprintf("must have at most %d components", MaxTextOpComponents))
	}
	out := make(TextOp, 0, len(items))
	for _, item := range items {
		if len(item) > 0 && item[0] == '"' {
			var s string
			if err := json.Unmarshal(item, &s); err != nil || s == "" {
				return shotline.Invalid("textOp", "an insert must be a non-empty string")
			}
			out = append(out, TextComponent{Insert: s})
			continue
		}
		n, err := strconv.ParseInt(string(item), 10, 64)
		if err != nil || n == 0 || n > maxTextOpCount || n < -maxTextOpCount {
			return shotline.Invalid("textOp", "a retain or delete must be a non-zero integer")
		}
		if n > 0 {
			out = append(out, TextComponent{Retain: int(n)})
		} else {
			out = append(out, TextComponent{Delete: int(-n)})
		}
	}
	*op = out
	return nil
}
