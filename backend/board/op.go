package board

import (
	"encoding/json"

	"github.com/shotline/shotline/backend/shotline"
)

// OpKind names a kind of Op; it is the "kind" field on the wire.
type OpKind string

// The kinds of op. docs/protocol.md describes each one.
const (
	KindShotInsert     OpKind = "shot.insert"
	KindShotMove       OpKind = "shot.move"
	KindShotDuplicate  OpKind = "shot.duplicate"
	KindShotDelete     OpKind = "shot.delete"
	KindShotSet        OpKind = "shot.set"
	KindTextEdit       OpKind = "text.edit"
	KindBoardSet       OpKind = "board.set"
	KindCommentAdd     OpKind = "comment.add"
	KindCommentEdit    OpKind = "comment.edit"
	KindCommentDelete  OpKind = "comment.delete"
	KindCommentResolve OpKind = "comment.resolve"
	KindCommentReopen  OpKind = "comment.reopen"
	KindVersionRestore OpKind = "version.restore"
	KindShotReview     OpKind = "shot.review"
)

// Op is one small, field-level change to a board: a closed union of the
// types below (ShotInsert, ShotMove, …), told apart by Kind. Ops are values;
// switch on their type to read them.
type Op interface {
	Kind() OpKind
	isOp()
}

// ShotField names a field of a shot that shot.set replaces as a whole.
type ShotField string

// Shot fields for shot.set.
const (
	ShotTitle       ShotField = "title"
	ShotDuration    ShotField = "duration"
	ShotAspectRatio ShotField = "aspectRatio"
	ShotStatus      ShotField = "status"
	ShotProvider    ShotField = "provider"
	ShotModel       ShotField = "model"
	ShotSettings    ShotField = "settings"
)

// TextField names a shot's text field that text.edit merges character-wise.
type TextField string

// Text fields for text.edit.
const (
	TextPrompt TextField = "prompt"
	TextNotes  TextField = "notes"
)

// BoardField names a board setting that board.set replaces.
type BoardField string

// Board fields for board.set.
const (
	BoardTitle               BoardField = "title"
	BoardDescription         BoardField = "description"
	BoardAspectRatio         BoardField = "aspectRatio"
	BoardDefaultShotDuration BoardField = "defaultShotDuration"
	BoardDefaultProvider     BoardField = "defaultProvider"
)

// ShotFields are the fields of a new shot. Zero values take defaults when the
// op is applied: the board's aspect ratio and default duration, status
// "draft", settings {}. The applied op carries the resolved values.
type ShotFields struct {
	Title       string          `json:"title,omitempty"`
	Prompt      string          `json:"prompt,omitempty"`
	Notes       string          `json:"notes,omitempty"`
	Duration    float64         `json:"duration,omitempty"`
	AspectRatio string          `json:"aspectRatio,omitempty"`
	Status      string          `json:"status,omitempty"`
	Provider    string          `json:"provider,omitempty"`
	Model       string          `json:"model,omitempty"`
	Settings    json.RawMessage `json:"settings,omitempty"`
}

// ShotInsert adds a shot at Position.
type ShotInsert struct {
	ShotID   string     `json:"shotId"`
	Position string     `json:"position"`
	Shot     ShotFields `json:"shot"`
}

// ShotMove gives a shot a new position.
type ShotMove struct {
	ShotID   string `json:"shotId"`
	Position string `json:"position"`
}

// ShotDuplicate copies a shot (not its comments) under a new id and position.
type ShotDuplicate struct {
	ShotID    string `json:"shotId"`
	NewShotID string `json:"newShotId"`
	Position  string `json:"position"`
}

// ShotDelete removes a shot. Its comments stay (see docs/protocol.md).
type ShotDelete struct {
	ShotID string `json:"shotId"`
}

// ShotSet replaces one field of a shot. Value's JSON type depends on Field:
// a number for duration, an object for settings, a string otherwise.
type ShotSet struct {
	ShotID string          `json:"shotId"`
	Field  ShotField       `json:"field"`
	Value  json.RawMessage `json:"value"`
}

