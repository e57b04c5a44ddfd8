package realtime

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
	h.broadcastNews(boardID, AssetsMessage{}, remoteMessage{From: h.instance, Assets: true})
}
