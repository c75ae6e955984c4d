package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Dialects of the control-plane database, as DB.Dialect reports them.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the control-plane database of one process: its dialect and the pools that
// write and read it. It is safe for concurrent use; share one among the stores.
type DB struct {
	dialect string
	dsn     string // redacted, for messages
	writer  *sql.DB
	reader  *sql.DB
}

// Open connects to dsn and checks that the database answers. It does not migrate:
// each store applies its MigrationSet (or call Migrate).
//
//	sqlite:/var/lib/relato/relato.db   (also sqlite:///abs/path, sqlite:relative.db)
//	postgres://user:pass@host:5432/db?sslmode=disable   (or postgresql://)
//
// For SQLite the file's parent directory is created (0750) when missing; in-memory
// databases and query options are refused, since the settings are fixed here.
// Errors say what is wrong with dsn and never contain its password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: Redact(dsn)}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = Postgres
		if db.writer, err = sql.Open("pgx", dsn); err != nil {
			// pgx redacts the password in its parse errors.
			return nil, fmt.Errorf("open database %s: %w", db.dsn, err)
		}
		db.reader = db.writer
	case strings.HasPrefix(dsn, "sqlite:"):
		db.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if path == "" || strings.Contains(path, ":memory:") || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("open database %q: want sqlite:<file path> (no in-memory databases, no options)", dsn)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("open database %s: %w", dsn, err)
		}
		// WAL lets readers run beside the one writer; busy_timeout makes other
		// processes sharing the file wait instead of failing; IMMEDIATE takes the
		// write lock at BEGIN, so a transaction never upgrades a read lock and
		// deadlocks against another writer.
		common := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
		if db.writer, err = sql.Open("sqlite", common+"&_txlock=immediate"); err != nil {
			return nil, fmt.Errorf("open database %s: %w", dsn, err)
		}
		db.writer.SetMaxOpenConns(1)
		if db.reader, err = sql.Open("sqlite", common+"&_pragma=query_only(1)"); err != nil {
			db.writer.Close()
			return nil, fmt.Errorf("open database %s: %w", dsn, err)
		}
		db.reader.SetMaxOpenConns(4)
	default:
		return nil, fmt.Errorf("open database %q: want sqlite:<path> or postgres://…", Redact(dsn))
	}
	if err := db.ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", db.dsn, err)
	}
	return db, nil
}

// ping opens the first connection. On SQLite, switching a new file to WAL takes
// an exclusive lock and SQLite answers SQLITE_BUSY without calling the busy
// handler when another process is doing the same, so a busy first connection is
// retried for up to 10 s (the busy_timeout of every other statement).
func (db *DB) ping(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := db.writer.PingContext(ctx)
		if err == nil || db.dialect != SQLite || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Dialect is SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// Writer is the pool for writes and for reads that must see them in the same
// transaction. On SQLite it is one connection with BEGIN IMMEDIATE transactions:
// never hold it while waiting on something else that writes.
func (db *DB) Writer() *sql.DB { return db.writer }

// Reader is the pool for plain reads. On SQLite its connections are query_only and
// see every committed write; on PostgreSQL it is the same pool as Writer.
func (db *DB) Reader() *sql.DB { return db.reader }

// String is the DSN with its password hidden, for logs and messages.
func (db *DB) String() string { return db.dsn }

// Close closes both pools. The stores built on db must not be used afterwards.
func (db *DB) Close() error {
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Migrate applies sets to db; see Apply.
func (db *DB) Migrate(ctx context.Context, sets ...MigrationSet) error {
	if err := Apply(ctx, db.writer, db.dialect, sets...); err != nil {
		return fmt.Errorf("database %s: %w", db.dsn, err)
	}
	return nil
}

// Redact returns dsn with the password of a URL-shaped DSN (scheme://…, in its
// user info or its password= parameter) replaced by xxxxx. Such a DSN that does
// not parse as a URL comes back as its scheme alone, since it cannot be redacted
// safely; anything else (sqlite:<path>) comes back unchanged.
func Redact(dsn string) string {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return scheme + "://(unparsable DSN)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
