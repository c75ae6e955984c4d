// Package database opens relato's control-plane database — the one SQLite file or
// PostgreSQL database that holds runs, schedules, users, tokens and the audit trail —
// once per process, and migrates it with one runner.
//
// Open(ctx, dsn) returns a *DB with the dialect and two *sql.DB: Writer and Reader.
// On SQLite (modernc.org/sqlite, pure Go) the writer is a single connection whose
// transactions begin IMMEDIATE, so every write of every store in the process takes
// one turn at the file's one write lock instead of racing for it; the reader is a
// small pool of query_only connections that WAL lets run beside the writer;
// busy_timeout makes other processes sharing the file wait instead of failing. On
// PostgreSQL (pgx through database/sql) both are the same pool. The stores (runs,
// schedules, auth) take the *DB; whoever opened it closes it.
//
// # Migrations
//
// Each component keeps its schema as embedded NNNN_name.sql files, one folder per
// dialect, and hands them over as a MigrationSet with the table that records its
// applied versions (runs: schema_migrations, schedules: schedules_migrations, auth:
// auth_migrations — the first two are the tables earlier releases already wrote, so
// existing databases keep their history). Apply runs every step not yet recorded,
// each in its own transaction together with its record row, so a crash leaves
// the whole step or none of it; a database recording a version newer than the
// binary's is refused. On PostgreSQL the run holds a session advisory lock, so of
// several instances starting at once one migrates and the others then find
// nothing to do; on SQLite the single IMMEDIATE writer serialises them.
//
// We keep this runner (about a hundred lines) rather than adopt pressly/goose
// (v3.30.0 on the proxy), although goose's Provider accepts an existing *sql.DB,
// per-set version tables and a PostgreSQL session locker. Goose records versions
// in its own table layout (id, version_id, is_applied, tstamp), so every existing
// database's schema_migrations and schedules_migrations rows would have to be
// translated on first start, and every migration file would need goose's
// "-- +goose Up" annotations; goose's module also carries its own driver choices
// into go.sum. The runner here needs none of that and keeps the tables as they are.
//
// It imports database/sql, the two drivers and the standard library only; it must
// not import the stores or anything else under server/ (they import it).
package database
