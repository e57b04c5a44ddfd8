package realtime

import "encoding/json"

// TypeVersions says a board's named versions changed (one was saved, or a
// restore saved the board first): clients read the list again.
const TypeVersions MessageType = "versions"

// VersionsMessage is sent to everyone on a board when its versions change.
// Clients that do not know the type ignore it (docs/protocol.md).
type VersionsMessage struct{}

// MessageType implements Message.
func (VersionsMessage) MessageType() MessageType { return TypeVersions }
func (VersionsMessage) serverMessage()           {}

// BroadcastVersions tells everyone on the board, on this instance and the
// others, that its named versions changed. It never blocks.
func (h *Hub) BroadcastVersions(boardID string) {
	h.broadcastNews(boardID, VersionsMessage{}, remoteMessage{From: h.instance, Versions: true})
}

// broadcastNews sends m, a message that says something beside the board
// changed (its versions, its assets), to everyone on the board: this
// instance's room, and the other instances' through remote, which their
// rooms turn into m again (onRemote). It never blocks.
func (h *Hub) broadcastNews(boardID string, m Message, remote remoteMessage) {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r != nil {
		r.sendNews(m)
	}
	if h.broker == nil {
		return
	}
	data, err := json.Marshal(remote)
	if err == nil {
		err = h.broker.Publish(boardSubject(boardID), data)
	}
	if err != nil {
		h.log.Warn("publish to other instances", "board_id", boardID, "message", m.MessageType(), "err", err)
	}
}

// sendNews sends m to the room's members.
func (r *Room) sendNews(m Message) {
	data, err := EncodeMessage(m)
	if err != nil {
		r.hub.log.Error("encode message", "type", m.MessageType(), "err", err)
		return
	}
	r.sendToMembers(data)
}
