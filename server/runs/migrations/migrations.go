// Package migrations holds the versioned schema of the runs store for SQLite and
// PostgreSQL, embedded in the binary, as a database.MigrationSet recorded in
// schema_migrations. The runner itself is server/database's, shared with the
// schedules and auth stores. It imports only server/database and the standard
// library.
package migrations

import (
	"context"
	"database/sql"
	"embed"

	"github.com/relato/relato/server/database"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialects this package has migrations for.
const (
	SQLite   = database.SQLite
	Postgres = database.Postgres
)

// Set is the runs store's schema: NNNN_name.sql per dialect, applied versions
// recorded in schema_migrations (the table earlier releases wrote).
var Set = database.MigrationSet{Name: "runs", Table: "schema_migrations", Files: files}

// Migration is one versioned step.
type Migration = database.Migration

// List returns the dialect's migrations in version order.
func List(dialect string) ([]Migration, error) { return Set.List(dialect) }

// Apply brings db up to the newest version of dialect; see database.Apply.
func Apply(ctx context.Context, db *sql.DB, dialect string) error {
	return database.Apply(ctx, db, dialect, Set)
}
