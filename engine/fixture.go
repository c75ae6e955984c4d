package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/relato/relato/engine/chsql"
)

// A fixture (<report>_test.yaml) is a report author's test, in the spirit of
// promtool's rule tests: rows in, filter values, expected rows out.
//
//	tenant: 1                       # the caller's tenant (default 1)
//	time_zone: America/Sao_Paulo    # the tenant's zone (default America/Sao_Paulo)
//	now: 2024-03-10T12:00:00-03:00  # the extraction time
//	tables:                         # rows to load; datetimes are local to time_zone
//	  wh.calls:
//	    - {tenant_id: 1, call_id: 1, ...}
//	cases:
//	  - name: short abandons are not offered
//	    filters: {period: "2024-03-01..2024-03-01", short_abandon: 5s}
//	    rows:                       # expected rows, in order, every column
//	      - {interval_start: "2024-03-01 08:00:00", offered: 3, service_level: 66.67}
//	    truncated: false            # optional
//	  - name: a span over the maximum is refused
//	    filters: {period: "2024-01-01..2024-03-01"}
//	    error: 'filter "period": spans'   # expected error text (substring)
//	  - name: a whole day in São Paulo reads the rollup
//	    filters: {period: "2024-03-01..2024-03-01"}
//	    path: rollup                # optional: the query the engine chooses
//	    time_zone: Asia/Kathmandu   # optional: the case's zone (rows keep the file's)
//	    rows: […]
//
// A report that declares a rollup runs every case twice, on the raw query
// (forced) and on the query the engine chooses, and both must give the
// expected rows: a fixture is then also an equality test of the rollup.
//
// Expected numbers match when the actual value rounded to the expected value's
// decimals equals it; null matches NULL; everything else compares as text.

// Warehouse is what fixtures need to know of the warehouse schema.
type Warehouse struct {
	Statements []string // DDL creating every table
	Tables     []string // table names (without database) the tenant scope covers
}

type fixtureFile struct {
	Tenant   uint32                      `yaml:"tenant"`
	TimeZone string                      `yaml:"time_zone"`
	Now      string                      `yaml:"now"`
	Tables   map[string][]map[string]any `yaml:"tables"`
	Cases    []fixtureCase               `yaml:"cases"`
}

type fixtureCase struct {
	Name      string                 `yaml:"name"`
	Tenant    uint32                 `yaml:"tenant"`
	Filters   map[string]any         `yaml:"filters"`
	Rows      []map[string]yaml.Node `yaml:"rows"`
	Truncated *bool                  `yaml:"truncated"`
	RowCount  *int64                 `yaml:"row_count"`
	Error     string                 `yaml:"error"`
	Path      Path                   `yaml:"path"`
	// TimeZone runs the case in another zone than the file's (the rows stay
	// local to the file's zone).
	TimeZone string `yaml:"time_zone"`
	line     int
}

// CaseResult is the outcome of one fixture case.
type CaseResult struct {
	Report string
	Case   string
	Pos    Pos
	Err    error // nil = passed
	// Path is the query the engine chose for the case (raw or rollup).
	Path Path
}

// FixtureRunner runs fixtures against a backend whose warehouse it may wipe.
type FixtureRunner struct {
	Backend   Backend
	Warehouse Warehouse
}

// Prepare creates the warehouse tables.
func (r *FixtureRunner) Prepare(ctx context.Context) error {
	for _, s := range r.Warehouse.Statements {
		if err := r.Backend.Exec(ctx, s); err != nil {
			return fmt.Errorf("creating warehouse: %w", err)
		}
	}
	return nil
}

// RunFile runs every case of one fixture file for def.
func (r *FixtureRunner) RunFile(ctx context.Context, def *Definition, fsys fs.FS, path, display string) ([]CaseResult, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	var fx fixtureFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	caseLines := map[int]int{}
	if len(node.Content) > 0 {
		root := node.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "cases" {
				for j, c := range root.Content[i+1].Content {
					caseLines[j] = c.Line
				}
			}
		}
	}
	if fx.Tenant == 0 {
		fx.Tenant = 1
	}
	if fx.TimeZone == "" {
		fx.TimeZone = "America/Sao_Paulo"
	}
	loc, err := time.LoadLocation(fx.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("%s: time_zone: %w", display, err)
	}
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, loc)
	if fx.Now != "" {
		if now, err = parseInstant(fx.Now, loc); err != nil {
			return nil, fmt.Errorf("%s: now: %w", display, err)
		}
	}
	if err := r.load(ctx, fx, loc); err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	var out []CaseResult
	for i, c := range fx.Cases {
		c.line = caseLines[i]
		tenant := fx.Tenant
		if c.Tenant != 0 {
			tenant = c.Tenant
		}
		caseLoc := loc
		if c.TimeZone != "" {
			if caseLoc, err = time.LoadLocation(c.TimeZone); err != nil {
				return nil, fmt.Errorf("%s: case %q: time_zone: %w", display, c.Name, err)
			}
		}
		env := CompileEnv{Tenant: tenant, Location: caseLoc, Now: now, Tables: r.Warehouse.Tables,
			Lookups: BackendLookups{Backend: r.Backend, Scope: func(t uint32) map[string]string { return TenantScope(r.Warehouse.Tables, t) }}}
		res := CaseResult{Report: def.ID, Case: c.Name, Pos: Pos{File: display, Line: c.line, Col: 5}}
		res.Path, res.Err = r.runCase(ctx, def, c, env)
		out = append(out, res)
	}
	return out, nil
}

