package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/i18n"
)

// CompileEnv is the caller's side of a compile: who asks, when and where.
type CompileEnv struct {
	Tenant   uint32
	Location *time.Location
	Now      time.Time
	// Lookups checks lookup values belong to the tenant; nil skips the check.
	Lookups LookupChecker
	// Tables are the warehouse tables (without database) the tenant scope covers.
	Tables []string
	// Path forces the raw query or the rollup query (rollup.go); "" lets the
	// engine choose by the filters.
	Path Path
}

// Compiled is a definition bound to filter values: ready to run.
type Compiled struct {
	Def    *Definition
	Query  Query
	Values map[string]any
	// Resolved is each filter's value as text, periods absolute, for run records.
	Resolved map[string]string
	// Period is the report's first period filter, resolved; nil when it has none.
	Period *Period
	// Path is the query the run executes (raw or the report's rollup) and
	// PathReason why, in words for logs and `relato run`.
	Path       Path
	PathReason string
}

// FilterError is a problem with one filter value. Msg is the English text
// (logs, Error); Text is the same as a message id with its parameters, for
// the reader's language. A FilterError built with Msg alone shows Msg in
// every language.
type FilterError struct {
	Filter string
	Msg    string
	Text   i18n.Message
}

func (e FilterError) Error() string { return fmt.Sprintf("filter %q: %s", e.Filter, e.Msg) }

// In is the problem in lang (pt-BR or en), without the filter's name.
func (e FilterError) In(lang string) string {
	if e.Text.IsZero() {
		return e.Msg
	}
	return e.Text.In(lang)
}

// NewFilterError is a problem with filter's value from a message id and its
// parameters (see package i18n): Msg in English, Text for the reader.
func NewFilterError(filter string, id i18n.ID, args ...any) FilterError {
	return filterErr(filter, id, args...)
}

// filterErr is a FilterError from a message id and its parameters.
func filterErr(filter string, id i18n.ID, args ...any) FilterError {
	m := i18n.M(id, args...)
	return FilterError{Filter: filter, Msg: m.String(), Text: m}
}

// filterErrOf is a FilterError saying err (see i18n.MessageOf).
func filterErrOf(filter string, err error) FilterError {
	m := i18n.MessageOf(err)
	return FilterError{Filter: filter, Msg: m.String(), Text: m}
}

// FilterErrors holds every problem with a request's filter values.
type FilterErrors []FilterError

