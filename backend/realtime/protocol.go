package realtime

import (
	"encoding/json"
	"strconv"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

// ProtocolVersion is the version of the realtime protocol this package
// speaks. A client names it in its join message; a room closes the socket
// with CloseBadProtocolVersion if the versions differ.
const ProtocolVersion = 1

// MaxClientMessageBytes bounds one message from a client. It fits a text op
// that pastes a whole prompt of astral characters. DecodeClientMessage
// returns ETOOLARGE beyond it.
const MaxClientMessageBytes = 128 << 10

// MessageType names a kind of message; it is the "type" field on the wire.
type MessageType string

// Message types. "presence" is used in both directions with different
// shapes: PresenceMessage from a client, PeersMessage from the server.
const (
	TypeJoin     MessageType = "join"
	TypeOp       MessageType = "op"
	TypePresence MessageType = "presence"
	TypePing     MessageType = "ping"
	TypeSnapshot MessageType = "snapshot"
	TypeOps      MessageType = "ops"
	TypeAck      MessageType = "ack"
	TypeApplied  MessageType = "applied"
	TypeError    MessageType = "error"
	TypePong     MessageType = "pong"
)

// Message is any protocol message.
type Message interface {
	MessageType() MessageType
}

// ClientMessage is a message a client sends: JoinMessage, OpMessage,
// PresenceMessage or PingMessage.
type ClientMessage interface {
	Message
	clientMessage()
}

// ServerMessage is a message the server sends: SnapshotMessage, OpsMessage,
// AckMessage, AppliedMessage, PeersMessage, ErrorMessage or PongMessage.
type ServerMessage interface {
	Message
	serverMessage()
}

// JoinMessage is a client's first message on a socket. LastSeq is the last
// sequence number the client has applied; nil asks for a snapshot.
type JoinMessage struct {
	Protocol int    `json:"protocol"`
	BoardID  string `json:"boardId"`
	LastSeq  *int64 `json:"lastSeq,omitempty"`
}

// OpMessage carries one op from a client. OpID is a UUID the client makes
// (it matches the ack or error to the op, and lets the room drop a re-sent
// duplicate); BaseSeq is the last sequence number the client had applied
// when it made the op.
type OpMessage struct {
	OpID    string   `json:"opId"`
	BaseSeq int64    `json:"baseSeq"`
	Op      board.Op `json:"op"`
}

// PresenceMessage tells the room which shot the client has selected (nil:
// none).
type PresenceMessage struct {
	SelectedShotID *string `json:"selectedShotId"`
	// Caret is where the client is typing (nil: in no prompt or notes),
	// so the others can show it in the field.
	Caret *Caret `json:"caret,omitempty"`
}

// Caret is a text caret in a shot's prompt or notes: Offset characters
// (UTF-16 code units, as browsers count) from the start of the field.
type Caret struct {
	ShotID string          `json:"shotId"`
	Field  board.TextField `json:"field"`
	Offset int             `json:"offset"`
}

// PingMessage asks for a PongMessage (an application-level keepalive).
type PingMessage struct{}

// SnapshotMessage is the whole board as of Seq.
type SnapshotMessage struct {
	Board board.BoardSnapshot `json:"board"`
	Seq   int64               `json:"seq"`
}

// OpsMessage carries, in order, the ops a resuming client missed.
type OpsMessage struct {
	Ops []board.AppliedOp `json:"ops"`
}

// AckMessage tells a client that its op is durable and applied at Seq.
type AckMessage struct {
	OpID string `json:"opId"`
	Seq  int64  `json:"seq"`
}

// AppliedMessage broadcasts one applied op.
type AppliedMessage struct {
	board.AppliedOp
}

// PeersMessage lists who is on the board ("presence" on the wire).
type PeersMessage struct {
	Peers []Peer `json:"peers"`
}

// Peer is one person on the board.
type Peer struct {
	UserID         string  `json:"userId"`
	Name           string  `json:"name"`
	SelectedShotID *string `json:"selectedShotId"`
	Color          string  `json:"color"`
	// Caret is where they are typing, if they are.
	Caret *Caret `json:"caret,omitempty"`
}

// ErrorMessage reports a failed op (OpID set; the op changed nothing) or a
// problem with the connection. Code is one of the shotline error codes.
type ErrorMessage struct {
	OpID    string `json:"opId,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// PongMessage answers a PingMessage.
type PongMessage struct{}

func (JoinMessage) MessageType() MessageType     { return TypeJoin }
func (OpMessage) MessageType() MessageType       { return TypeOp }
func (PresenceMessage) MessageType() MessageType { return TypePresence }
func (PingMessage) MessageType() MessageType     { return TypePing }
func (SnapshotMessage) MessageType() MessageType { return TypeSnapshot }
func (OpsMessage) MessageType() MessageType      { return TypeOps }
func (AckMessage) MessageType() MessageType      { return TypeAck }
func (AppliedMessage) MessageType() MessageType  { return TypeApplied }
func (PeersMessage) MessageType() MessageType    { return TypePresence }
func (ErrorMessage) MessageType() MessageType    { return TypeError }
func (PongMessage) MessageType() MessageType     { return TypePong }

func (JoinMessage) clientMessage()     {}
func (OpMessage) clientMessage()       {}
func (PresenceMessage) clientMessage() {}
func (PingMessage) clientMessage()     {}

func (SnapshotMessage) serverMessage() {}
func (OpsMessage) serverMessage()      {}
func (AckMessage) serverMessage()      {}
func (AppliedMessage) serverMessage()  {}
func (PeersMessage) serverMessage()    {}
func (ErrorMessage) serverMessage()    {}
func (PongMessage) serverMessage()     {}

// opMessageWire is an OpMessage as it is on the wire, its op still raw.
type opMessageWire struct {
	OpID    string          `json:"opId"`
	BaseSeq int64           `json:"baseSeq"`
	Op      json.RawMessage `json:"op"`
}

func (w opMessageWire) message() (OpMessage, error) {
	op, err := board.RequiredOp(w.Op)
	if err != nil {
		return OpMessage{}, err
	}
	return OpMessage{OpID: w.OpID, BaseSeq: w.BaseSeq, Op: op}, nil
}

// UnmarshalJSON implements json.Unmarshaler (Op is an interface).
func (m *OpMessage) UnmarshalJSON(data []byte) error {
	var w opMessageWire
	if err := board.StrictUnmarshal(data, &w); err != nil {
		return err
	}
	op, err := w.message()
	if err != nil {
		return err
	}
	*m = op
	return nil
}

// EncodeMessage returns m as JSON with its "type" first.
func EncodeMessage(m Message) ([]byte, error) {
	// Lists are never null on the wire.
	switch v := m.(type) {
	case OpsMessage:
		if v.Ops == nil {
			v.Ops = []board.AppliedOp{}
		}
		m = v
	case PeersMessage:
		if v.Peers == nil {
			v.Peers = []Peer{}
		}
		m = v
	case SnapshotMessage:
		v.Board = v.Board.WithLists()
		m = v
	}
	return board.MarshalTagged("type", string(m.MessageType()), m)
}

func decodeMessage[T Message](body board.Tagged) (T, error) {
	var m T
	err := body.Decode(&m)
	return m, err
}

// decodeOpMessage decodes an op message from its Tagged body, without a
// second parse of the message (the hot path: every op a client sends).
func decodeOpMessage(body board.Tagged) (OpMessage, error) {
	var w opMessageWire
	if err := body.Decode(&w); err != nil {
		return OpMessage{}, err
	}
	return w.message()
}

// DecodeClientMessage decodes and checks the shape of a message from a
// client: known type, known fields, JSON types, a UUID op id, a
// non-negative baseSeq, no server-only fields. It does not check the join's
// protocol version (the room closes with CloseBadProtocolVersion) nor an op's
// values (BoardState.Apply does). Returns EINVALID (also for JSON nested
// more than shotline.MaxJSONDepth levels), or ETOOLARGE beyond
// MaxClientMessageBytes.
func DecodeClientMessage(data []byte) (ClientMessage, error) {
	if len(data) > MaxClientMessageBytes {
		return nil, shotline.Errorf(shotline.ETOOLARGE, "message is larger than %d bytes", MaxClientMessageBytes)
	}
	if err := shotline.ValidateJSONDepth("message", data, shotline.MaxJSONDepth); err != nil {
		return nil, err
	}
	typ, body, err := board.SplitTagged(data, "type")
	if err != nil {
		return nil, err
	}
	switch MessageType(typ) {
	case TypeJoin:
		m, err := decodeMessage[JoinMessage](body)
		if err != nil {
			return nil, err
		}
		if m.BoardID == "" {
			return nil, shotline.Invalid("boardId", "is required")
		}
		if m.LastSeq != nil && *m.LastSeq < 0 {
			return nil, shotline.Invalid("lastSeq", "must not be negative")
		}
		return m, nil
	case TypeOp:
		m, err := decodeOpMessage(body)
		if err != nil {
			return nil, err
		}
		if !ValidOpID(m.OpID) {
			return nil, shotline.Invalid("opId", "must be a UUID")
		}
		if m.BaseSeq < 0 {
			return nil, shotline.Invalid("baseSeq", "must not be negative")
		}
		if r, ok := m.Op.(board.VersionRestore); ok && r.Content != nil {
			return nil, shotline.Invalid("content", "is filled in by the server")
		}
		return m, nil
	case TypePresence:
		return decodeMessage[PresenceMessage](body)
	case TypePing:
		return decodeMessage[PingMessage](body)
	}
	return nil, shotline.Invalid("type", "unknown message type "+strconv.Quote(typ))
}

// DecodeServerMessage decodes a message from the server (for Go clients
// and tests). Returns EINVALID.
func DecodeServerMessage(data []byte) (ServerMessage, error) {
	typ, body, err := board.SplitTagged(data, "type")
	if err != nil {
		return nil, err
	}
	switch MessageType(typ) {
	case TypeSnapshot:
		return decodeMessage[SnapshotMessage](body)
	case TypeOps:
		return decodeMessage[OpsMessage](body)
	case TypeAck:
		return decodeMessage[AckMessage](body)
	case TypeApplied:
		return decodeMessage[AppliedMessage](body)
	case TypePresence:
		return decodeMessage[PeersMessage](body)
	case TypeError:
		return decodeMessage[ErrorMessage](body)
	case TypePong:
		return decodeMessage[PongMessage](body)
	case TypeRender:
		return decodeMessage[RenderMessage](body)
	case TypeVersions:
		return decodeMessage[VersionsMessage](body)
	case TypeAssets:
		return decodeMessage[AssetsMessage](body)
	}
	return nil, shotline.Invalid("type", "unknown message type "+strconv.Quote(typ))
}

// ErrorFor returns the error message to send for err, with the op id if the
// error is about an op. Internal errors get a generic message.
func ErrorFor(opID string, err error) ErrorMessage {
	return ErrorMessage{OpID: opID, Code: shotline.ErrorCode(err), Message: shotline.ErrorMessage(err)}
}

// ValidOpID reports whether s is a UUID in canonical lower-case form
// (8-4-4-4-12 hex digits), the form crypto.randomUUID() returns.
func ValidOpID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// CloseCode is a WebSocket close code the server uses (4000-4999, the range
// RFC 6455 leaves to applications).
type CloseCode int

// Close codes. Reconnect tells a client whether to reconnect (with backoff)
// or stop and show the reason.
const (
	CloseInternalError      CloseCode = 4000 // reconnect: the server hit a bug or lost a dependency
	CloseSlowConsumer       CloseCode = 4001 // reconnect: the client fell too far behind its send queue
	CloseProtocolError      CloseCode = 4002 // terminal: malformed message, or the first message was not a join
	CloseForbidden          CloseCode = 4003 // terminal: no access to the board, or the role or link was revoked
	CloseBoardNotFound      CloseCode = 4004 // terminal: the board does not exist or was deleted
	ClosePolicyViolation    CloseCode = 4008 // terminal: too many errors or rate-limit breaches
	CloseShuttingDown       CloseCode = 4009 // reconnect: the server is restarting; another will take over
	CloseAccessChanged      CloseCode = 4011 // reconnect: the share link's role changed; fetch it again, then reconnect
	CloseBadProtocolVersion CloseCode = 4400 // terminal: the join's protocol version is not ProtocolVersion
	CloseSessionEnded       CloseCode = 4401 // terminal: the session expired or was signed out; sign in again
	CloseLinkEnded          CloseCode = 4410 // terminal: the share link was revoked, expired, or its password changed
)

var closeCodes = map[CloseCode]struct {
	name      string
	reconnect bool
}{
	CloseInternalError:      {"internal error", true},
	CloseSlowConsumer:       {"slow consumer", true},
	CloseProtocolError:      {"protocol error", false},
	CloseForbidden:          {"forbidden", false},
	CloseBoardNotFound:      {"board not found", false},
	ClosePolicyViolation:    {"policy violation", false},
	CloseShuttingDown:       {"server shutting down", true},
	CloseAccessChanged:      {"access changed", true},
	CloseBadProtocolVersion: {"unsupported protocol version", false},
	CloseSessionEnded:       {"session ended", false},
	CloseLinkEnded:          {"link ended", false},
}

// CloseCodes lists every close code in ascending order.
func CloseCodes() []CloseCode {
	return []CloseCode{CloseInternalError, CloseSlowConsumer, CloseProtocolError, CloseForbidden,
		CloseBoardNotFound, ClosePolicyViolation, CloseShuttingDown, CloseAccessChanged, CloseBadProtocolVersion, CloseSessionEnded, CloseLinkEnded}
}

// Reconnect reports whether a client should reconnect after c. Unknown codes
// are terminal.
func (c CloseCode) Reconnect() bool { return closeCodes[c].reconnect }

// String returns c's short description, used as the close reason.
func (c CloseCode) String() string {
	if d, ok := closeCodes[c]; ok {
		return d.name
	}
	return "close " + strconv.Itoa(int(c))
}
