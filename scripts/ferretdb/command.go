package main

import (
	"encoding/binary"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// command is what the relay needs to know of a request: the command's
// name, the collection it names (if any) and its database.
type command struct {
	name, collection, database string
}

// commandOf reads the command of an OP_MSG request (its body section); ok
// is false for anything else.
func commandOf(msg []byte) (c command, ok bool) {
	if len(msg) < headerLen+5 || opcode(msg) != opMsg {
		return c, false
	}
	rest := msg[headerLen+4:]
	if binary.LittleEndian.Uint32(msg[headerLen:])&checksumFlag != 0 {
		if len(rest) < 4 {
			return c, false
		}
		rest = rest[:len(rest)-4]
	}
	for len(rest) > 0 {
		kind := rest[0]
		rest = rest[1:]
		switch kind {
		case 0: // the body: one document
			doc, _, ok := bsoncore.ReadDocument(rest)
			if !ok {
				return c, false
			}
			first, err := doc.IndexErr(0)
			if err != nil {
				return c, false
			}
			c.name = first.Key()
			c.collection, _ = first.Value().StringValueOK()
			c.database, _ = doc.Lookup("$db").StringValueOK()
			return c, true
		case 1: // a document sequence: int32 size (itself included), then data
			if len(rest) < 4 {
				return c, false
			}
			n := int(binary.LittleEndian.Uint32(rest))
			if n < 4 || n > len(rest) {
				return c, false
			}
			rest = rest[n:]
		default:
			return c, false
		}
	}
	return c, false
}

// createsCollections reports whether a command may create the collection
// it names.
func (c command) createsCollection() bool {
	switch c.name {
	case "insert", "update", "findAndModify", "create", "createIndexes":
		return c.collection != ""
	}
	return false
}

// isRead reports whether a command only reads. Anything not known to be a
// read counts as a write, and waits for the writes before it.
func (c command) isRead() bool {
	switch c.name {
	case "find", "getMore", "count", "distinct", "killCursors", "listCollections", "listIndexes",
		"listDatabases", "hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo",
		"dbStats", "collStats", "endSessions", "getParameter", "connectionStatus", "whatsmyuri",
		"getLog", "hostInfo", "serverStatus", "getCmdLineOpts":
		return true
	}
	return false
}
