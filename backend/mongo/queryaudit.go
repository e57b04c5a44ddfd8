package mongo

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// QueryAudit watches the commands a DB sends and keeps those whose cost
// on the local store grows with the whole collection: every filter other
// than exactly {_id: <string or ObjectID>} (docs/storage.md). Tests attach
// one to prove that what they exercise stays bounded. A query that reads a
// whole collection on purpose (a migration, a rare sweep) says so with a
// comment beginning "scan:" and is not kept. A find by the fields of a
// unique index says so with a comment beginning "unique:" (uniqueComment)
// and is kept unless its filter is only string equalities: MongoDB answers
// it from the index, and so does the local store's launcher.
type QueryAudit struct {
	mu        sync.Mutex
	unbounded []string
	commands  map[string]int // per command name and collection
	returned  int            // documents the store answered with
	// returnedBy splits returned by "name collection"; a getMore counts
	// for its find.
	returnedBy map[string]int
}

// NewQueryAudit returns an empty audit.
func NewQueryAudit() *QueryAudit {
	return &QueryAudit{commands: map[string]int{}, returnedBy: map[string]int{}}
}

// Unbounded lists the queries seen that would read a whole collection.
func (a *QueryAudit) Unbounded() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.unbounded...)
}

// Commands returns how many commands were sent, by "name collection".
func (a *QueryAudit) Commands() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.commands)
}

// Returned is how many documents the store's answers to finds, getMores
// and findAndModifys held.
func (a *QueryAudit) Returned() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.returned
}

// Reset forgets what was seen.
func (a *QueryAudit) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.unbounded, a.commands, a.returned, a.returnedBy = nil, map[string]int{}, 0, map[string]int{}
}

// ReturnedBy returns Returned split by "name collection".
func (a *QueryAudit) ReturnedBy() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.returnedBy)
}

func (a *QueryAudit) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started:   func(_ context.Context, e *event.CommandStartedEvent) { a.see(e.CommandName, e.Command) },
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { a.count(e.CommandName, e.Reply) },
	}
}

// count adds the documents of a reply to Returned.
func (a *QueryAudit) count(name string, reply bson.Raw) {
	var key string
	if ns, ok := reply.Lookup("cursor", "ns").StringValueOK(); ok {
		key = name + " " + ns[strings.IndexByte(ns, '.')+1:]
	} else {
		key = name
	}
	if name == "getMore" {
		key = "find" + strings.TrimPrefix(key, "getMore")
	}
	n := 0
	switch name {
	case "find", "getMore":
		for _, batch := range []string{"firstBatch", "nextBatch"} {
			if arr, ok := reply.Lookup("cursor", batch).ArrayOK(); ok {
				vals, _ := arr.Values()
				n += len(vals)
			}
		}
	case "findAndModify":
		if reply.Lookup("value").Type == bson.TypeEmbeddedDocument {
			n = 1
		}
	}
	a.mu.Lock()
	a.returned += n
	if n > 0 {
		a.returnedBy[key] += n
	}
	a.mu.Unlock()
}

// filtersOf returns the filters a command applies, by command.
func filtersOf(name string, cmd bson.Raw) (filters []bson.RawValue, ok bool) {
	field := map[string]string{"find": "filter", "findAndModify": "query", "count": "query", "distinct": "query"}[name]
	switch name {
	case "find", "findAndModify", "count", "distinct":
		v := cmd.Lookup(field)
		if v.Type == 0 { // no filter: everything
			v = bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: emptyDoc}
		}
		return []bson.RawValue{v}, true
	case "update", "delete":
		list, field := "updates", "q"
		if name == "delete" {
			list = "deletes"
		}
		arr, _ := cmd.Lookup(list).ArrayOK()
		vals, _ := arr.Values()
		for _, v := range vals {
			doc, _ := v.DocumentOK()
			filters = append(filters, doc.Lookup(field))
		}
		return filters, true
	case "aggregate":
		return []bson.RawValue{{}}, true // never bounded on the local store
	}
	return nil, false
}

var emptyDoc = func() []byte { b, _ := bson.Marshal(bson.D{}); return b }()

func (a *QueryAudit) see(name string, cmd bson.Raw) {
	coll, _ := cmd.Lookup(name).StringValueOK()
	a.mu.Lock()
	a.commands[name+" "+coll]++
	a.mu.Unlock()
	filters, ok := filtersOf(name, cmd)
	if !ok {
		return
	}
	c, _ := cmd.Lookup("comment").StringValueOK()
	if strings.HasPrefix(c, "scan:") {
		return
	}
	unique := name == "find" && strings.HasPrefix(c, uniqueComment)
	for _, f := range filters {
		if !byIDOnly(f) && !(unique && stringEqualities(f)) {
			a.mu.Lock()
			a.unbounded = append(a.unbounded, fmt.Sprintf("%s %s %v", name, coll, f))
			a.mu.Unlock()
		}
	}
}

// byIDOnly reports whether a filter is exactly {_id: <string or ObjectID>},
// the one filter FerretDB hands to SQLite.
func byIDOnly(f bson.RawValue) bool {
	doc, ok := f.DocumentOK()
	if !ok {
		return false
	}
	elems, err := doc.Elements()
	if err != nil || len(elems) != 1 || elems[0].Key() != "_id" {
		return false
	}
	t := elems[0].Value().Type
	return t == bson.TypeString || t == bson.TypeObjectID
}

// uniqueComment begins the comment of a find by the fields of a unique
// index; the index's name follows.
const uniqueComment = "unique: "

// stringEqualities reports whether a filter is only equalities of fields
// to strings, what the launcher answers through a unique index: fields and
// values written in the characters of ids (the launcher's plain, in
// scripts/ferretdb/unique.go; it hands anything else to FerretDB, which
// reads the whole collection), no _id, no dotted path.
func stringEqualities(f bson.RawValue) bool {
	doc, ok := f.DocumentOK()
	if !ok {
		return false
	}
	elems, err := doc.Elements()
	if err != nil || len(elems) == 0 {
		return false
	}
	for _, e := range elems {
		v, isString := e.Value().StringValueOK()
		if !isString || !idLike(e.Key()) || !idLike(v) || e.Key() == "_id" || strings.ContainsAny(e.Key(), ".$") {
			return false
		}
	}
	return true
}

// idLike reports whether s is 1–512 of the characters of ids: letters,
// digits and "-_:/.@+".
func idLike(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-_:/.@+", r):
		default:
			return false
		}
	}
	return true
}
