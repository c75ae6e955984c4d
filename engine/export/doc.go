// Package export owns relato's output file formats and runs a compiled report
// into one of them.
//
// Formats are one registry (format.go), like the filter and destination
// registries: each format is one file here (csv.go, csv_excel.go, xlsx.go,
// csv_exact.go) that registers a Format in init with its writer, file
// extension, content type and labels in pt-BR and English. Downloads, schedules, the CLI and the
// web pages (through GET /v1/formats) list and use formats only from here, so
// adding a format is one new file plus its test.
//
// Formats meant for people (csv, csv-excel, xlsx) never let a text cell run
// as a formula in a spreadsheet (engine/writer's guard.go says how);
// csv-exact is the unguarded CSV for programs.
//
// Run (export.go) ties the engine, a backend and a format together for the
// CLI and tests.
//
// The package may import engine and engine/writer; it must not import anything
// under server/, delivery/ or plugins/ (it knows nothing of HTTP or the runs
// store).
package export
