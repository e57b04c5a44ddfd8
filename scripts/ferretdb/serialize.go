package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// serializer relays MongoDB wire-protocol clients to FerretDB, letting one
// write at a time through. Reads (find, getMore, count, …) go through at
// once, alongside each other and the write: SQLite (in WAL mode) gives each
// statement a consistent view, and FerretDB writes every document in one
// statement, so a read never sees half a write. Writes wait only for
// writes, and no read waits for a write.
//
// FerretDB 1.24 runs an update, findAndModify or delete as a query followed
// by separate writes, with no transaction around them. Two clients updating
// one document at once therefore lose updates: concurrent $inc, a
// compare-and-set filter ({_id, version}) and a findOneAndUpdate claim are
// all not atomic (measured: 20 clients doing 10 $inc each ended at 34, not
// 200; 50 queued jobs were claimed 164 times). MongoDB makes every
// single-document write atomic, and Shotline relies on that. Serializing the
// requests restores it; FerretDB is for development and tests, where the
// lost throughput does not matter.
type serializer struct {
	upstream func() (net.Conn, error)
	log      *slog.Logger
	// ids indexes _id of every collection a request may create; nil
	// leaves the tables as FerretDB makes them.
	ids *idIndexer

	mu sync.Mutex // held while one write is in FerretDB
	// unique, if set, answers finds by a unique index's fields through
	// that index (see uniqueFinder).
	unique *uniqueFinder
	// stats, if set, adds up how long each kind of write held mu.
	stats *writeStats

	connsMu sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
	wg      sync.WaitGroup
}

// Wire protocol constants (MongoDB's OP_MSG specification).
const (
	opMsg          = 2013
	headerLen      = 16
	maxMessageLen  = 48_000_000 + headerLen
	checksumFlag   = 1 << 0
	moreToComeFlag = 1 << 1
	exhaustFlag    = 1 << 16
)

// serve accepts clients on ln until ctx is done, then closes every client
// connection and waits for their relays to end.
func (s *serializer) serve(ctx context.Context, ln net.Listener) {
	s.conns = map[net.Conn]struct{}{}
	stop := context.AfterFunc(ctx, func() {
		_ = ln.Close()
		s.connsMu.Lock()
		s.closing = true
		for c := range s.conns {
			_ = c.Close()
		}
		s.connsMu.Unlock()
	})
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("accept", "err", err)
			}
			break
		}
		s.connsMu.Lock()
		if s.closing {
			s.connsMu.Unlock()
			_ = c.Close()
			break
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.connsMu.Unlock()
		go func() {
			defer s.wg.Done()
			if err := s.relay(c); err != nil && ctx.Err() == nil {
				s.log.Warn("client connection ended", "client", c.RemoteAddr().String(), "err", err)
			}
			s.connsMu.Lock()
			delete(s.conns, c)
			s.connsMu.Unlock()
			_ = c.Close()
		}()
	}
	s.wg.Wait()
}

// relay forwards client's requests to its own FerretDB connection, one
// request and its reply at a time across all clients.
func (s *serializer) relay(client net.Conn) error {
	up, err := s.upstream()
	if err != nil {
		return fmt.Errorf("connect to FerretDB: %w", err)
	}
	defer up.Close()
	cr, ur := bufio.NewReader(client), bufio.NewReader(up)
	for {
		req, err := readMessage(cr)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if s.unique != nil {
			req = s.unique.rewrite(context.Background(), req)
		}
		wantReply := true
		if opcode(req) == opMsg && len(req) >= headerLen+4 {
			flags := binary.LittleEndian.Uint32(req[headerLen:])
			// An exhaust cursor would stream replies while holding the lock;
			// without the flag the client asks for each batch. (Flags under
			// a checksum cannot be changed; the Go driver sends none.)
			if flags&checksumFlag == 0 && flags&exhaustFlag != 0 {
				binary.LittleEndian.PutUint32(req[headerLen:], flags&^exhaustFlag)
			}
			wantReply = flags&moreToComeFlag == 0
		}
		replies, err := s.roundTrip(up, ur, req, wantReply)
		if err != nil {
			return err
		}
		for _, r := range replies {
			if _, err := client.Write(r); err != nil {
				return err
			}
		}
	}
}

// roundTrip sends req to FerretDB and reads its replies, holding the lock
// unless req is a read. Replies are written to the client after the lock
// is released, so a slow client never holds up the others.
func (s *serializer) roundTrip(up net.Conn, ur *bufio.Reader, req []byte, wantReply bool) ([][]byte, error) {
	if c, ok := commandOf(req); !ok || !c.isRead() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stats != nil {
			defer s.stats.add(c, time.Now())
		}
	}
	if _, err := up.Write(req); err != nil {
		return nil, fmt.Errorf("write to FerretDB: %w", err)
	}
	var replies [][]byte
	for wantReply {
		r, err := readMessage(ur)
		if err != nil {
			return nil, fmt.Errorf("read from FerretDB: %w", err)
		}
		replies = append(replies, r)
		if opcode(r) != opMsg || len(r) < headerLen+4 || binary.LittleEndian.Uint32(r[headerLen:])&moreToComeFlag == 0 {
			break
		}
	}
	s.afterCommand(req)
	return replies, nil
}

// afterCommand keeps the _id indexes in step with the collections, while
// the lock keeps every other request out of FerretDB.
func (s *serializer) afterCommand(req []byte) {
	c, ok := commandOf(req)
	if s.unique != nil && ok && c.database != "" {
		switch c.name {
		case "drop", "createIndexes", "dropIndexes":
			s.unique.forget(c.database, c.collection)
		case "dropDatabase":
			s.unique.forget(c.database, "")
		case "renameCollection": // (its $db is admin)
			s.unique.forget("", "")
		}
	}
	if s.ids == nil {
		return
	}
	switch {
	case !ok || c.database == "":
	case c.name == "drop":
		s.ids.forget(c.database, c.collection)
	case c.name == "dropDatabase":
		s.ids.forget(c.database, "")
	case c.createsCollection():
		if err := s.ids.ensure(context.Background(), c.database, c.collection); err != nil {
			s.log.Warn("index _id", "database", c.database, "collection", c.collection, "err", err)
		}
	}
}

// readMessage reads one whole wire-protocol message.
func readMessage(r *bufio.Reader) ([]byte, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(lenBuf[:])))
	if n < headerLen || n > maxMessageLen {
		return nil, fmt.Errorf("bad message length %d", n)
	}
	msg := make([]byte, n)
	copy(msg, lenBuf[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func opcode(msg []byte) int32 { return int32(binary.LittleEndian.Uint32(msg[12:16])) }
