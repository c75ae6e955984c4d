// Package engine is relato's report engine: the definition DSL (types, loader,
// linter, compiler), filter types, periods, the expr-lang environment, the
// backend contract and fixture tests. It knows nothing of HTTP, the runs store
// or delivery; it must not import anything under server/, delivery/ or plugins/.
//
// # Where things live
//
// A definition goes load → check → lint → compile → backend → writer:
//
//   - definition.go: the DSL's types (Definition, Filter, Column, Pos, Text).
//   - load.go: LoadCatalog and ParseDefinition read YAML (yaml.v3 nodes, so
//     every problem carries file:line:col); Catalog holds the result.
//   - check.go: the static checks a definition passes while loading (names,
//     types, defaults, expressions, placeholders, the query's rules).
//   - lint.go: LintAgainstWarehouse runs each query's SQL against the warehouse
//     schema with SampleValue filter values.
//   - compile.go: ResolveFilters and Compile bind filter values to a Definition
//     and give a Compiled query with the tenant scope (TenantScope) and limits.
//   - template.go: the SQL template: [[ ]] optional blocks, {name} placeholders,
//     builtins, MaskSQL.
//   - filters.go: the filter-type registry and each type's typed parameter
//     (Param); lookup.go: lookup filters (ids of a tenant's dimension rows).
//   - period.go: Period, and ResolvePeriod for relative periods (today,
//     last_7_days, …) and FROM..TO in the tenant's zone.
//   - expr.go: the expr-lang environment of validate rules and computed filters.
//   - personal.go: the `personal:` kinds of a column (LGPD), LintPersonalData
//     (warnings for columns that look personal and declare nothing) and
//     PersonalMaskSQL (how each kind is masked for readers without the
//     personal_data permission).
//   - catalog.go: ReportInfo and FilterInfo, the public description of a report.
//   - backend.go: the Backend and Rows contract, Query, RegisterBackend and
//     OpenBackend; prefetch.go: Prefetch reads rows ahead in batches.
//   - fixture.go: report authors' YAML fixture tests (rows in, rows out) and
//     CheckColumns (a result's columns against the definition's); a report
//     with a rollup runs every case on both of its queries.
//   - rollup.go: a report's `rollup:` query over a rollup table, and the rule
//     by which Compile runs it instead of the raw query (Compiled.Path).
//
// Sub-packages:
//
//   - chsql: the one place that quotes and escapes ClickHouse SQL text.
//   - backend/chdb: the embedded warehouse (libchdb); backend/remote: a
//     ClickHouse server over the native protocol. Both register with
//     RegisterBackend and pass enginetest.RunBackendSuite.
//   - writer: CSV (RFC 4180, pt-BR Excel) and XLSX from a Rows stream.
//   - export: runs a compiled report and writes it in a file format.
//   - enginetest: test helpers (chDB, a ClickHouse server) and the backend
//     conformance suite; only tests import it.
package engine
