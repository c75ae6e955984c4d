package engine

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A report may declare, once, a second query over a rollup table (issue 16):
//
//	rollup:
//	  table: wh.calls_15m     # the rollup the query reads
//	  bucket: 15m             # its buckets: aligned to UTC, this long
//	  when: "threshold % duration('1s') == 0"   # optional: filters it is exact for
//	  query: |
//	    SELECT … FROM wh.calls_15m WHERE bucket >= {period.from} AND bucket < {period.to} …
//
// The engine runs the rollup query instead of the report's query only when the
// two must give identical rows (chooseQuery):
//
//   - the report has a period filter, and both of its bounds fall on bucket
//     boundaries in UTC (a 15-minute bucket holds the calls of [b, b+15m));
//   - the tenant's zone is offset from UTC by a whole number of buckets at
//     every instant of the period, checked over every zone transition in it.
//     Then every local 15 min, 30 min, 1 h and 1 day interval starts and ends
//     on a bucket boundary, so each one is exactly a union of buckets. This
//     holds for +05:45 (Asia/Kathmandu) and +12:45 (Pacific/Chatham) as for
//     −03:00: they are served from the rollup, and the fixtures prove the rows
//     equal the raw query's. A zone that is not (Africa/Monrovia at −00:44:30
//     until 1972, any local mean time) falls back to the raw query;
//   - the rollup's `when` rule holds for the filter values (the author states
//     there what the rollup keeps: whole-second thresholds, for instance).
//
// Filters the rollup cannot serve must make `when` false; the author declares
// it, the engine does not guess from the SQL.
//
// A rollup may list coarser tables with the same columns and rules over
// longer UTC-aligned buckets (contact centers keep 15-minute, hourly and
// daily interval tables):
//
//	  coarser:
//	    - {table: wh.calls_1h, bucket: 1h, when: 'interval == "1h" || interval == "1d"'}
//
// When the rollup itself may serve a run, the engine takes the first coarser
// table whose bucket the period and zone fit (the same test, with its bucket)
// and whose `when` holds, and runs the rollup query with every mention of
// rollup.table replaced by that table's name; else rollup.table. The author's
// `when` says which groupings are unions of its buckets (1-hour and 1-day
// intervals of an hourly table); fewer rows make the run faster, the rows
// are the same (the fixtures run every path).

// Rollup is a report's declared query over a rollup table.
type Rollup struct {
	// Table is the rollup table the query reads, e.g. wh.calls_15m.
	Table string
	// Bucket is the length of the rollup's UTC-aligned buckets.
	Bucket time.Duration
	// When is an expr-lang rule over the filters; "" = always exact.
	When string
	// Query is the SQL template, with the report's filters, like Query.
	Query string
	// Coarser are tables with Table's columns over longer buckets, tried in
	// order before Table.
	Coarser []CoarserRollup

	Pos, WhenPos, QueryPos Pos
}

// CoarserRollup is a table a rollup's query may read instead of its own.
type CoarserRollup struct {
	// Table has the rollup table's columns, e.g. wh.calls_1h.
	Table string
	// Bucket is the length of its UTC-aligned buckets, a multiple of the
	// rollup's.
	Bucket time.Duration
	// When is an expr-lang rule over the filters: the groupings its buckets
	// serve exactly; "" = always.
	When string

	Pos, WhenPos Pos
}

// Path is which of a report's queries a compiled run executes.
type Path string

// The paths of a report with a rollup; a report without one is always raw.
const (
	PathRaw    Path = "raw"
	PathRollup Path = "rollup"
)

// rollup parses the `rollup:` block of a definition.
func (l *loader) rollup(v *yaml.Node, data []byte) *Rollup {
	r := &Rollup{Pos: l.pos(v)}
	seen := l.fields(v, "rollup: ", map[string]func(k, v *yaml.Node){
		"table":  func(_, v *yaml.Node) { r.Table = l.str(v, "rollup.table") },
		"bucket": func(_, v *yaml.Node) { r.Bucket = l.rollupBucket(v, "rollup.bucket") },
		"when":   func(_, v *yaml.Node) { r.When, r.WhenPos = l.str(v, "rollup.when"), l.pos(v) },
		"coarser": func(_, v *yaml.Node) {
			if v.Kind != yaml.SequenceNode {
				l.errf(v, "rollup.coarser must be a list of {table, bucket, when}")
				return
			}
			for _, item := range v.Content {
				c := CoarserRollup{Pos: l.pos(item)}
				seen := l.fields(item, "rollup.coarser: ", map[string]func(k, v *yaml.Node){
					"table":  func(_, v *yaml.Node) { c.Table = l.str(v, "rollup.coarser.table") },
					"bucket": func(_, v *yaml.Node) { c.Bucket = l.rollupBucket(v, "rollup.coarser.bucket") },
					"when":   func(_, v *yaml.Node) { c.When, c.WhenPos = l.str(v, "rollup.coarser.when"), l.pos(v) },
				})
				for _, req := range []string{"table", "bucket"} {
					if !seen[req] && item.Kind == yaml.MappingNode {
						l.errf(item, "rollup.coarser: missing required field %q", req)
					}
				}
				r.Coarser = append(r.Coarser, c)
			}
		},
		"query": func(_, v *yaml.Node) {
			r.Query = l.str(v, "rollup.query")
			r.QueryPos = blockTextPos(l.pos(v), v, data)
		},
	})
	for _, req := range []string{"table", "bucket", "query"} {
		if !seen[req] {
			l.errf(v, "rollup: missing required field %q", req)
		}
	}
	return r
}