// load empties every warehouse table and inserts the fixture's rows.
func (r *FixtureRunner) load(ctx context.Context, fx fixtureFile, loc *time.Location) error {
	for _, t := range r.Warehouse.Tables {
		if err := r.Backend.Exec(ctx, "TRUNCATE TABLE IF EXISTS "+WarehouseDatabase+"."+t); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(fx.Tables))
	for n := range fx.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	known := map[string]bool{}
	for _, t := range r.Warehouse.Tables {
		known[WarehouseDatabase+"."+t] = true
	}
	for _, name := range names {
		if !known[name] {
			return fmt.Errorf("tables: unknown warehouse table %q", name)
		}
		var body bytes.Buffer
		for _, row := range fx.Tables[name] {
			if _, ok := row["tenant_id"]; !ok {
				row["tenant_id"] = fx.Tenant
			}
			for k, v := range row {
				if t, ok := v.(time.Time); ok { // YAML timestamps are local wall-clock times
					row[k] = t.Format("2006-01-02 15:04:05")
				}
			}
			b, err := json.Marshal(row)
			if err != nil {
				return fmt.Errorf("tables: %s: %w", name, err)
			}
			body.Write(b)
			body.WriteByte('\n')
		}
		// Fixture data is the author's own test input, not a user value; it is
		// sent as JSONEachRow data after the statement, parsed by the server in
		// the fixture's time zone.
		sql := "INSERT INTO " + name + " SETTINGS session_timezone = " + chsql.QuoteString(loc.String()) +
			", input_format_skip_unknown_fields = 0, date_time_input_format = 'best_effort' FORMAT JSONEachRow\n" + body.String()
		if err := r.Backend.Exec(ctx, sql); err != nil {
			return fmt.Errorf("tables: inserting into %s: %s", name, firstLine(err.Error()))
		}
	}
	return nil
}

// yamlText turns YAML timestamps back into the text the author wrote: an
// unquoted 2024-02-29 is a date, not an instant in UTC.
func yamlText(v any) any {
	switch x := v.(type) {
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02T15:04:05")
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = yamlText(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlText(e)
		}
		return out
	}
	return v
}

func (r *FixtureRunner) runCase(ctx context.Context, def *Definition, c fixtureCase, env CompileEnv) (Path, error) {
	if c.Path != "" && c.Path != PathRaw && c.Path != PathRollup {
		return "", fmt.Errorf("path %q: want raw or rollup", c.Path)
	}
	if def.Rollup == nil {
		if c.Path == PathRollup {
			return "", fmt.Errorf("path: rollup, but the report declares no rollup")
		}
		return r.runCaseOn(ctx, def, c, env)
	}
	// Raw forced first, then the engine's choice: both must give the rows.
	var problems []string
	var chosen Path
	for _, force := range []Path{PathRaw, ""} {
		env.Path = force
		took, err := r.runCaseOn(ctx, def, c, env)
		label := "raw query"
		if force == "" {
			chosen = took
			label = "engine's choice (" + string(took) + ")"
			if c.Path != "" && took != "" && took != c.Path {
				problems = append(problems, fmt.Sprintf("the engine chose the %s query, want %s", took, c.Path))
			}
		}
		if err != nil {
			problems = append(problems, label+": "+err.Error())
		}
	}
	if len(problems) > 0 {
		return chosen, fmt.Errorf("%s", strings.Join(problems, "\n\t"))
	}
	return chosen, nil
}

// runCaseOn runs one case with env as given and returns the path compiled.
func (r *FixtureRunner) runCaseOn(ctx context.Context, def *Definition, c fixtureCase, env CompileEnv) (Path, error) {
	filters, _ := yamlText(c.Filters).(map[string]any)
	comp, err := Compile(ctx, def, filters, env)
	var took Path
	if comp != nil {
		took = comp.Path
	}
	if err == nil {
		var rows Rows
		rows, err = r.Backend.Query(ctx, comp.Query)
		if err == nil {
			defer rows.Close()
			return took, r.compare(def, c, rows, err)
		}
	}
	if c.Error == "" {
		return took, fmt.Errorf("unexpected error: %v", err)
	}
	if !strings.Contains(err.Error(), c.Error) && !strings.Contains(errorIn(err, DefaultLanguage), c.Error) {
		return took, fmt.Errorf("error %q does not contain %q", err.Error(), c.Error)
	}
	return took, nil
}

