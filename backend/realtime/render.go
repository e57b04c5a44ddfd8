package realtime

import "github.com/shotline/shotline/backend/shotline"

// TypeRender is a render job's new state (queued, progress, finished),
// pushed to everyone on the job's board.
const TypeRender MessageType = "render"

// RenderMessage carries a render job's state. Clients that do not know the
// type ignore it (docs/protocol.md, "Render progress").
type RenderMessage struct {
	Job shotline.RenderJob `json:"job"`
}

// MessageType implements Message.
func (RenderMessage) MessageType() MessageType { return TypeRender }
func (RenderMessage) serverMessage()           {}

// BroadcastRender sends a render job's state to everyone on its board
// connected to this instance. It never blocks: each client's bounded queue
// takes it or the client is dropped as slow, as for any message.
func (h *Hub) BroadcastRender(j *shotline.RenderJob) {
	h.mu.Lock()
	r := h.rooms[j.BoardID]
	h.mu.Unlock()
	if r == nil {
		return
	}
	data, err := EncodeMessage(RenderMessage{Job: *j})
	if err != nil {
		h.log.Error("encode render message", "err", err)
		return
	}
	r.sendToMembers(data)
}

// OpenBoards returns the ids of the boards with a room on this instance.
func (h *Hub) OpenBoards() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.rooms))
	for id := range h.rooms {
		out = append(out, id)
	}
	return out
}