// rollupBucket parses a bucket length: whole minutes that divide a day.
func (l *loader) rollupBucket(v *yaml.Node, field string) time.Duration {
	s := l.str(v, field)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d%time.Minute != 0 || (24*time.Hour)%d != 0 {
		l.errf(v, "%s %q must be a whole number of minutes that divides a day, like 15m", field, s)
		return 0
	}
	return d
}

// blockTextPos is where a scalar's text starts: for `|` and `>` blocks, the
// line after the indicator at that line's indentation.
func blockTextPos(p Pos, v *yaml.Node, data []byte) Pos {
	if v.Style != yaml.LiteralStyle && v.Style != yaml.FoldedStyle {
		return p
	}
	p.Line++
	p.Col = 1
	lines := strings.Split(string(data), "\n")
	if v.Line < len(lines) {
		first := lines[v.Line]
		p.Col = len(first) - len(strings.TrimLeft(first, " ")) + 1
	}
	return p
}

// rollupDefinition is d with the rollup query in place of its query, so the
// template checks and renderQuery work on it unchanged (positions point into
// the rollup block).
func (d *Definition) rollupDefinition() *Definition {
	rd := *d
	rd.Query, rd.QueryPos = d.Rollup.Query, d.Rollup.QueryPos
	rd.Rollup = nil
	return &rd
}

// coarserDefinition is rollupDefinition reading table instead of
// rollup.table: every mention of that name in the query (a whole name, not
// a prefix of a longer one) is replaced.
func (d *Definition) coarserDefinition(table string) *Definition {
	rd := d.rollupDefinition()
	rd.Query = replaceName(rd.Query, d.Rollup.Table, table)
	return rd
}

// replaceName replaces every occurrence of name in s that is not part of a
// longer name (no letter, digit or '_' on either side, no '.' before it; a
// '.' after it starts a column of the table, wh.calls_15m.bucket) by repl.
func replaceName(s, name, repl string) string {
	word := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	var b strings.Builder
	for {
		i := strings.Index(s, name)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(name)
		if (i > 0 && (word(s[i-1]) || s[i-1] == '.')) || (end < len(s) && word(s[end])) {
			b.WriteString(s[:end])
		} else {
			b.WriteString(s[:i])
			b.WriteString(repl)
		}
		s = s[end:]
	}
}

// checkRollup checks a rollup block: its query obeys the rules of a report
// query, reads its table, names only the report's filters, and `when`
// compiles as a boolean rule.
func checkRollup(d *Definition, ps *Problems) {
	r := d.Rollup
	if r == nil || r.Query == "" {
		return
	}
	if r.Table != "" && !strings.HasPrefix(r.Table, WarehouseDatabase+".") {
		ps.add(r.Pos, "rollup.table %q must be a warehouse table, like %s.calls_15m", r.Table, WarehouseDatabase)
	}
	rd := d.rollupDefinition()
	*ps = append(*ps, staticSQLProblems(rd, nil)...)
	if r.Table != "" && !strings.Contains(maskSQL(r.Query), r.Table) {
		ps.add(r.QueryPos, "rollup.query: must read %s (rollup.table)", r.Table)
	}
	segs, terrs := splitTemplate(r.Query)
	for _, e := range terrs {
		ps.add(rd.queryPos(e.offset), "rollup.query: %s", e.msg)
	}
	for _, s := range segs {
		if s.when != "" {
			if err := compileExprCheck(d, s.when, true); err != nil {
				ps.add(rd.queryPos(s.whenOffset), "rollup.query: when %s: %v", s.when, err)
			}
		}
		for _, p := range s.placeholders() {
			if _, ok := builtins[p.name]; ok {
				continue
			}
			f := d.Filter(p.name)
			if f == nil {
				ps.add(rd.queryPos(p.start), "rollup.query: unknown placeholder %s (filters: %s; builtins: tenant, tz, now)", describePlaceholder(p), strings.Join(filterNames(d), ", "))
				continue
			}
			if f.kind != nil && !hasSub(f.kind.Subfields(), p.sub) {
				ps.add(rd.queryPos(p.start), "rollup.query: %s: a %s filter offers %s", describePlaceholder(p), f.Type, describeSubs(p.name, f.kind.Subfields()))
			}
		}
	}
	if r.When != "" {
		if err := compileExprCheck(d, r.When, true); err != nil {
			ps.add(r.WhenPos, "rollup.when: %v", err)
		}
	}
	for _, c := range r.Coarser {
		if c.Table != "" && (!strings.HasPrefix(c.Table, WarehouseDatabase+".") || c.Table == r.Table) {
			ps.add(c.Pos, "rollup.coarser.table %q must be another warehouse table, like %s.calls_1h", c.Table, WarehouseDatabase)
		}
		if c.Bucket > 0 && r.Bucket > 0 && (c.Bucket <= r.Bucket || c.Bucket%r.Bucket != 0) {
			ps.add(c.Pos, "rollup.coarser.bucket %s must be a multiple of rollup.bucket %s, longer than it", shortDuration(c.Bucket), shortDuration(r.Bucket))
		}
		if c.When != "" {
			if err := compileExprCheck(d, c.When, true); err != nil {
				ps.add(c.WhenPos, "rollup.coarser.when: %v", err)
			}
		}
	}
	if periodFilter(d) == nil {
		ps.add(r.Pos, "rollup: the report needs a period filter; the engine serves a rollup only for a period on bucket boundaries")
	}
}

