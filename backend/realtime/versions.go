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
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r != nil {
		r.sendVersionsChanged()
	}
	if h.broker == nil {
		return
	}
	data, err := json.Marshal(remoteMessage{From: h.instance, Versions: true})
	if err == nil {
		err = h.broker.Publish(boardSubject(boardID), data)
	}
	if err != nil {
		h.log.Warn("publish versions to other instances", "board_id", boardID, "err", err)
	}
}

// sendVersionsChanged sends a VersionsMessage to the room's members.
func (r *Room) sendVersionsChanged() {
	data, err := EncodeMessage(VersionsMessage{})
	if err != nil {
		r.hub.log.Error("encode versions message", "err", err)
		return
	}
	r.sendToMembers(data)
}
