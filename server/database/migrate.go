package database

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MigrationSet is one component's versioned schema.
type MigrationSet struct {
	// Name names the set in errors: "runs", "schedules", "auth".
	Name string
	// Table records the set's applied versions (version, name, applied_at); it is
	// created when missing. Lower-case letters and underscores only.
	Table string
	// Files holds one folder per dialect ("sqlite", "postgres") of NNNN_name.sql
	// files, NNNN a positive version; each file may hold several statements.
	Files fs.FS
}

// Migration is one versioned step of a set.
type Migration struct {
	Version int    // from the file name's NNNN
	Name    string // the file name between "NNNN_" and ".sql"
	SQL     string
}

var tableName = regexp.MustCompile(`^[a-z_]+$`)

// List returns the set's migrations for dialect in version order. An unknown
// dialect, a misnamed file or a version used twice is an error.
func (s MigrationSet) List(dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(s.Files, dialect)
	if err != nil {
		return nil, fmt.Errorf("%s migrations for %q: %w", s.Name, dialect, err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("%s migration %s/%s: name must be NNNN_name.sql", s.Name, dialect, name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("%s migration %s/%s: version %d already used by %s", s.Name, dialect, name, v, prev)
		}
		seen[v] = name
		body, err := fs.ReadFile(s.Files, path.Join(dialect, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// migrateLock is the PostgreSQL advisory lock key held while migrating. It is the
// key the runs store's own runner used, so an older instance starting beside a
// newer one still takes turns with it.
const migrateLock = 0x72656c61746f // "relato"

// Apply brings w, a database of dialect, up to the newest version of each set, in
// the order given. Each step runs in its own transaction with its record row. On
// PostgreSQL a session advisory lock is held for the whole call, so concurrent
// instances migrate once; on SQLite pass the IMMEDIATE writer (DB.Writer), whose
// transactions exclude each other across processes. A set whose table records a
// version newer than its newest file is refused ("newer than this binary").
func Apply(ctx context.Context, w *sql.DB, dialect string, sets ...MigrationSet) error {
	if dialect != SQLite && dialect != Postgres {
		return fmt.Errorf("migrate: unknown dialect %q", dialect)
	}
	plans := make([][]Migration, len(sets))
	for i, set := range sets {
		if !tableName.MatchString(set.Table) {
			return fmt.Errorf("migrate %s: table %q: want lower-case letters and underscores", set.Name, set.Table)
		}
		steps, err := set.List(dialect)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		plans[i] = steps
	}
	conn, err := w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLock)
	}
	for i, set := range sets {
		if err := applySet(ctx, conn, dialect, set, plans[i]); err != nil {
			return err
		}
	}
	return nil
}

func applySet(ctx context.Context, conn *sql.Conn, dialect string, set MigrationSet, steps []Migration) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+set.Table+` (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: create %s: %w", set.Name, set.Table, err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+set.Table).Scan(&current); err != nil {
		return fmt.Errorf("migrate %s: read version: %w", set.Name, err)
	}
	if n := len(steps); n > 0 && current > steps[n-1].Version {
		return fmt.Errorf("migrate %s: database schema is at version %d, newer than this binary's %d", set.Name, current, steps[n-1].Version)
	}
	for _, m := range steps {
		if m.Version <= current {
			continue
		}
		if err := applyOne(ctx, conn, set.Table, m); err != nil {
			return fmt.Errorf("migrate %s %s %04d_%s: %w", set.Name, dialect, m.Version, m.Name, err)
		}
	}
	return nil
}

func applyOne(ctx context.Context, conn *sql.Conn, table string, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Re-check inside the transaction: another SQLite process may have won the race.
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE version = $1`, m.Version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}
