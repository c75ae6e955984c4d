package engine

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SampleValue is a plausible value of each filter type, used by lint to
// compile every optional clause and check the SQL against the warehouse.
func SampleValue(f *Filter) any {
	if f.Default != nil {
		return f.Default
	}
	switch f.Type {
	case "period":
		return "2024-01-01..2024-01-02"
	case "date":
		return "2024-01-01"
	case "datetime":
		return "2024-01-01T00:00"
	case "duration":
		return "1s"
	case "int", "number":
		return "1"
	case "bool":
		return "true"
	case "enum":
		if len(f.Values) > 0 {
			return f.Values[0]
		}
	case "channel":
		return "whatsapp"
	}
	if lt, ok := f.kind.(lookupType); ok && lt.lk.Numeric {
		return "1"
	}
	return "x"
}

// LintAgainstWarehouse checks each definition's SQL with the warehouse: every
// table known, the query valid once every optional clause is included, and its
// output columns equal to the definition's columns. The backend must hold the
// warehouse schema (it may be empty of data).
func LintAgainstWarehouse(ctx context.Context, b Backend, cat *Catalog, wh Warehouse) Problems {
	var ps Problems
	tables := map[string]bool{}
	for _, t := range wh.Tables {
		tables[t] = true
	}
	for _, d := range cat.List() {
		queries := []*Definition{d}
		if d.Rollup != nil {
			queries = append(queries, d.rollupDefinition())
			for _, c := range d.Rollup.Coarser {
				if !tables[strings.TrimPrefix(c.Table, WarehouseDatabase+".")] {
					ps.add(c.Pos, "rollup.coarser.table: unknown warehouse table %s", c.Table)
				}
			}
		}
		for _, q := range queries {
			for _, p := range staticSQLProblems(q, tables) {
				if strings.Contains(p.Msg, "unknown warehouse table") {
					ps = append(ps, p)
				}
			}
		}
		inputs := map[string]any{}
		for _, f := range d.Filters {
			if !f.Computed() {
				inputs[f.Name] = SampleValue(f)
			}
		}
		// Both queries of a report with a rollup are checked, raw first.
		paths := []Path{PathRaw}
		if d.Rollup != nil {
			paths = append(paths, PathRollup)
		}
		for _, path := range paths {
			ps = append(ps, lintQuery(ctx, b, d, inputs, path, wh)...)
		}
	}
	ps.Sort()
	return ps
}

// lintQuery runs one of d's queries (path) on the warehouse with no rows
// and checks its output columns against the definition's.
func lintQuery(ctx context.Context, b Backend, d *Definition, inputs map[string]any, path Path, wh Warehouse) Problems {
	var ps Problems
	what, qpos, cols := "query", d.QueryPos, "columns"
	if path == PathRollup {
		what, qpos, cols = "rollup.query", d.Rollup.QueryPos, "columns: rollup.query"
	}
	env := CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC), Tables: wh.Tables, Path: path}
	comp, err := Compile(ctx, d, inputs, env)
	if err != nil {
		ps.add(qpos, "%s: cannot compile with sample filter values: %v", what, err)
		return ps
	}
	q := comp.Query
	q.SQL = "SELECT * FROM (" + q.SQL + "\n) LIMIT 0"
	q.MaxRows = 0
	rows, err := b.Query(ctx, q)
	if err != nil {
		ps.add(qpos, "%s: the warehouse rejects it: %s", what, firstLine(err.Error()))
		return ps
	}
	got := rows.Columns()
	for rows.Next() {
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		ps.add(qpos, "%s: describing its output: %s", what, firstLine(err.Error()))
		return ps
	}
	if err := CheckColumns(d, got); err != nil {
		ps.add(d.Pos, "%s: %v", cols, err)
		return ps
	}
	for i, c := range d.Columns {
		if msg := typeMismatch(c.Type, got[i].Type); msg != "" {
			ps.add(c.Pos, "column %q: %s", c.Name, msg)
		}
	}
	return ps
}

// typeMismatch says why a warehouse type cannot be rendered as a column type.
func typeMismatch(t ColumnType, chType string) string {
	base := chType
	for _, wrap := range []string{"Nullable(", "LowCardinality("} {
		for strings.HasPrefix(base, wrap) {
			base = strings.TrimSuffix(strings.TrimPrefix(base, wrap), ")")
		}
	}
	ok := true
	switch t {
	case ColInt:
		ok = strings.HasPrefix(base, "Int") || strings.HasPrefix(base, "UInt")
	case ColNumber, ColPercent, ColDuration:
		ok = strings.HasPrefix(base, "Int") || strings.HasPrefix(base, "UInt") || strings.HasPrefix(base, "Float") || strings.HasPrefix(base, "Decimal")
	case ColDatetime:
		ok = strings.HasPrefix(base, "DateTime")
	case ColDate:
		ok = strings.HasPrefix(base, "Date") && !strings.HasPrefix(base, "DateTime")
	case ColBool:
		ok = base == "Bool" || base == "UInt8"
	}
	if !ok {
		return fmt.Sprintf("declared %s but the query returns %s", t, chType)
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
