package board

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// Limits that Apply enforces, besides those of package shotline.
const (
	MaxShots          = 1000                           // shots on one board
	MaxComments       = 10000                          // comments on one board
	MaxCommentLength  = 5000                           // code points in a comment body
	MaxIDLength       = 64                             // bytes in a shot, comment or version id
	MaxPositionLength = 128                            // bytes in a shot's order key
	MaxProviderLength = shotline.MaxProviderNameLength // code points in a provider or model name
	MaxSettingsBytes  = 8 << 10                        // bytes of a shot's settings object
	MaxSettingsDepth  = 8                              // levels a shot's settings nest, the object itself included
)

// Bounds of the text op history kept for transforming late text edits. A
// text edit based on a seq older than the history gets ECONFLICT (the client
// resyncs). The bounds are board-wide so that memory stays bounded.
const (
	maxTextHistoryEntries = 1000
	maxTextHistoryBytes   = 1 << 20
)

// BoardSettings are the board fields that board.set changes.
type BoardSettings struct {
	Title               string  `json:"title"`
	Description         string  `json:"description"`
	AspectRatio         string  `json:"aspectRatio"`
	DefaultShotDuration float64 `json:"defaultShotDuration"`
	// DefaultProvider renders the board's shots that name no provider of
	// their own; empty means the server's default (animatic).
	DefaultProvider string `json:"defaultProvider,omitempty"`
}

// Shot is a shot as the realtime state holds it. Position is a fractional
// order key (fracindex.go); shots are ordered by Position, then by ID, so
// two shots inserted at the same place concurrently get a stable order.
type Shot struct {
	ID          string          `json:"id"`
	Position    string          `json:"position"`
	Title       string          `json:"title"`
	Prompt      string          `json:"prompt"`
	Notes       string          `json:"notes"`
	Duration    float64         `json:"duration"`
	AspectRatio string          `json:"aspectRatio"`
	Status      string          `json:"status"`
	Provider    string          `json:"provider"`
	Model       string          `json:"model"`
	Settings    json.RawMessage `json:"settings"` // a JSON object, compact
	Review      ShotReview      `json:"review,omitzero"`
}

// NumberedShot is a shot with its 1-based place in the timeline, as
// render and export read a board ("shot 3").
type NumberedShot struct {
	Shot
	Number int `json:"number"`
}

// NumberedShots returns the board's shots in timeline order with their
// numbers, as a render or an export takes them: a shot that names no
// provider or aspect ratio of its own gets the board's.
func (b BoardSnapshot) NumberedShots() []NumberedShot {
	out := make([]NumberedShot, len(b.Shots))
	for i, sh := range b.Shots {
		if sh.Provider == "" {
			sh.Provider = b.DefaultProvider
		}
		if sh.AspectRatio == "" {
			sh.AspectRatio = b.AspectRatio
		}
		out[i] = NumberedShot{Shot: sh, Number: i + 1}
	}
	return out
}

// Comment is a comment on a shot. A thread is a comment without ParentID;
// its replies point at it with ParentID (one level deep). Only threads
// carry a TimeRange and can be resolved. CreatedSeq and EditedSeq are the
// seqs of the ops that created and last edited it, so that the state holds
// no clock; the op log maps them to times.
type Comment struct {
	ID         string     `json:"id"`
	ShotID     string     `json:"shotId"`
	ParentID   string     `json:"parentId,omitempty"`
	AuthorID   string     `json:"authorId"`
	Body       string     `json:"body"`
	TimeRange  *TimeRange `json:"timeRange,omitempty"`
	Resolved   bool       `json:"resolved"`
	ResolvedBy string     `json:"resolvedBy,omitempty"`
	CreatedSeq int64      `json:"createdSeq"`
	EditedSeq  int64      `json:"editedSeq,omitempty"`
	// CreatedAt is when the server took the comment (RFC 3339); empty for
	// comments made before the server kept it.
	CreatedAt string `json:"createdAt,omitempty"`
}

// BoardSnapshot is the whole board as clients see it: settings, shots in
// order, comments in creation order.
type BoardSnapshot struct {
	ID string `json:"id"`
	BoardSettings
	Shots    []Shot    `json:"shots"`
	Comments []Comment `json:"comments"`
}

