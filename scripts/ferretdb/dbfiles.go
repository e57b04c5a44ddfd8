package main

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // FerretDB's own SQLite driver, registered as "sqlite"
)

// databaseFiles keeps a connection pool to each database file in FerretDB's
// directory that is asked for, opened on first use, in one mode (ro or rw)
// and of at most conns connections. It never creates a file (FerretDB
// treats every .sqlite file in its directory as a database). Its busy
// timeout is the one FerretDB uses, so that neither side fails at once
// while the other holds SQLite's write lock.
type databaseFiles struct {
	dir   string // FerretDB's SQLite directory: one <database>.sqlite per database
	mode  string
	conns int

	mu  sync.Mutex
	dbs map[string]*sql.DB // by database name
}

func newDatabaseFiles(dir, mode string, conns int) *databaseFiles {
	return &databaseFiles{dir: dir, mode: mode, conns: conns, dbs: map[string]*sql.DB{}}
}

// open returns the pool of an existing database file.
func (f *databaseFiles) open(database string) (*sql.DB, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if db, ok := f.dbs[database]; ok {
		return db, nil
	}
	path := filepath.Join(f.dir, database+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	q := url.Values{"mode": {f.mode}, "_pragma": {"busy_timeout(10000)"}}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(f.conns)
	f.dbs[database] = db
	return db, nil
}

// drop closes the pool of database, if one is open (the database was
// dropped).
func (f *databaseFiles) drop(database string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if db, ok := f.dbs[database]; ok {
		_ = db.Close()
		delete(f.dbs, database)
	}
}

// close closes every pool.
func (f *databaseFiles) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, db := range f.dbs {
		_ = db.Close()
		delete(f.dbs, name)
	}
}
