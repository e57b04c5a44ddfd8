package realtime

// Joining reports how many joins are on their way to the board's room.
func (h *Hub) Joining(boardID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[boardID]; r != nil {
		return r.joining
	}
	return 0
}
