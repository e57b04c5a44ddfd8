package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// uniqueFinder answers a find by the fields of a unique index through that
// index.
//
// FerretDB 1.24 on SQLite creates a SQLite index for every index a client
// asks for, but only ever queries by _id: a find on {boardId, opId} reads
// the whole collection even where a unique index on (boardId, opId)
// exists. MongoDB answers the same find from the index. So the relay looks
// such a find up itself, in the index FerretDB made, and hands FerretDB
// the same find by the _id it found (or by an _id nothing has): what
// FerretDB then returns is the document, at the cost of two index
// searches, whatever the collection holds.
//
// Only finds whose filter is exactly string equalities on every field of
// one unique index, and nothing else, are rewritten; only string _ids are
// handed on (anything else goes to FerretDB as it came).
type uniqueFinder struct {
	files    *databaseFiles // read-only, four connections each
	answered atomic.Int64   // finds rewritten (for the tests)

	mu    sync.Mutex
	colls map[string]*uniqueIndexes // by database + "\x00" + collection
}

// uniqueIndexes is what the finder knows of one collection.
type uniqueIndexes struct {
	table   string
	indexes [][]string // each unique index's fields (not _id's)
}

// noDocument is the _id the finder hands FerretDB when the index holds no
// match: a string no client stores (it starts with a NUL).
const noDocument = "\x00shotline launcher: no document has these unique fields"

func newUniqueFinder(dir string) *uniqueFinder {
	return &uniqueFinder{files: newDatabaseFiles(dir, "ro", 4), colls: map[string]*uniqueIndexes{}}
}

func (u *uniqueFinder) close() {
	u.files.close()
	u.mu.Lock()
	clear(u.colls)
	u.mu.Unlock()
}

// forget drops what the finder knows of a collection (or of a whole
// database when collection is "", of everything when database is ""): its
// indexes changed, it was renamed or dropped.
func (u *uniqueFinder) forget(database, collection string) {
	u.mu.Lock()
	if database == "" {
		clear(u.colls)
	} else {
		forgetScope(u.colls, database, collection)
	}
	u.mu.Unlock()
	if database != "" && collection == "" {
		u.files.drop(database)
	}
}

// rewrite returns req with its filter replaced by {_id: …} when req is a
// find the finder can answer through a unique index, and req itself
// otherwise.
func (u *uniqueFinder) rewrite(ctx context.Context, req []byte) []byte {
	body, ok := findBody(req)
	if !ok {
		return req
	}
	coll, _ := body.Lookup("find").StringValueOK()
	database, _ := body.Lookup("$db").StringValueOK()
	filter, ok := body.Lookup("filter").DocumentOK()
	if coll == "" || database == "" || !ok {
		return req
	}
	fields, values, ok := stringEqualities(filter)
	if !ok {
		return req
	}
	id, found, err := u.lookUp(ctx, database, coll, fields, values)
	if err != nil {
		return req // FerretDB answers it the slow way, but right
	}
	if !found {
		id = noDocument
	}
	u.answered.Add(1)
	return withFilter(req, body, bsoncore.NewDocumentBuilder().AppendString("_id", id).Build())
}

// findBody returns the body of an OP_MSG request that is a find and has no
// other section (and no checksum, which a rewrite would break).
func findBody(msg []byte) (bsoncore.Document, bool) {
	if len(msg) < headerLen+5 || opcode(msg) != opMsg || binary.LittleEndian.Uint32(msg[headerLen:])&checksumFlag != 0 {
		return nil, false
	}
	rest := msg[headerLen+4:]
	if rest[0] != 0 {
		return nil, false
	}
	doc, after, ok := bsoncore.ReadDocument(rest[1:])
	if !ok || len(after) != 0 {
		return nil, false
	}
	first, err := doc.IndexErr(0)
	if err != nil || first.Key() != "find" {
		return nil, false
	}
	return doc, true
}

// stringEqualities returns the fields and values of a filter that is only
// equalities to plain strings (sorted by field), none on _id, none on a
// dotted path and none with a character JSON would escape.
func stringEqualities(filter bsoncore.Document) (fields, values []string, ok bool) {
	elems, err := filter.Elements()
	if err != nil || len(elems) == 0 {
		return nil, nil, false
	}
	for _, e := range elems {
		k := e.Key()
		v, isString := e.Value().StringValueOK()
		if !isString || !plain(k) || !plain(v) || k == "_id" || strings.ContainsAny(k, ".$") {
			return nil, nil, false
		}
		fields = append(fields, k)
	}
	slices.Sort(fields)
	if len(slices.Compact(slices.Clone(fields))) != len(fields) {
		return nil, nil, false
	}
	for _, f := range fields {
		v, _ := filter.Lookup(f).StringValueOK()
		values = append(values, v)
	}
	return fields, values, true
}

