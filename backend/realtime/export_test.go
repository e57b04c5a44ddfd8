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

// Queued reports how many events wait in the board's room's inbox.
func (h *Hub) Queued(boardID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[boardID]; r != nil {
		return len(r.inbox)
	}
	return 0
}

// Attach gives the client its connection, as Serve does.
func (c *Client) Attach(t Transport) { c.attach(t) }