// TextEdit changes a shot's prompt or notes by a text op. The op applies to
// the text as of BaseVersion, or, when that is nil, as of the enclosing
// message's baseSeq; the server transforms it past every later edit of the
// same field. Applied ops never carry a BaseVersion: they apply to the state
// just before their own seq.
type TextEdit struct {
	ShotID      string    `json:"shotId"`
	Field       TextField `json:"field"`
	BaseVersion *int64    `json:"baseVersion,omitempty"`
	TextOp      TextOp    `json:"textOp"`
}

// BoardSet replaces one board setting. Value is a number for
// defaultShotDuration and a string otherwise.
type BoardSet struct {
	Field BoardField      `json:"field"`
	Value json.RawMessage `json:"value"`
}

// TimeRange is a span of a shot's render, in seconds.
type TimeRange struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// CommentAdd starts a thread on a shot or, with ParentID, replies to one.
// The author is the actor who sends it.
type CommentAdd struct {
	CommentID string     `json:"commentId"`
	ShotID    string     `json:"shotId"`
	ParentID  string     `json:"parentId,omitempty"`
	Body      string     `json:"body"`
	TimeRange *TimeRange `json:"timeRange,omitempty"`
	// At is when the server took the comment (RFC 3339), set by the room
	// on every comment.add it receives; what a client sends is replaced.
	At string `json:"at,omitempty"`
}

// CommentEdit replaces the body of the actor's own comment.
type CommentEdit struct {
	CommentID string `json:"commentId"`
	Body      string `json:"body"`
}

// CommentDelete removes a comment and, for a thread, its replies.
type CommentDelete struct {
	CommentID string `json:"commentId"`
}

// CommentResolve marks a thread resolved.
type CommentResolve struct {
	CommentID string `json:"commentId"`
}

// CommentReopen marks a resolved thread open again.
type CommentReopen struct {
	CommentID string `json:"commentId"`
}

// VersionRestore puts a named version of the board back: its settings and
// its shots replace the current ones; comments stay. A client sends only
// VersionID; the room looks the version up and fills Content before calling
// BoardState.Apply, and the applied op that everyone receives carries it.
type VersionRestore struct {
	VersionID string          `json:"versionId"`
	Content   *RestoreContent `json:"content,omitempty"`
}

// RestoreContent is what a version restore puts back.
type RestoreContent struct {
	BoardSettings
	Shots []Shot `json:"shots"`
}

func (ShotInsert) Kind() OpKind     { return KindShotInsert }
func (ShotMove) Kind() OpKind       { return KindShotMove }
func (ShotDuplicate) Kind() OpKind  { return KindShotDuplicate }
func (ShotDelete) Kind() OpKind     { return KindShotDelete }
func (ShotSet) Kind() OpKind        { return KindShotSet }
func (TextEdit) Kind() OpKind       { return KindTextEdit }
func (BoardSet) Kind() OpKind       { return KindBoardSet }
func (CommentAdd) Kind() OpKind     { return KindCommentAdd }
func (CommentEdit) Kind() OpKind    { return KindCommentEdit }
func (CommentDelete) Kind() OpKind  { return KindCommentDelete }
func (CommentResolve) Kind() OpKind { return KindCommentResolve }
func (CommentReopen) Kind() OpKind  { return KindCommentReopen }
func (VersionRestore) Kind() OpKind { return KindVersionRestore }

func (ShotInsert) isOp()     {}
func (ShotMove) isOp()       {}
func (ShotDuplicate) isOp()  {}
func (ShotDelete) isOp()     {}
func (ShotSet) isOp()        {}
func (TextEdit) isOp()       {}
func (BoardSet) isOp()       {}
func (CommentAdd) isOp()     {}
func (CommentEdit) isOp()    {}
func (CommentDelete) isOp()  {}
func (CommentResolve) isOp() {}
func (CommentReopen) isOp()  {}
func (VersionRestore) isOp() {}

// MarshalJSON methods write each op with its "kind" first. The local plain
// types drop the method so that encoding does not recurse.