func (es FilterErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// TenantScope returns the additional_table_filters map that limits every
// warehouse table to one tenant.
func TenantScope(tables []string, tenant uint32) map[string]string {
	m := make(map[string]string, len(tables))
	for _, t := range tables {
		m[WarehouseDatabase+"."+t] = "tenant_id = " + strconv.FormatUint(uint64(tenant), 10)
	}
	return m
}

func parseFilterValue(f *Filter, raw any, env Env) (any, error) {
	if f.kind == nil {
		return nil, i18n.Errorf(i18n.FilterUnknownType, f.Type)
	}
	if !f.Multiple {
		if list, ok := raw.([]any); ok {
			if len(list) != 1 {
				return nil, i18n.Errorf(i18n.FilterTakesOne, len(list))
			}
			raw = list[0]
		}
		return f.kind.Parse(f, raw, env)
	}
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case []string:
		for _, s := range v {
			items = append(items, s)
		}
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
	default:
		items = []any{v}
	}
	if len(items) > 1000 {
		return nil, i18n.Errorf(i18n.FilterTooManyValues, 1000, len(items))
	}
	out := make([]any, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		v, err := f.kind.Parse(f, it, env)
		if err != nil {
			return nil, i18n.Errorf(i18n.FilterValueN, i+1, i18n.MessageOf(err))
		}
		if k := fmt.Sprint(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out, nil
}

func isUnset(v any) bool {
	if v == nil {
		return true
	}
	if l, ok := v.([]any); ok && len(l) == 0 {
		return true
	}
	return false
}

// ResolveFilters turns the caller's raw values into typed values: defaults,
// parsing, computed filters, spans, validate rules and lookups. It returns
// every problem together.
func ResolveFilters(ctx context.Context, d *Definition, inputs map[string]any, env CompileEnv) (map[string]any, error) {
	penv := Env{Now: env.Now, Location: env.Location}
	if penv.Location == nil {
		penv.Location = time.UTC
	}
	var errs FilterErrors
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := d.Filter(n)
		switch {
		case f == nil:
			have := strings.Join(settableNames(d), ", ")
			if guess := Suggest(n, settableNames(d)); guess != "" {
				errs = append(errs, filterErr(n, i18n.FilterUnknownDidYouMean, guess, have))
			} else {
				errs = append(errs, filterErr(n, i18n.FilterUnknown, have))
			}
		case f.Computed():
			errs = append(errs, filterErr(n, i18n.FilterComputed))
		}
	}
	values := map[string]any{}
	for _, f := range d.Filters {
		if f.Computed() {
			continue
		}
		raw, given := inputs[f.Name]
		if given && (raw == nil || raw == "") {
			given = false
		}
		if !given {
			raw = f.Default
		}
		if raw == nil {
			if f.Required {
				errs = append(errs, filterErr(f.Name, i18n.FilterRequired))
			}
			values[f.Name] = nil
			continue
		}
		v, err := parseFilterValue(f, raw, penv)
		if err != nil {
			errs = append(errs, filterErrOf(f.Name, err))
			continue
		}
		if f.Multiple && f.Required && isUnset(v) {
			errs = append(errs, filterErr(f.Name, i18n.FilterNeedsOneValue))
			continue
		}
		values[f.Name] = v
	}
	if len(errs) > 0 {
		return nil, errs
	}
	now := env.Now.In(penv.Location)
	for _, f := range d.Filters {
		if !f.Computed() {
			continue
		}
		out, err := evalExpr(f.Expr, exprEnv(d, values, now), false)
		if err != nil {
			errs = append(errs, filterErr(f.Name, i18n.FilterComputing, i18n.MessageOf(err)))
			continue
		}
		v, err := parseFilterValue(f, out, penv)
		if err != nil {
			errs = append(errs, filterErr(f.Name, i18n.FilterComputedValue, i18n.MessageOf(err)))
			continue
		}
		values[f.Name] = v
	}
	for _, f := range d.Filters {
		p, ok := values[f.Name].(Period)
		if ok && f.MaxSpan > 0 && p.Span() > f.MaxSpan {
			errs = append(errs, filterErr(f.Name, i18n.FilterSpanTooLong, p.SpanMessage(), humanSpan(f.MaxSpan)))
		}
	}
	for _, f := range d.Filters {
		if f.Validate == "" || isUnset(values[f.Name]) {
			continue
		}
		ok, err := evalExpr(f.Validate, exprEnv(d, values, now), true)
		if err != nil {
			errs = append(errs, filterErr(f.Name, i18n.FilterChecking, i18n.MessageOf(err)))
			continue
		}
		if ok != true {
			if f.Message.In(DefaultLanguage) == "" {
				errs = append(errs, filterErr(f.Name, i18n.FilterNotValid, f.Validate))
			} else {
				// The definition's own message, in the reader's language.
				errs = append(errs, filterErr(f.Name, i18n.Raw, f.Message))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if env.Lookups != nil {
		for _, f := range d.Filters {
			lt, ok := f.kind.(lookupType)
			if !ok || isUnset(values[f.Name]) {
				continue
			}
			vals, ok := values[f.Name].([]any)
			if !ok {
				vals = []any{values[f.Name]}
			}
			unknown, err := env.Lookups.Unknown(ctx, lt.lk, env.Tenant, vals)
			if err != nil {
				return nil, err
			}
			if len(unknown) > 0 {
				errs = append(errs, filterErr(f.Name, i18n.FilterUnknownLookup, i18n.LookupKind(lt.lk.Name), joinAny(unknown)))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return values, nil
}

// Compile binds a definition to the caller's filter values and builds the
// warehouse query with the tenant scope and limits applied.
func Compile(ctx context.Context, d *Definition, inputs map[string]any, env CompileEnv) (*Compiled, error) {
	if env.Location == nil {
		env.Location = time.UTC
	}
	values, err := ResolveFilters(ctx, d, inputs, env)
	if err != nil {
		return nil, err
	}
	c := &Compiled{Def: d, Values: values, Resolved: map[string]string{}}
	for _, f := range d.Filters {
		v := values[f.Name]
		if isUnset(v) {
			continue
		}
		c.Resolved[f.Name] = formatValue(v, env.Location)
		if p, ok := v.(Period); ok && c.Period == nil {
			p.From, p.To = p.From.In(env.Location), p.To.In(env.Location)
			c.Period = &p
		}
	}
	qd, path, why, err := chooseQuery(d, values, c.Period, env)
	if err != nil {
		return nil, err
	}
	c.Path, c.PathReason = path, why
	sql, params, err := renderQuery(qd, values, env)
	if err != nil {
		return nil, err
	}
	c.Query = Query{
		SQL:          sql,
		Params:       params,
		TableFilters: TenantScope(env.Tables, env.Tenant),
		TimeZone:     env.Location.String(),
		MaxRows:      d.Limits.MaxRows,
		Settings:     map[string]string{},
	}
	if d.Limits.Timeout > 0 {
		c.Query.Settings["max_execution_time"] = strconv.FormatInt(int64(d.Limits.Timeout.Seconds()+0.5), 10)
	}
	return c, nil
}

func paramName(name, sub string) string {
	if sub == "" {
		return "f_" + name
	}
	return "f_" + name + "__" + sub
}

// renderQuery drops optional clauses whose filters are unset and turns every
// placeholder into a typed parameter reference.
func renderQuery(d *Definition, values map[string]any, env CompileEnv) (string, map[string]string, error) {
	segs, terrs := splitTemplate(d.Query)
	if len(terrs) > 0 {
		return "", nil, fmt.Errorf("%s: %s", d.queryPos(terrs[0].offset), terrs[0].msg)
	}
	params := map[string]string{}
	var b strings.Builder
	for _, s := range segs {
		phs := s.placeholders()
		if s.when != "" {
			keep, err := evalExpr(s.when, exprEnv(d, values, env.Now.In(env.Location)), true)
			if err != nil {
				return "", nil, fmt.Errorf("%s: when %s: %v", d.queryPos(s.whenOffset), s.when, err)
			}
			if keep != true {
				b.WriteByte(' ')
				continue
			}
		} else if s.optional {
			drop := false
			for _, p := range phs {
				if _, ok := builtins[p.name]; !ok && isUnset(values[p.name]) {
					drop = true
				}
			}
			if drop {
				b.WriteByte(' ')
				continue
			}
		}
		last := s.offset
		for _, p := range phs {
			b.WriteString(d.Query[last:p.start])
			last = p.end
			var prm Param
			var pname string
			if bt, ok := builtins[p.name]; ok {
				pname = "r_" + p.name
				prm = bt
				switch p.name {
				case "tenant":
					prm.Text = strconv.FormatUint(uint64(env.Tenant), 10)
				case "tz":
					prm.Text = env.Location.String()
				case "now":
					prm.Text = env.Now.UTC().Format("2006-01-02 15:04:05")
				}
			} else {
				f := d.Filter(p.name)
				if f == nil || f.kind == nil {
					return "", nil, fmt.Errorf("%s: unknown placeholder %s", d.queryPos(p.start), describePlaceholder(p))
				}
				v := values[p.name]
				if isUnset(v) {
					return "", nil, FilterErrors{filterErr(p.name, i18n.FilterRequiredByQuery)}
				}
				var err error
				if list, ok := v.([]any); ok {
					prm, err = bindMultiple(f.kind, f, list, p.sub)
				} else {
					prm, err = f.kind.Bind(f, v, p.sub)
					if prm.Type == "String" {
						prm.Text = chsql.EscapeParam(prm.Text)
					}
				}
				if err != nil {
					return "", nil, FilterErrors{filterErrOf(p.name, err)}
				}
				pname = paramName(p.name, p.sub)
			}
			params[pname] = prm.Text
			b.WriteString("{" + pname + ":" + prm.Type + "}")
		}
		b.WriteString(d.Query[last : s.offset+len(s.text)])
	}
	return strings.TrimSpace(b.String()), params, nil
}

func formatValue(v any, loc *time.Location) string {
	switch x := v.(type) {
	case Period:
		return x.From.In(loc).Format(time.RFC3339) + "/" + x.To.In(loc).Format(time.RFC3339)
	case time.Time:
		return x.In(loc).Format(time.RFC3339)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e, loc)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func joinAny(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

func settableNames(d *Definition) []string {
	var out []string
	for _, f := range d.Filters {
		if !f.Computed() {
			out = append(out, f.Name)
		}
	}
	return out
}

// humanSpan is a limit such as max_span as people read it: whole days as
// "31 dias"/"31 days", anything else as Go writes durations ("36h0m0s").
func humanSpan(d time.Duration) i18n.Message {
	if d%(24*time.Hour) == 0 {
		return i18n.M(i18n.SpanDays, int64(d/(24*time.Hour)))
	}
	return i18n.Verbatim(d.String())
}
