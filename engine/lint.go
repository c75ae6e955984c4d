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
		for _, p := range staticSQLProblems(d, tables) {
			if strings.Contains(p.Msg, "unknown warehouse table") {
				ps = append(ps, p)
			}
		}
		inputs := map[string]any{}
		for _, f := range d.Filters {
			if !f.Computed() {
				inputs[f.Name] = SampleValue(f)
			}
		}
		env := CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC), Tables: wh.Tables}
		comp, err := Compile(ctx, d, inputs, env)
		if err != nil {
			ps.add(d.QueryPos, "query: cannot compile with sample filter values: %v", err)
			continue
		}
		q := comp.Query
		q.SQL = "SELECT * FROM (" + q.SQL + "\n) LIMIT 0"
		q.MaxRows = 0
		rows, err := b.Query(ctx, q)
		if err != nil {
			ps.add(d.QueryPos, "query: the warehouse rejects it: %s", firstLine(err.Error()))
			continue
		}
		cols := rows.Columns()
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			ps.add(d.QueryPos, "query: describing its output: %s", firstLine(err.Error()))
			continue
		}
		if err := CheckColumns(d, cols); err != nil {
			ps.add(d.Pos, "columns: %v", err)
			continue
		}
		for i, c := range d.Columns {
			if msg := typeMismatch(c.Type, cols[i].Type); msg != "" {
				ps.add(c.Pos, "column %q: %s", c.Name, msg)
			}
		}
	}
	ps.Sort()
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
