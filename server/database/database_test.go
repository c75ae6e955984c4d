package database_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relato/relato/server/database"
	"github.com/relato/relato/server/runs/runstest"
)

func open(t *testing.T, dsn string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen_SQLiteCreatesTheFolderAndKeepsTheStoresSettings(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "var", "lib", "relato", "relato.db")
	db := open(t, "sqlite:"+file)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if db.Dialect() != database.SQLite {
		t.Errorf("dialect %q", db.Dialect())
	}
	if n := db.Writer().Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer allows %d connections, want 1", n)
	}
	if n := db.Reader().Stats().MaxOpenConnections; n != 4 {
		t.Errorf("reader allows %d connections, want 4", n)
	}
	for _, c := range []struct {
		pragma string
		want   string
	}{{"journal_mode", "wal"}, {"busy_timeout", "10000"}, {"synchronous", "1"}, {"query_only", "1"}} {
		var got string
		if err := db.Reader().QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("reader PRAGMA %s = %q (%v), want %q", c.pragma, got, err, c.want)
		}
	}
	var qo string
	db.Writer().QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo)
	if qo != "0" {
		t.Errorf("writer query_only = %q, want 0", qo)
	}
	if _, err := db.Writer().ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reader().ExecContext(ctx, "INSERT INTO t VALUES (1)"); err == nil {
		t.Error("the reader pool wrote")
	}
	// BEGIN IMMEDIATE: a transaction holds the write lock from its start, before
	// it writes anything, so another connection cannot begin writing meanwhile.
	tx, err := db.Writer().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	raw, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.BeginTx(ctx, nil); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("a second writer began while the first held its transaction: %v", err)
	}
}

func TestOpen_SQLiteForms(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{"sqlite:" + filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db")} {
		db := open(t, dsn)
		if db.String() != dsn {
			t.Errorf("String() = %q, want %q", db.String(), dsn)
		}
	}
	for _, name := range []string{"a.db", "b.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

func TestOpen_RefusesBadDSNsWithoutEchoingThePassword(t *testing.T) {
	for _, c := range []struct {
		dsn  string
		want string // in the error
	}{
		{"mysql://root:hunter2@db/relato", "want sqlite:<path> or postgres://"},
		{"relato.db", "want sqlite:<path> or postgres://"},
		{"sqlite:", "want sqlite:<file path>"},
		{"sqlite::memory:", "no in-memory databases"},
		{"sqlite:/tmp/x.db?mode=ro", "no options"},
		{"postgres://relato:hunter2@127.0.0.1:1/relato?sslmode=disable&connect_timeout=2", "127.0.0.1"},
		{"postgres://relato@127.0.0.1:1/relato?sslmode=disable&password=hunter2&connect_timeout=2", "127.0.0.1"},
		{"postgres://relato:hunter2@127.0.0.1:notaport/relato", "open database postgres://"},
		{"postgresql://relato:hunter2@[::1/relato", "open database postgresql://"},
	} {
		_, err := database.Open(context.Background(), c.dsn)
		if err == nil {
			t.Errorf("Open(%q) succeeded", c.dsn)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q): %v; want it to say %q", c.dsn, err, c.want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) echoed the password: %v", c.dsn, err)
		}
	}
}

func TestRedact_HidesPasswordsOnly(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://relato:hunter2@db:5432/relato?sslmode=disable", "postgres://relato:xxxxx@db:5432/relato?sslmode=disable"},
		{"postgres://relato@db/relato?password=hunter2", "postgres://relato@db/relato?password=xxxxx"},
		{"postgres://relato@db/relato", "postgres://relato@db/relato"},
		{"postgresql://a:b%40c@db/x", "postgresql://a:xxxxx@db/x"},
		{"postgres://a:hunter2@[::1/x", "postgres://(unparsable DSN)"},
		{"sqlite:/var/lib/relato/relato.db", "sqlite:/var/lib/relato/relato.db"},
	} {
		if got := database.Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOpen_Postgres(t *testing.T) {
	pg := runstest.StartPostgres(t)
	db := open(t, pg.NewDatabase(t))
	if db.Dialect() != database.Postgres {
		t.Errorf("dialect %q", db.Dialect())
	}
	if db.Writer() != db.Reader() {
		t.Error("on PostgreSQL reader and writer should be one pool")
	}
	var one int
	if err := db.Reader().QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}