func (b BoardSnapshot) WithLists() BoardSnapshot {
	if b.Shots == nil {
		b.Shots = []Shot{}
	}
	if b.Comments == nil {
		b.Comments = []Comment{}
	}
	return b
}

// BoardState is the authoritative state of one board in a room. Change it
// only through Apply; read the exported fields freely. It is not safe for
// concurrent use: the room owns it.
type BoardState struct {
	ID       string
	Settings BoardSettings
	// Seq is the sequence number of the last op applied.
	Seq      int64
	Shots    map[string]Shot
	Comments map[string]Comment

	// textSince holds, per shot, the seq at which its text fields were last
	// replaced wholesale (insert, duplicate, restore): a text edit based
	// on an earlier seq cannot be transformed.
	textSince map[string]int64
	history   textHistory
}

type textKey struct {
	shotID string
	field  TextField
}

type textEntry struct {
	seq  int64
	key  textKey
	op   TextOp
	cost int
}

// textHistory holds recent text ops of every field in seq order. It holds
// every text op with a seq above floor.
type textHistory struct {
	entries []textEntry
	floor   int64
	cost    int
}

func (h *textHistory) add(e textEntry) {
	e.cost = 32
	for _, c := range e.op {
		e.cost += 16 + len(c.Insert)
	}
	h.entries = append(h.entries, e)
	h.cost += e.cost
	for len(h.entries) > maxTextHistoryEntries || (h.cost > maxTextHistoryBytes && len(h.entries) > 1) {
		old := h.entries[0]
		h.entries[0] = textEntry{}
		h.entries = h.entries[1:]
		h.cost -= old.cost
		h.floor = old.seq
	}
}

// since returns the ops on key with a seq above base, oldest first.
func (h *textHistory) since(key textKey, base int64) []TextOp {
	i := sort.Search(len(h.entries), func(i int) bool { return h.entries[i].seq > base })
	var out []TextOp
	for _, e := range h.entries[i:] {
		if e.key == key {
			out = append(out, e.op)
		}
	}
	return out
}

// TextFloor is the seq the text history starts at: a text edit based
// before it cannot be transformed unless Backfill extends the history.
func (s *BoardState) TextFloor() int64 { return s.history.floor }

// Backfill extends the text history back to seq from, so that text edits
// based on seqs down to from can be transformed: ops are the durable ops
// after from up to where the history begins (a room that loaded from a
// snapshot has none before it), in order. Reports false, changing nothing,
// unless they end exactly there.
func (s *BoardState) Backfill(from int64, ops []AppliedOp) bool {
	floor := s.history.floor
	if from >= floor || int64(len(ops)) != floor-from || ops[len(ops)-1].Seq != floor {
		return false
	}
	// When each shot's text was last replaced wholesale, by these ops.
	reset := map[string]int64{}
	var entries []textEntry
	for _, ao := range ops {
		switch o := ao.Op.(type) {
		case ShotInsert:
			reset[o.ShotID] = ao.Seq
		case ShotDuplicate:
			reset[o.NewShotID] = ao.Seq
		case VersionRestore:
			if o.Content != nil {
				for _, sh := range o.Content.Shots {
					reset[sh.ID] = ao.Seq
				}
			}
		case TextEdit:
			entries = append(entries, textEntry{seq: ao.Seq, key: textKey{o.ShotID, o.Field}, op: o.TextOp})
		}
	}
	for id, since := range s.textSince {
		if since == floor { // as loaded
			s.textSince[id] = max(from, reset[id])
		}
	}
	h := textHistory{floor: from}
	for _, e := range entries {
		h.add(e)
	}
	for _, e := range s.history.entries {
		h.add(e)
	}
	s.history = h
	return true
}