// plain reports whether s is written the same by every JSON encoder: the
// characters of ids (letters, digits, "-", "_", ":", "/", ".", "@", "+").
// The app's query audit (idLike in backend/mongo/queryaudit.go) holds a
// "unique:" find to the same rule.
func plain(s string) bool {
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

// lookUp finds the _id of the document of database.collection whose
// fields (sorted) hold values, through a unique index on exactly those
// fields; err is set when there is no such index or the lookup failed.
func (u *uniqueFinder) lookUp(ctx context.Context, database, collection string, fields, values []string) (id string, found bool, err error) {
	ix, err := u.indexesOf(ctx, database, collection)
	if err != nil {
		return "", false, err
	}
	if !slices.ContainsFunc(ix.indexes, func(f []string) bool { return slices.Equal(f, fields) }) {
		return "", false, errors.New("no unique index on these fields")
	}
	db, err := u.files.open(database)
	if err != nil {
		return "", false, err
	}
	q, args := lookUpStatement(ix.table, fields, values)
	var raw string
	err = db.QueryRowContext(ctx, q, args...).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	if err := json.Unmarshal([]byte(raw), &id); err != nil {
		return "", false, fmt.Errorf("the _id is not a string: %s", raw)
	}
	return id, true, nil
}

// lookUpStatement is the SQL that finds the _id of the row of table whose
// fields hold values. The expressions are spelled as FerretDB spelled them
// in CREATE INDEX (metadata.Registry.indexesCreate), so SQLite's planner
// uses the index; the values compare as the JSON text "->" yields.
func lookUpStatement(table string, fields, values []string) (string, []any) {
	where := make([]string, len(fields))
	args := make([]any, len(fields))
	for i, f := range fields {
		where[i] = fmt.Sprintf(`_ferretdb_sjson->%q = ?`, f)
		args[i] = `"` + values[i] + `"`
	}
	return fmt.Sprintf(`SELECT %s FROM %q WHERE %s LIMIT 1`, idIndexSQL, table, strings.Join(where, " AND ")), args
}

// queryPlanOf returns SQLite's plan for the statement q, its steps joined
// by "; ".
func queryPlanOf(ctx context.Context, db *sql.DB, q string, args ...any) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; "), rows.Err()
}

// indexesOf reads (once, until forget) a collection's table and unique
// indexes from FerretDB's metadata.
func (u *uniqueFinder) indexesOf(ctx context.Context, database, collection string) (*uniqueIndexes, error) {
	key := database + "\x00" + collection
	u.mu.Lock()
	ix := u.colls[key]
	u.mu.Unlock()
	if ix != nil {
		return ix, nil
	}
	db, err := u.files.open(database)
	if err != nil {
		return nil, err
	}
	var table, settings string
	err = db.QueryRowContext(ctx, `SELECT table_name, settings FROM "_ferretdb_collections" WHERE name = ?`, collection).Scan(&table, &settings)
	if err != nil {
		return nil, err
	}
	var s struct {
		Indexes []struct {
			Key []struct {
				Field string `json:"field"`
			} `json:"key"`
			Unique bool `json:"unique"`
		} `json:"indexes"`
	}
	if err := json.Unmarshal([]byte(settings), &s); err != nil {
		return nil, fmt.Errorf("settings of %s.%s: %w", database, collection, err)
	}
	ix = &uniqueIndexes{table: table}
	for _, i := range s.Indexes {
		if !i.Unique {
			continue
		}
		var fields []string
		for _, k := range i.Key {
			fields = append(fields, k.Field)
		}
		slices.Sort(fields)
		ix.indexes = append(ix.indexes, fields)
	}
	u.mu.Lock()
	u.colls[key] = ix
	u.mu.Unlock()
	return ix, nil
}

// withFilter returns the OP_MSG req with body's filter replaced.
func withFilter(req []byte, body bsoncore.Document, filter bsoncore.Document) []byte {
	elems, _ := body.Elements()
	idx, b := bsoncore.AppendDocumentStart(nil)
	for _, e := range elems {
		if e.Key() == "filter" {
			b = bsoncore.AppendDocumentElement(b, "filter", filter)
			continue
		}
		b = append(b, e...)
	}
	b, _ = bsoncore.AppendDocumentEnd(b, idx)
	out := make([]byte, 0, headerLen+5+len(b))
	out = append(out, req[:headerLen+4]...) // header and flags
	out = append(out, 0)                    // the body section
	out = append(out, b...)
	binary.LittleEndian.PutUint32(out, uint32(len(out)))
	return out
}