func periodFilter(d *Definition) *Filter {
	for _, f := range d.Filters {
		if f.Type == "period" {
			return f
		}
	}
	return nil
}

// chooseQuery picks the definition whose query the run executes: d itself
// (raw) or its rollup query, with the reason in words for the run's log.
// force is CompileEnv.Path: "" decides by the rules above, PathRaw always
// takes the raw query, PathRollup takes the rollup query whenever the report
// declares one, even where it is not exact (tests use it to show the rules
// are needed).
func chooseQuery(d *Definition, values map[string]any, period *Period, env CompileEnv) (*Definition, Path, string, error) {
	r := d.Rollup
	switch {
	case r == nil:
		return d, PathRaw, "the report declares no rollup", nil
	case env.Path == PathRaw:
		return d, PathRaw, "raw query requested", nil
	case env.Path == PathRollup:
		return d.rollupDefinition(), PathRollup, "rollup " + r.Table + " requested", nil
	case env.Path != "":
		return nil, "", "", fmt.Errorf("unknown query path %q (want raw or rollup)", env.Path)
	}
	if period == nil {
		return d, PathRaw, "no period", nil
	}
	if why := rollupMisfit(*period, r.Bucket, env.Location); why != "" {
		return d, PathRaw, why, nil
	}
	if r.When != "" {
		ok, err := evalExpr(r.When, exprEnv(d, values, env.Now.In(env.Location)), true)
		if err != nil { // the raw query is always right: a broken rule costs speed, not the run
			return d, PathRaw, fmt.Sprintf("rollup.when %s could not be evaluated: %v", r.When, err), nil
		}
		if ok != true {
			return d, PathRaw, "the filters need the raw rows (rollup.when: " + r.When + ")", nil
		}
	}
	for _, c := range r.Coarser {
		if rollupMisfit(*period, c.Bucket, env.Location) != "" {
			continue
		}
		if c.When != "" {
			// A rule that cannot be evaluated only costs the coarser table.
			if ok, err := evalExpr(c.When, exprEnv(d, values, env.Now.In(env.Location)), true); err != nil || ok != true {
				continue
			}
		}
		return d.coarserDefinition(c.Table), PathRollup, "rollup " + c.Table, nil
	}
	return d.rollupDefinition(), PathRollup, "rollup " + r.Table, nil
}

// rollupMisfit says why the period [p.From, p.To) in loc is not a union of
// UTC-aligned buckets of the given length with every local interval boundary
// on a bucket boundary; "" when it is.
func rollupMisfit(p Period, bucket time.Duration, loc *time.Location) string {
	if bucket <= 0 {
		return "the rollup has no bucket length"
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, b := range []struct {
		name string
		t    time.Time
	}{{"start", p.From}, {"end", p.To}} {
		if b.t.UnixNano()%int64(bucket) != 0 {
			return fmt.Sprintf("the period's %s %s is not on a %s boundary in UTC", b.name, b.t.In(loc).Format(time.RFC3339), shortDuration(bucket))
		}
	}
	step := int(bucket / time.Second)
	for t := p.From; t.Before(p.To); {
		lt := t.In(loc)
		name, off := lt.Zone()
		if off%step != 0 {
			return fmt.Sprintf("the time zone %s is %s (UTC%s) at %s, not a whole number of %s from UTC", loc, name, offsetText(off), lt.Format(time.RFC3339), shortDuration(bucket))
		}
		_, end := lt.ZoneBounds()
		if end.IsZero() || !end.After(t) {
			break
		}
		t = end
	}
	return ""
}

func offsetText(off int) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := fmt.Sprintf("%s%02d:%02d", sign, off/3600, off/60%60)
	if off%60 != 0 {
		s += fmt.Sprintf(":%02d", off%60)
	}
	return s
}

func shortDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