// MarshalJSON implements json.Marshaler.
func (o ShotInsert) MarshalJSON() ([]byte, error) {
	type plain ShotInsert
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o ShotMove) MarshalJSON() ([]byte, error) {
	type plain ShotMove
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o ShotDuplicate) MarshalJSON() ([]byte, error) {
	type plain ShotDuplicate
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o ShotDelete) MarshalJSON() ([]byte, error) {
	type plain ShotDelete
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o ShotSet) MarshalJSON() ([]byte, error) {
	type plain ShotSet
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o TextEdit) MarshalJSON() ([]byte, error) {
	type plain TextEdit
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o BoardSet) MarshalJSON() ([]byte, error) {
	type plain BoardSet
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o CommentAdd) MarshalJSON() ([]byte, error) {
	type plain CommentAdd
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o CommentEdit) MarshalJSON() ([]byte, error) {
	type plain CommentEdit
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o CommentDelete) MarshalJSON() ([]byte, error) {
	type plain CommentDelete
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o CommentResolve) MarshalJSON() ([]byte, error) {
	type plain CommentResolve
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o CommentReopen) MarshalJSON() ([]byte, error) {
	type plain CommentReopen
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// MarshalJSON implements json.Marshaler.
func (o VersionRestore) MarshalJSON() ([]byte, error) {
	type plain VersionRestore
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

// decodeOp decodes an op body (without its kind) into a T.
func decodeOp[T Op](body Tagged) (Op, error) {
	var o T
	if err := body.Decode(&o); err != nil {
		return nil, err
	}
	return o, nil
}

var opDecoders = map[OpKind]func(Tagged) (Op, error){
	KindShotInsert:     decodeOp[ShotInsert],
	KindShotMove:       decodeOp[ShotMove],
	KindShotDuplicate:  decodeOp[ShotDuplicate],
	KindShotDelete:     decodeOp[ShotDelete],
	KindShotSet:        decodeOp[ShotSet],
	KindTextEdit:       decodeOp[TextEdit],
	KindBoardSet:       decodeOp[BoardSet],
	KindCommentAdd:     decodeOp[CommentAdd],
	KindCommentEdit:    decodeOp[CommentEdit],
	KindCommentDelete:  decodeOp[CommentDelete],
	KindCommentResolve: decodeOp[CommentResolve],
	KindCommentReopen:  decodeOp[CommentReopen],
	KindVersionRestore: decodeOp[VersionRestore],
	KindShotReview:     decodeOp[ShotReviewOp],
}

// OpKinds lists every op kind.
func OpKinds() []OpKind {
	return []OpKind{KindShotInsert, KindShotMove, KindShotDuplicate, KindShotDelete, KindShotSet,
		KindTextEdit, KindBoardSet, KindCommentAdd, KindCommentEdit, KindCommentDelete,
		KindCommentResolve, KindCommentReopen, KindVersionRestore, KindShotReview}
}

// UnmarshalOp decodes one op from JSON. It checks the shape only (known
// kind, known fields, JSON types); BoardState.Apply checks the values.
// Returns EINVALID.
func UnmarshalOp(data []byte) (Op, error) {
	kind, body, err := SplitTagged(data, "kind")
	if err != nil {
		return nil, err
	}
	dec, ok := opDecoders[OpKind(kind)]
	if !ok {
		return nil, shotline.Invalid("kind", "unknown op kind "+kind)
	}
	return dec(body)
}

// AppliedOp is an op as the room applied it: its sequence number, the
// client's op id, the actor, and the op as transformed and resolved by
// BoardState.Apply. It is what the op log stores and what clients apply.
type AppliedOp struct {
	Seq   int64  `json:"seq"`
	OpID  string `json:"opId"`
	Actor string `json:"actor"`
	Op    Op     `json:"op"`
}

// UnmarshalJSON implements json.Unmarshaler (Op is an interface).
func (a *AppliedOp) UnmarshalJSON(data []byte) error {
	var w struct {
		Seq   int64           `json:"seq"`
		OpID  string          `json:"opId"`
		Actor string          `json:"actor"`
		Op    json.RawMessage `json:"op"`
	}
	if err := StrictUnmarshal(data, &w); err != nil {
		return err
	}
	op, err := RequiredOp(w.Op)
	if err != nil {
		return err
	}
	*a = AppliedOp{Seq: w.Seq, OpID: w.OpID, Actor: w.Actor, Op: op}
	return nil
}

// RequiredOp decodes the "op" field of a message, which must be there.
func RequiredOp(raw json.RawMessage) (Op, error) {
	if len(raw) == 0 {
		return nil, shotline.Invalid("op", "is required")
	}
	return UnmarshalOp(raw)
}
