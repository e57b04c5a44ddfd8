// Package realtime is the pure core of Shotline's realtime board editing: the
// protocol's message and op types, the board state that ops are applied to,
// character-wise operational transformation for text fields, and fractional
// order keys for shots. It does no I/O and starts no goroutines; the room, hub
// and WebSocket adapter are built on top of it. Everything here is
// deterministic: the same state and the same op give the same result on
// every server and, through the TypeScript mirror in frontend/src/sync, on
// every client. docs/protocol.md is the contract.
package realtime
