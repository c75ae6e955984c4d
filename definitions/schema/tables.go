package schema

import (
	"regexp"
	"strings"
)

var createTable = regexp.MustCompile(`(?m)^CREATE TABLE IF NOT EXISTS wh\.([a-z_][a-z0-9_]*)\s*\(`)

// Tables lists the warehouse tables (without the wh. prefix) in file order.
// Every one of them has tenant_id; the engine scopes reads of each by it.
func Tables() []string {
	var out []string
	for _, m := range createTable.FindAllStringSubmatch(SQL, -1) {
		out = append(out, m[1])
	}
	return out
}

// RollupTable is the KPI rollup of wh.calls (warehouse.sql): per tenant,
// wallet, queue and 15-minute UTC bucket.
const RollupTable = "wh.calls_15m"

// RollupTables are every KPI rollup table, finest first: RollupTable and
// wh.calls_1h, the same per UTC hour, fed from RollupTable by a view (so an
// insert into RollupTable, by its own view or by a rebuild, reaches both).
var RollupTables = []string{RollupTable, "wh.calls_1h"}

var rollupView = regexp.MustCompile(`(?s)CREATE MATERIALIZED VIEW IF NOT EXISTS wh\.calls_15m_mv TO wh\.calls_15m AS\n(.*?);\n`)

// RollupSelect is the SELECT of the materialized view that feeds RollupTable
// from wh.calls, as warehouse.sql writes it (one source for the view and the
// rebuild). It reads "FROM wh.calls"; RollupRebuild narrows that.
func RollupSelect() string {
	m := rollupView.FindStringSubmatch(SQL)
	if m == nil {
		panic("schema: warehouse.sql has no materialized view wh.calls_15m_mv")
	}
	return m[1]
}

// RollupInsert is the statement that recomputes RollupTable from the rows of
// wh.calls matching where (SQL over wh.calls' columns, built by the caller
// from trusted values): the view's SELECT over that subset. Delete the same
// range first to make a rebuild idempotent.
func RollupInsert(where string) string {
	sel := strings.Replace(RollupSelect(), "FROM wh.calls\n", "FROM (SELECT * FROM wh.calls WHERE "+where+")\n", 1)
	return "INSERT INTO " + RollupTable + "\n" + sel
}