// FromBoard returns the state of a board loaded from the database, at
// b.Seq. Shots keep their positions; if any shot lacks a valid position,
// every shot gets a fresh one in the given order (legacy data). Fields the
// domain Board does not hold yet (provider, model, settings, comments)
// start empty. Returns EINVALID if two shots share an id.
func FromBoard(b *shotline.Board) (*BoardState, error) {
	snap := BoardSnapshot{
		ID: b.ID,
		BoardSettings: BoardSettings{
			Title: b.Title, Description: b.Description,
			AspectRatio: b.AspectRatio, DefaultShotDuration: b.DefaultShotDuration,
		},
	}
	repair := false
	for _, sh := range b.Shots {
		if validPosition(sh.Position) != nil {
			repair = true
		}
		snap.Shots = append(snap.Shots, Shot{
			ID: sh.ID, Position: sh.Position, Title: sh.Title, Prompt: sh.Prompt, Notes: sh.Notes,
			Duration: sh.Duration, AspectRatio: sh.AspectRatio, Status: sh.Status,
			Settings: json.RawMessage("{}"),
		})
	}
	if repair {
		keys, err := GenerateNKeysBetween("", "", len(snap.Shots))
		if err != nil {
			return nil, err
		}
		for i := range snap.Shots {
			snap.Shots[i].Position = keys[i]
		}
	}
	return FromSnapshot(snap, b.Seq)
}

// FromSnapshot returns the state that snap describes, at seq. Returns
// EINVALID if two shots or two comments share an id.
func FromSnapshot(snap BoardSnapshot, seq int64) (*BoardState, error) {
	s := &BoardState{
		ID:        snap.ID,
		Settings:  snap.BoardSettings,
		Seq:       seq,
		Shots:     make(map[string]Shot, len(snap.Shots)),
		Comments:  make(map[string]Comment, len(snap.Comments)),
		textSince: make(map[string]int64, len(snap.Shots)),
		history:   textHistory{floor: seq},
	}
	for _, sh := range snap.Shots {
		if _, dup := s.Shots[sh.ID]; dup {
			return nil, shotline.Invalid("shots", "two shots have the id "+sh.ID)
		}
		if len(sh.Settings) == 0 {
			sh.Settings = json.RawMessage("{}")
		}
		sh.Settings = slices.Clone(sh.Settings)
		s.Shots[sh.ID] = sh
	}
	for _, c := range snap.Comments {
		if _, dup := s.Comments[c.ID]; dup {
			return nil, shotline.Invalid("comments", "two comments have the id "+c.ID)
		}
		s.Comments[c.ID] = CloneComment(c)
	}
	return s, nil
}

