package realtime

import "encoding/json"

// TypeAssets says a board's reference files changed (one was attached to
// a shot or detached): clients read the board's assets again.
const TypeAssets MessageType = "assets"

// AssetsMessage is sent to everyone on a board when its assets change.
// Clients that do not know the type ignore it (docs/protocol.md).
type AssetsMessage struct{}

// MessageType implements Message.
func (AssetsMessage) MessageType() MessageType { return TypeAssets }
func (AssetsMessage) serverMessage()           {}

// BroadcastAssets tells everyone on the board, on this instance and the
// others, that its assets changed. It never blocks.
func (h *Hub) BroadcastAssets(boardID string) {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r != nil {
		r.sendAssetsChanged()
	}
	if h.broker == nil {
		return
	}
	data, err := json.Marshal(remoteMessage{From: h.instance, Assets: true})
	if err == nil {
		err = h.broker.Publish(boardSubject(boardID), data)
	}
	if err != nil {
		h.log.Warn("publish assets to other instances", "board_id", boardID, "err", err)
	}
}

// sendAssetsChanged sends an AssetsMessage to the room's members.
func (r *Room) sendAssetsChanged() {
	data, err := EncodeMessage(AssetsMessage{})
	if err != nil {
		r.hub.log.Error("encode assets message", "err", err)
		return
	}
	r.sendToMembers(data)
}