// errorIn is err as Error() writes it, with filter problems in lang, so a
// fixture may expect a filter's message in pt-BR as its definition writes it.
func errorIn(err error, lang string) string {
	var fe FilterErrors
	if !errors.As(err, &fe) {
		return err.Error()
	}
	s := make([]string, len(fe))
	for i, e := range fe {
		s[i] = fmt.Sprintf("filter %q: %s", e.Filter, e.In(lang))
	}
	return strings.Join(s, "; ")
}

func (r *FixtureRunner) compare(def *Definition, c fixtureCase, rows Rows, _ error) error {
	if c.Error != "" {
		return fmt.Errorf("expected error containing %q, the report ran", c.Error)
	}
	cols := rows.Columns()
	if err := CheckColumns(def, cols); err != nil {
		return err
	}
	var problems []string
	n := 0
	for rows.Next() {
		vals := rows.Values()
		if c.RowCount == nil && n >= len(c.Rows) {
			problems = append(problems, fmt.Sprintf("unexpected row %d: %s", n+1, rowText(cols, rows)))
			n++
			continue
		}
		if n < len(c.Rows) {
			want := c.Rows[n]
			for k := range want {
				if indexOfColumn(cols, k) < 0 {
					problems = append(problems, fmt.Sprintf("row %d: no column %q", n+1, k))
				}
			}
			if c.RowCount == nil && len(want) != len(cols) {
				problems = append(problems, fmt.Sprintf("row %d: expected values for every column (%d given, %d columns)", n+1, len(want), len(cols)))
			}
			for i, col := range cols {
				w, ok := want[col.Name]
				if !ok {
					continue
				}
				if msg := matchValue(w, vals[i], rows.IsNull(i)); msg != "" {
					problems = append(problems, fmt.Sprintf("row %d, %s: %s", n+1, col.Name, msg))
				}
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if c.RowCount != nil {
		if int64(n) != *c.RowCount {
			problems = append(problems, fmt.Sprintf("got %d rows, want %d", n, *c.RowCount))
		}
	} else if n < len(c.Rows) {
		problems = append(problems, fmt.Sprintf("got %d rows, want %d", n, len(c.Rows)))
	}
	if c.Truncated != nil && rows.Truncated() != *c.Truncated {
		problems = append(problems, fmt.Sprintf("truncated = %v, want %v", rows.Truncated(), *c.Truncated))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n\t"))
	}
	return nil
}

// CheckColumns verifies the query's output columns are the definition's, in order.
func CheckColumns(def *Definition, cols []Column) error {
	got := make([]string, len(cols))
	for i, c := range cols {
		got[i] = c.Name
	}
	want := make([]string, len(def.Columns))
	for i, c := range def.Columns {
		want[i] = c.Name
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		return fmt.Errorf("query returns columns [%s], the definition lists [%s]", strings.Join(got, ", "), strings.Join(want, ", "))
	}
	return nil
}

func indexOfColumn(cols []Column, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func rowText(cols []Column, rows Rows) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		v := string(rows.Values()[i])
		if rows.IsNull(i) {
			v = "null"
		}
		parts[i] = c.Name + ": " + strconv.Quote(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// matchValue compares an expected YAML scalar with an actual text value.
func matchValue(want yaml.Node, got []byte, isNull bool) string {
	if want.Tag == "!!null" {
		if isNull {
			return ""
		}
		return fmt.Sprintf("got %q, want null", got)
	}
	if isNull {
		return fmt.Sprintf("got null, want %s", want.Value)
	}
	if want.Tag == "!!int" || want.Tag == "!!float" {
		return matchNumber(want.Value, string(got))
	}
	if want.Value != string(got) {
		return fmt.Sprintf("got %q, want %q", got, want.Value)
	}
	return ""
}

// matchNumber rounds got (half away from zero, in decimal) to want's decimals.
func matchNumber(want, got string) string {
	decimals := 0
	if i := strings.IndexByte(want, '.'); i >= 0 {
		decimals = len(want) - i - 1
	}
	g, ok := new(big.Rat).SetString(got)
	if !ok {
		return fmt.Sprintf("got %q, want the number %s", got, want)
	}
	w, ok := new(big.Rat).SetString(want)
	if !ok {
		return fmt.Sprintf("expected value %q is not a number", want)
	}
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil))
	scaled := new(big.Rat).Mul(g, scale)
	half := big.NewRat(1, 2)
	if scaled.Sign() < 0 {
		scaled.Sub(scaled, half)
	} else {
		scaled.Add(scaled, half)
	}
	q := new(big.Int).Quo(scaled.Num(), scaled.Denom()) // truncates toward zero
	rounded := new(big.Rat).SetFrac(q, scale.Num())
	if rounded.Cmp(w) != 0 {
		f, _ := g.Float64()
		if math.Abs(f) < 1e15 {
			return fmt.Sprintf("got %s (rounded to %d decimals: %s), want %s", got, decimals, rounded.FloatString(decimals), want)
		}
		return fmt.Sprintf("got %s, want %s", got, want)
	}
	return ""
}
