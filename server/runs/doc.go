// Package runs is relato's control plane for report runs: the runs store (SQLite
// by default, PostgreSQL for several instances), the per-key FIFO queue built on
// it, and the worker Pool that executes runs. It knows nothing of HTTP, of the
// engine or of snapshots: the server wires an Execute function in, and maps the
// sentinel errors (ErrNotFound, ErrConflict) to problem+json. It imports
// server/database; it must not import server/ packages above it or engine/.
//
// # The queue is the runs table
//
// A run is a row; waiting → processing → finished | failed | canceled is its
// status column. Claim takes the oldest waiting run whose queue key (tenant +
// wallet; no wallet: one key per tenant and report) has no earlier waiting run and no
// processing run, and leases it to a worker. So runs of one key go strictly one
// at a time in request order (the seq column), and different keys run in parallel
// up to the pool's worker count. A partial unique index (one processing row per
// queue_key) makes the database itself refuse a second concurrent run of a key.
//
// Exactly-once across processes: on PostgreSQL the claim locks its row with
// FOR UPDATE SKIP LOCKED (concurrent claimers pass over it, and the key's later
// runs are not heads while it waits), and Create serialises the inserts of one key
// with an advisory transaction lock, so a later run of a key can never commit
// before an earlier one. On SQLite all writes go through one connection opened
// with BEGIN IMMEDIATE, WAL and busy_timeout, so other processes sharing the file
// wait their turn.
//
// Crash recovery is by lease: a processing run carries its worker and an expiry
// that heartbeats renew (every min(Poll, Lease/3)). RecoverExpired, swept by every
// pool, puts a run whose lease expired back to waiting — still the head of its key
// — or fails it with a reason after MaxAttempts takes, or ends it canceled if a
// cancel was pending. Finish/Fail/Heartbeat check the lease owner, so a worker that
// lost its lease cannot overwrite the run; its heartbeat reports ErrLeaseLost and
// the pool cancels its Execute. Delivery is therefore at-least-once per attempt
// and never concurrent for one key; a run whose Execute completed but whose Finish
// never committed (a kill in between) runs again, which is safe because a run's
// snapshot is written once per run id by the caller.
//
// Cancel of a waiting run ends it at once; of a processing run it sets
// cancel_requested and the worker, polling through its heartbeat, cancels the
// Execute context and then marks the run canceled. The key stays busy until the
// work has really stopped, so the next run of the wallet never overlaps it.
//
// # Why not River
//
// River (riverqueue/river v0.51.2, riversqlite + riverpgxv5 drivers) was
// considered, as DESIGN §2 suggests. It would give us job rows, leases (rescuer),
// retries and periodic jobs. But strict per-key ordering ("sequences") is a paid
// River Pro feature, so per-wallet FIFO would still have to live in our own runs
// table (one drain job per key, or a head-of-key release step), and the run's
// status, filters, result and audit fields must be in our table anyway for the
// API's list/get/cancel. With River we would keep two sources of truth (river_job
// and runs) in step across crashes, pull in two drivers and River's migrations,
// and still write the ordering logic ourselves. The claim above is one SQL
// statement per dialect; the rest (lease, heartbeat, recovery, cancel) is a few
// hundred lines tested against both real databases. Periodic work (schedules,
// retention) can still adopt River later without touching this queue.
//
// # Database and migrations
//
// The store lives in the control-plane database that server/database opens once
// per process: New(ctx, db, opt) takes that shared *database.DB (whose owner closes
// it), and Open(ctx, dsn, opt) is the stand-alone form that opens and owns one.
// On SQLite the runs, schedules and auth stores of a process therefore write
// through the database's single BEGIN IMMEDIATE connection, and other processes
// sharing the file wait on busy_timeout.
//
// Package migrations embeds the runs schema as NNNN_name.sql files per dialect
// and records applied versions in schema_migrations; New applies them with
// server/database's one runner (each step in a transaction with its record, a
// PostgreSQL advisory lock so concurrent instances migrate once). The package
// doc of server/database says why that runner and not goose.
//
// Times are stored as Unix microseconds in both dialects, so lease arithmetic and
// ordering are identical; on PostgreSQL with several hosts, clocks should be kept
// in sync (NTP) well within the lease length.
package runs
