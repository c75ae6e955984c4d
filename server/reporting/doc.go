// Package reporting is relato's application layer: the use cases behind the
// API, the scheduler and the command line, with no HTTP in them.
//
//   - reports.go: which reports a tenant may use (the YAML catalog, then the
//     custom-report plugins it is entitled to) and how a request becomes a
//     compiled report (Prepare: the tenant's zone, lookups, the clock).
//   - runs.go: create a run (validate the filters, resolve the period, derive
//     the queue key) and execute a queued run (compile, the report's timeout, a
//     snapshot of a YAML report or of a plugin's output, progress); delete one.
//   - results.go: a finished run's result written in a registered format
//     (downloads and deliveries use the same code).
//   - personal.go: personal data under control (LGPD): masking by the
//     reader's permission, extractions refused without it, a purpose the
//     tenant may require, and the records written to wh.relato_personal_access.
//   - schedules.go: the schedules Host (start a scheduled run, write its file).
//   - retention.go: removing old runs and their snapshots.
//   - zones.go: the per-tenant time-zone cache.
//   - lookups.go: the values a lookup filter accepts, searched and paged
//     (SearchLookup), with their labels in the reader's language; names.go:
//     a lookup filter given a name instead of an id.
//   - metrics.go: run and download counters in the Prometheus text format.
//
// Errors callers branch on are sentinel or typed values (ErrUnknownReport,
// NotFinishedError, ErrResultRemoved, engine.FilterErrors, the runs and
// schedules sentinels); the API maps them to problem+json in one place.
//
// It may import the engine, plugins/host and the server's stores (runs,
// schedules, snapshot). It must not import server/api, server/web or net/http:
// the runs pool and the schedules service call it through the function and
// interface they declare (runs.Pool.Execute, schedules.Host).
package reporting
