// Package schedules runs reports on a recurrence and delivers their files:
// the schedules store (its own tables beside the runs store's, in the shared
// control-plane database), cron evaluated on the wall clock of the schedule's
// time zone, exactly-once firing, and delivery of a finished run's file to each
// destination with retries, every attempt recorded.
//
// Exactly once: each schedule row holds next_fire_at. A firing loop claims a
// due schedule with a compare-and-set (UPDATE … SET next_fire_at = <first due
// time after now> WHERE id = ? AND next_fire_at = <value read>) and, in the same
// transaction, inserts the fire row, unique on (schedule, due time). Of several
// instances one wins; due times missed while every instance was down collapse
// into one fire because the next value is computed after now. The run is then
// created through Host and recorded on the fire; a fire whose instance died
// before that is taken over when its lease expires. (A crash in the instant
// between the run's insert and its recording would create the run twice on
// takeover; closing that needs an idempotency key on runs.NewRun.)
//
// Delivery: a later pass sees the fire's run finished, leases the fire, writes
// the file once (Host.WriteResult, named by the schedule's template) and sends
// it with delivery.WithRetry; the fire ends delivered, failed or run_failed,
// which the schedule shows as its last delivery outcome.
//
// Secrets (password, private_key, …) are split from each destination's config
// and sealed with AES-256-GCM (key from RELATO_SECRET_KEY), bound to the
// schedule id; the stored row never holds them in plain text.
//
// Cron: robfig/cron/v3 parses the 5 fields; Next is ours, because robfig's
// skips the day whose time falls in a DST gap and fires twice in a repeated hour.
//
// Database: New(ctx, db, opt) takes the process's shared *database.DB (its owner
// closes it); Open(ctx, dsn, opt) opens and owns one. The schema is the
// migration set Migrations — migrations/<dialect>/NNNN_name.sql, recorded in
// schedules_migrations — applied by New through server/database's one runner
// (each step in a transaction with its record, a PostgreSQL advisory lock so
// concurrent instances migrate once).
//
// Formats: a schedule stores an export format ID (CheckFormat); the file's
// extension and content type come from that registry (engine/export), the
// bytes from Host.WriteResult.
//
// The package imports delivery, server/database, the runs store, the message
// catalog i18n (its validation problems carry message ids) and, of the engine,
// only the format registry engine/export; it must not import server/api or
// the rest of the engine (the server supplies Host).
package schedules