// Snapshot returns a copy of the board: shots ordered by position then id,
// comments by creation then id.
func (s *BoardState) Snapshot() BoardSnapshot {
	snap := BoardSnapshot{ID: s.ID, BoardSettings: s.Settings,
		Shots: make([]Shot, 0, len(s.Shots)), Comments: make([]Comment, 0, len(s.Comments))}
	for _, sh := range s.Shots {
		sh.Settings = slices.Clone(sh.Settings)
		snap.Shots = append(snap.Shots, sh)
	}
	SortShots(snap.Shots)
	for _, c := range s.Comments {
		snap.Comments = append(snap.Comments, CloneComment(c))
	}
	slices.SortFunc(snap.Comments, func(a, b Comment) int {
		if c := cmp.Compare(a.CreatedSeq, b.CreatedSeq); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return snap
}

// SortShots orders shots by position, then by id.
func SortShots(shots []Shot) {
	slices.SortFunc(shots, func(a, b Shot) int {
		if c := strings.Compare(a.Position, b.Position); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Clone returns a deep copy of s, text history included.
func (s *BoardState) Clone() *BoardState {
	c := *s
	c.Shots = make(map[string]Shot, len(s.Shots))
	for id, sh := range s.Shots {
		sh.Settings = slices.Clone(sh.Settings)
		c.Shots[id] = sh
	}
	c.Comments = make(map[string]Comment, len(s.Comments))
	for id, cm := range s.Comments {
		c.Comments[id] = CloneComment(cm)
	}
	c.textSince = maps.Clone(s.textSince)
	c.history.entries = slices.Clone(s.history.entries)
	return &c
}

// CloneComment returns a copy of c that shares nothing with it.
func CloneComment(c Comment) Comment {
	if c.TimeRange != nil {
		tr := *c.TimeRange
		c.TimeRange = &tr
	}
	return c
}

// caller is who sends an op.
type caller struct {
	actor string
	role  shotline.Role
	authz shotline.Authorizer
}

func (c caller) may(p shotline.Permission) bool { return c.authz.Allowed(c.role, p) }

func (c caller) require(p shotline.Permission, what string) error {
	if !c.may(p) {
		return shotline.Errorf(shotline.EFORBIDDEN, "Your role cannot %s.", what)
	}
	return nil
}

// Apply validates op, checks that actor (who holds role) may make it,
// transforms a text edit past the text edits applied since it was made,
// applies it, and increments Seq. It returns the op as applied, which is
// what the room logs and broadcasts: text edits transformed, new shots with
// their defaults filled in, values in canonical JSON.
//
// baseSeq is the last seq the client had applied when it made op; only text
// edits use it. An op that repeats an insert or comment exactly (a retry) is
// applied as a no-op and still gets a seq.
//
// On error nothing changes, Seq included. Errors: EFORBIDDEN (the role may
// not), ENOTFOUND (the shot or comment does not exist, e.g. it was deleted
// concurrently), EINVALID (malformed value, limits), ECONFLICT (an id in use
// by something else, or a text edit based on a seq older than the history
// the state keeps).
func (s *BoardState) Apply(actor string, role shotline.Role, authz shotline.Authorizer, op Op, baseSeq int64) (Op, error) {
	if actor == "" || authz == nil {
		return nil, fmt.Errorf("apply op: actor and authorizer are required")
	}
	if op == nil {
		return nil, shotline.Invalid("op", "is required")
	}
	c := caller{actor, role, authz}
	var (
		applied Op
		commit  func(seq int64)
		err     error
	)
	// Each prepare function checks everything first and returns a commit
	// function that cannot fail, so a failing op changes nothing.
	switch o := op.(type) {
	case ShotInsert:
		applied, commit, err = s.prepareShotInsert(c, o)
	case ShotMove:
		applied, commit, err = s.prepareShotMove(c, o)
	case ShotDuplicate:
		applied, commit, err = s.prepareShotDuplicate(c, o)
	case ShotDelete:
		applied, commit, err = s.prepareShotDelete(c, o)
	case ShotSet:
		applied, commit, err = s.prepareShotSet(c, o)
	case TextEdit:
		applied, commit, err = s.prepareTextEdit(c, o, baseSeq)
	case BoardSet:
		applied, commit, err = s.prepareBoardSet(c, o)
	case CommentAdd:
		applied, commit, err = s.prepareCommentAdd(c, o)
	case CommentEdit:
		applied, commit, err = s.prepareCommentEdit(c, o)
	case CommentDelete:
		applied, commit, err = s.prepareCommentDelete(c, o)
	case CommentResolve:
		applied, commit, err = s.prepareCommentResolve(c, o.CommentID, true)
	case CommentReopen:
		applied, commit, err = s.prepareCommentResolve(c, o.CommentID, false)
	case VersionRestore:
		applied, commit, err = s.prepareVersionRestore(c, o)
	case ShotReviewOp:
		applied, commit, err = s.prepareShotReview(c, o)
	default:
		return nil, shotline.Invalid("op", "unknown op kind "+string(op.Kind()))
	}
	if err != nil {
		return nil, err
	}
	s.Seq++
	commit(s.Seq)
	return applied, nil
}

func noop(int64) {}

// Shots.

func (s *BoardState) shot(id string) (Shot, error) {
	sh, ok := s.Shots[id]
	if !ok {
		return Shot{}, shotline.Errorf(shotline.ENOTFOUND, "Shot %s not found; it may have been deleted.", id)
	}
	return sh, nil
}

func (s *BoardState) prepareShotInsert(c caller, o ShotInsert) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	sh := Shot{
		ID: o.ShotID, Position: o.Position, Title: o.Shot.Title, Prompt: o.Shot.Prompt, Notes: o.Shot.Notes,
		Duration: o.Shot.Duration, AspectRatio: o.Shot.AspectRatio, Status: o.Shot.Status,
		Provider: o.Shot.Provider, Model: o.Shot.Model, Settings: o.Shot.Settings,
	}
	if sh.Duration == 0 {
		sh.Duration = s.Settings.DefaultShotDuration
	}
	if sh.AspectRatio == "" {
		sh.AspectRatio = s.Settings.AspectRatio
	}
	if sh.Status == "" {
		sh.Status = shotline.ShotDraft
	}
	if len(sh.Settings) == 0 {
		sh.Settings = json.RawMessage("{}")
	}
	sh, err := validateShot(sh, "shot.")
	if err != nil {
		return nil, nil, err
	}
	applied := ShotInsert{ShotID: sh.ID, Position: sh.Position, Shot: ShotFields{
		Title: sh.Title, Prompt: sh.Prompt, Notes: sh.Notes, Duration: sh.Duration, AspectRatio: sh.AspectRatio,
		Status: sh.Status, Provider: sh.Provider, Model: sh.Model, Settings: sh.Settings,
	}}
	if cur, ok := s.Shots[sh.ID]; ok {
		if shotsEqual(cur, sh) {
			return applied, noop, nil
		}
		return nil, nil, shotline.Errorf(shotline.ECONFLICT, "A different shot already has the id %s.", sh.ID)
	}
	if len(s.Shots) >= MaxShots {
		return nil, nil, shotline.Invalid("shots", fmt.Sprintf("a board holds at most %d shots", MaxShots))
	}
	return applied, func(seq int64) { s.addShot(sh, seq) }, nil
}

func (s *BoardState) addShot(sh Shot, seq int64) {
	s.Shots[sh.ID] = sh
	s.textSince[sh.ID] = seq
}

func (s *BoardState) prepareShotMove(c caller, o ShotMove) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	sh, err := s.shot(o.ShotID)
	if err != nil {
		return nil, nil, err
	}
	if err := validPosition(o.Position); err != nil {
		return nil, nil, err
	}
	return o, func(int64) {
		sh.Position = o.Position
		s.Shots[sh.ID] = sh
	}, nil
}

func (s *BoardState) prepareShotDuplicate(c caller, o ShotDuplicate) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	src, err := s.shot(o.ShotID)
	if err != nil {
		return nil, nil, err
	}
	if err := validID("newShotId", o.NewShotID); err != nil {
		return nil, nil, err
	}
	if err := validPosition(o.Position); err != nil {
		return nil, nil, err
	}
	dup := src
	dup.ID, dup.Position = o.NewShotID, o.Position
	if cur, ok := s.Shots[dup.ID]; ok {
		if shotsEqual(cur, dup) {
			return o, noop, nil
		}
		return nil, nil, shotline.Errorf(shotline.ECONFLICT, "A different shot already has the id %s.", dup.ID)
	}
	if len(s.Shots) >= MaxShots {
		return nil, nil, shotline.Invalid("shots", fmt.Sprintf("a board holds at most %d shots", MaxShots))
	}
	return o, func(seq int64) { s.addShot(dup, seq) }, nil
}

func (s *BoardState) prepareShotDelete(c caller, o ShotDelete) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	if _, err := s.shot(o.ShotID); err != nil {
		return nil, nil, err
	}
	return o, func(int64) {
		delete(s.Shots, o.ShotID)
		delete(s.textSince, o.ShotID)
	}, nil
}

func (s *BoardState) prepareShotSet(c caller, o ShotSet) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	sh, err := s.shot(o.ShotID)
	if err != nil {
		return nil, nil, err
	}
	switch o.Field {
	case ShotTitle:
		v, err := decodeString("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		sh.Title = v
	case ShotDuration:
		v, err := decodeNumber("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		sh.Duration = v
	case ShotAspectRatio:
		v, err := decodeString("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		sh.AspectRatio = v
	case ShotStatus:
		v, err := decodeString("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		sh.Status = v
	case ShotProvider:
		v, err := decodeString("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		sh.Provider = v
	case ShotModel:
		v, err := decodeString("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		sh.Model = v
	case ShotSettings:
		sh.Settings = o.Value
	default:
		return nil, nil, shotline.Invalid("field", "unknown shot field "+strconv.Quote(string(o.Field)))
	}
	if err := validateShotField(&sh, o.Field, ""); err != nil {
		return nil, nil, err
	}
	applied := ShotSet{ShotID: o.ShotID, Field: o.Field, Value: shotFieldValue(sh, o.Field)}
	return applied, func(int64) { s.Shots[sh.ID] = sh }, nil
}

// shotFieldValue returns the canonical JSON of one field of sh.
func shotFieldValue(sh Shot, f ShotField) json.RawMessage {
	var v any
	switch f {
	case ShotTitle:
		v = sh.Title
	case ShotDuration:
		v = sh.Duration
	case ShotAspectRatio:
		v = sh.AspectRatio
	case ShotStatus:
		v = sh.Status
	case ShotProvider:
		v = sh.Provider
	case ShotModel:
		v = sh.Model
	case ShotSettings:
		return slices.Clone(sh.Settings)
	}
	b, _ := json.Marshal(v)
	return b
}

func (s *BoardState) prepareTextEdit(c caller, o TextEdit, baseSeq int64) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	if o.Field != TextPrompt && o.Field != TextNotes {
		return nil, nil, shotline.Invalid("field", "unknown text field "+strconv.Quote(string(o.Field)))
	}
	if err := o.TextOp.Validate(); err != nil {
		return nil, nil, err
	}
	sh, err := s.shot(o.ShotID)
	if err != nil {
		return nil, nil, err
	}
	base := baseSeq
	if o.BaseVersion != nil {
		base = *o.BaseVersion
	}
	if base < 0 || base > s.Seq {
		return nil, nil, shotline.Invalid("baseVersion", fmt.Sprintf("must be between 0 and the board's seq %d", s.Seq))
	}
	if floor := max(s.history.floor, s.textSince[sh.ID]); base < floor {
		return nil, nil, shotline.Errorf(shotline.ECONFLICT,
			"The %s of shot %s changed too much since seq %d to merge this edit; reload and retry.", o.Field, sh.ID, base)
	}
	key := textKey{sh.ID, o.Field}
	// Normalized even when there is nothing to transform past, so that
	// the op log holds the same form whatever the client sent (TextOp).
	top := o.TextOp.Normalize()
	for _, h := range s.history.since(key, base) {
		if _, top, err = TransformText(h, top); err != nil {
			return nil, nil, err
		}
	}
	text := sh.Prompt
	if o.Field == TextNotes {
		text = sh.Notes
	}
	text, err = top.Apply(text)
	if err != nil {
		return nil, nil, err
	}
	if utf8.RuneCountInString(text) > MaxTextLength {
		return nil, nil, shotline.Invalid(string(o.Field), fmt.Sprintf("must be at most %d characters", MaxTextLength))
	}
	applied := TextEdit{ShotID: sh.ID, Field: o.Field, TextOp: top}
	return applied, func(seq int64) {
		if o.Field == TextNotes {
			sh.Notes = text
		} else {
			sh.Prompt = text
		}
		s.Shots[sh.ID] = sh
		s.history.add(textEntry{seq: seq, key: key, op: top})
	}, nil
}

// Board settings.

func (s *BoardState) prepareBoardSet(c caller, o BoardSet) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	bs := s.Settings
	var v any
	switch o.Field {
	case BoardTitle, BoardDescription, BoardAspectRatio, BoardDefaultProvider:
		str, err := decodeString("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		switch o.Field {
		case BoardTitle:
			bs.Title = str
		case BoardDescription:
			bs.Description = str
		case BoardDefaultProvider:
			bs.DefaultProvider = str
		default:
			bs.AspectRatio = str
		}
		v = str
	case BoardDefaultShotDuration:
		d, err := decodeNumber("value", o.Value)
		if err != nil {
			return nil, nil, err
		}
		bs.DefaultShotDuration = d
		v = d
	default:
		return nil, nil, shotline.Invalid("field", "unknown board field "+strconv.Quote(string(o.Field)))
	}
	if err := validateBoardField(bs, o.Field); err != nil {
		return nil, nil, err
	}
	value, _ := json.Marshal(v)
	return BoardSet{Field: o.Field, Value: value}, func(int64) { s.Settings = bs }, nil
}

// Versions.

func (s *BoardState) prepareVersionRestore(c caller, o VersionRestore) (Op, func(int64), error) {
	if err := c.require(shotline.PermBoardUpdate, "edit this board"); err != nil {
		return nil, nil, err
	}
	if err := validID("versionId", o.VersionID); err != nil {
		return nil, nil, err
	}
	if o.Content == nil {
		return nil, nil, shotline.Invalid("content", "the room must fill in the version's content")
	}
	if err := validateBoardSettings(o.Content.BoardSettings); err != nil {
		return nil, nil, err
	}
	if len(o.Content.Shots) > MaxShots {
		return nil, nil, shotline.Invalid("shots", fmt.Sprintf("a board holds at most %d shots", MaxShots))
	}
	shots := make(map[string]Shot, len(o.Content.Shots))
	content := RestoreContent{BoardSettings: o.Content.BoardSettings, Shots: make([]Shot, 0, len(o.Content.Shots))}
	for i, sh := range o.Content.Shots {
		if len(sh.Settings) == 0 {
			sh.Settings = json.RawMessage("{}") // versions made before settings existed
		}
		sh, err := validateShot(sh, fmt.Sprintf("shots[%d].", i))
		if err != nil {
			return nil, nil, err
		}
		if _, dup := shots[sh.ID]; dup {
			return nil, nil, shotline.Invalid("shots", "two shots have the id "+sh.ID)
		}
		shots[sh.ID] = sh
		content.Shots = append(content.Shots, sh)
	}
	SortShots(content.Shots)
	applied := VersionRestore{VersionID: o.VersionID, Content: &content}
	return applied, func(seq int64) {
		s.Settings = content.BoardSettings
		s.Shots = shots
		s.textSince = make(map[string]int64, len(shots))
		for id := range shots {
			s.textSince[id] = seq
		}
	}, nil
}

// Validation.

// validID accepts 1 to MaxIDLength letters, digits, '-' and '_' (UUIDs and
// ObjectIDs fit), so that ids compare the same in Go and JavaScript.
func validID(field, id string) error {
	if id == "" || len(id) > MaxIDLength {
		return shotline.Invalid(field, fmt.Sprintf("must be 1 to %d characters", MaxIDLength))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return shotline.Invalid(field, "may hold only letters, digits, '-' and '_'")
		}
	}
	return nil
}

func validPosition(p string) error {
	if len(p) > MaxPositionLength {
		return shotline.Invalid("position", fmt.Sprintf("must be at most %d characters", MaxPositionLength))
	}
	return ValidateKey(p)
}

// validateShot checks every field of sh and returns it with its settings
// compacted. prefix goes before field names in errors.
func validateShot(sh Shot, prefix string) (Shot, error) {
	if err := validID(prefix+"id", sh.ID); err != nil {
		return sh, err
	}
	if err := validPosition(sh.Position); err != nil {
		return sh, err
	}
	if utf8.RuneCountInString(sh.Prompt) > MaxTextLength {
		return sh, shotline.Invalid(prefix+"prompt", fmt.Sprintf("must be at most %d characters", MaxTextLength))
	}
	if utf8.RuneCountInString(sh.Notes) > MaxTextLength {
		return sh, shotline.Invalid(prefix+"notes", fmt.Sprintf("must be at most %d characters", MaxTextLength))
	}
	for _, f := range []ShotField{ShotTitle, ShotDuration, ShotAspectRatio, ShotStatus, ShotProvider, ShotModel, ShotSettings} {
		if err := validateShotField(&sh, f, prefix); err != nil {
			return sh, err
		}
	}
	return sh, nil
}

// validateShotField checks one shot.set field of sh, compacting settings.
// shot.set checks only the field it changes, so that a shot loaded from
// older data stays editable.
func validateShotField(sh *Shot, f ShotField, prefix string) error {
	switch f {
	case ShotTitle:
		if utf8.RuneCountInString(sh.Title) > shotline.MaxTitleLength {
			return shotline.Invalid(prefix+"title", fmt.Sprintf("must be at most %d characters", shotline.MaxTitleLength))
		}
	case ShotDuration:
		return shotline.ValidateDuration(prefix+"duration", sh.Duration)
	case ShotAspectRatio:
		return shotline.ValidateAspectRatio(sh.AspectRatio)
	case ShotStatus:
		switch sh.Status {
		case shotline.ShotDraft, shotline.ShotApproved, shotline.ShotChangesRequested:
		default:
			return shotline.Invalid(prefix+"status", "must be draft, approved or changes_requested")
		}
	case ShotProvider:
		return shotline.ValidateProviderName(prefix+"provider", sh.Provider)
	case ShotModel:
		if utf8.RuneCountInString(sh.Model) > MaxProviderLength {
			return shotline.Invalid(prefix+"model", fmt.Sprintf("must be at most %d characters", MaxProviderLength))
		}
	case ShotSettings:
		settings, err := compactObject(prefix+"settings", sh.Settings)
		if err != nil {
			return err
		}
		sh.Settings = settings
	}
	return nil
}

// compactObject returns raw compacted; it must be a JSON object of at most
// MaxSettingsBytes, nested at most MaxSettingsDepth levels (checked first,
// before anything parses it).
func compactObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	if err := shotline.ValidateJSONDepth(field, raw, MaxSettingsDepth); err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, shotline.Invalid(field, "must be a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, shotline.Invalid(field, "must be a JSON object")
	}
	if buf.Len() > MaxSettingsBytes {
		return nil, shotline.Invalid(field, fmt.Sprintf("must be at most %d bytes", MaxSettingsBytes))
	}
	return buf.Bytes(), nil
}

func validateBoardSettings(bs BoardSettings) error {
	for _, f := range []BoardField{BoardTitle, BoardDescription, BoardAspectRatio, BoardDefaultShotDuration, BoardDefaultProvider} {
		if err := validateBoardField(bs, f); err != nil {
			return err
		}
	}
	return nil
}

// validateBoardField checks one board.set field of bs.
func validateBoardField(bs BoardSettings, f BoardField) error {
	switch f {
	case BoardTitle:
		// Titles are stored as sent, and the REST API trims them, so the
		// protocol asks clients to send them trimmed.
		if t := strings.TrimSpace(bs.Title); t == "" || t != bs.Title {
			return shotline.Invalid("title", "must not be empty or start or end with spaces")
		}
		if utf8.RuneCountInString(bs.Title) > shotline.MaxTitleLength {
			return shotline.Invalid("title", fmt.Sprintf("must be at most %d characters", shotline.MaxTitleLength))
		}
	case BoardDescription:
		if utf8.RuneCountInString(bs.Description) > shotline.MaxDescriptionLength {
			return shotline.Invalid("description", fmt.Sprintf("must be at most %d characters", shotline.MaxDescriptionLength))
		}
	case BoardAspectRatio:
		return shotline.ValidateAspectRatio(bs.AspectRatio)
	case BoardDefaultShotDuration:
		return shotline.ValidateDuration("defaultShotDuration", bs.DefaultShotDuration)
	case BoardDefaultProvider:
		return shotline.ValidateProviderName("defaultProvider", bs.DefaultProvider)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func decodeString(field string, raw json.RawMessage) (string, error) {
	var v string
	if isNull(raw) || json.Unmarshal(raw, &v) != nil {
		return "", shotline.Invalid(field, "must be a string")
	}
	return v, nil
}

func decodeNumber(field string, raw json.RawMessage) (float64, error) {
	var v float64
	if isNull(raw) || json.Unmarshal(raw, &v) != nil {
		return 0, shotline.Invalid(field, "must be a number")
	}
	return v, nil
}

func shotsEqual(a, b Shot) bool {
	return a.ID == b.ID && a.Position == b.Position && a.Title == b.Title && a.Prompt == b.Prompt &&
		a.Notes == b.Notes && a.Duration == b.Duration && a.AspectRatio == b.AspectRatio &&
		a.Status == b.Status && a.Provider == b.Provider && a.Model == b.Model &&
		bytes.Equal(a.Settings, b.Settings)
}

// ValidateImported checks an imported board as its ops would be checked,
// compacting shots' settings.
func ValidateImported(snap *BoardSnapshot) error {
	if err := validateBoardSettings(snap.BoardSettings); err != nil {
		return err
	}
	if len(snap.Shots) > MaxShots || len(snap.Comments) > MaxComments {
		return shotline.Invalid("board", fmt.Sprintf("holds more than %d shots or %d comments", MaxShots, MaxComments))
	}
	shots := map[string]bool{}
	for i, sh := range snap.Shots {
		v, err := validateShot(sh, "shot.")
		if err != nil {
			return err
		}
		if sh.Review.Status != "" && !slices.Contains(ReviewStatuses, sh.Review.Status) {
			return shotline.Invalid("shot.review", "must be none, approved or changes_requested")
		}
		snap.Shots[i], shots[sh.ID] = v, true
	}
	for _, c := range snap.Comments {
		if err := validID("comment.id", c.ID); err != nil {
			return err
		}
		if err := validCommentBody(c.Body); err != nil {
			return err
		}
		if !shots[c.ShotID] {
			return shotline.Invalid("comment.shotId", "must be a shot of the board")
		}
		if tr := c.TimeRange; tr != nil && !(tr.Start >= 0 && tr.Start <= tr.End && tr.End <= shotline.MaxShotDuration) {
			return shotline.Invalid("comment.timeRange", fmt.Sprintf("must satisfy 0 <= start <= end <= %d", shotline.MaxShotDuration))
		}
	}
	return nil
}
