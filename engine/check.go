package engine

import (
	"maps"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// checkDefinition validates a parsed definition beyond its shape: names, types,
// defaults, expressions, placeholders and the query's static rules.
func checkDefinition(d *Definition, seen map[string]bool, l *loader, root *yaml.Node, ps *Problems, metadata bool) {
	if seen["id"] && !idPattern.MatchString(d.ID) {
		ps.add(d.IDPos, "id %q must be dotted lower-case, like kpis.service_level", d.ID)
	}
	if seen["version"] && d.Version < 1 {
		ps.add(d.VersionPos, "version must be 1 or more")
	}
	names := map[string]bool{}
	for _, f := range d.Filters {
		if f.Name == "" {
			continue
		}
		if !namePattern.MatchString(f.Name) {
			ps.add(f.Pos, "filter %q: name must be lower-case letters, digits and _", f.Name)
		}
		if _, ok := builtins[f.Name]; ok {
			ps.add(f.Pos, "filter %q: the name is reserved for the engine", f.Name)
		}
		if names[f.Name] {
			ps.add(f.Pos, "filter %q is defined twice", f.Name)
		}
		names[f.Name] = true
		checkFilter(d, f, ps)
	}
	if d.QueueKey != "" {
		if f := d.Filter(d.QueueKey); f == nil {
			ps.add(d.QueueKeyPos, "queue_key %q is not a filter of this report", d.QueueKey)
		}
	}
	colNames := map[string]bool{}
	for _, c := range d.Columns {
		if c.Name == "" {
			continue
		}
		if colNames[c.Name] {
			ps.add(c.Pos, "column %q is defined twice", c.Name)
		}
		colNames[c.Name] = true
		if c.Decimals < -1 || c.Decimals > 9 {
			ps.add(c.Pos, "column %q: decimals must be between 0 and 9", c.Name)
		}
	}
	if d.Query == "" || metadata {
		return
	}
	*ps = append(*ps, staticSQLProblems(d, nil)...)
	checkRollup(d, ps)
	segs, terrs := splitTemplate(d.Query)
	for _, e := range terrs {
		ps.add(d.queryPos(e.offset), "query: %s", e.msg)
	}
	used := map[string]bool{}
	for _, s := range segs {
		phs := s.placeholders()
		if s.when != "" {
			if err := compileExprCheck(d, s.when, true); err != nil {
				ps.add(d.queryPos(s.whenOffset), "query: when %s: %v", s.when, err)
			}
			for _, f := range d.Filters {
				if strings.Contains(s.when, f.Name) {
					used[f.Name] = true
				}
			}
		} else if s.optional && len(phs) == 0 {
			ps.add(d.queryPos(s.offset), "query: an optional clause [[ … ]] must use at least one filter placeholder")
		}
		for _, p := range phs {
			used[p.name] = true
			if _, ok := builtins[p.name]; ok {
				if p.sub != "" {
					ps.add(d.queryPos(p.start), "query: %s: the builtin {%s} has no sub-fields", describePlaceholder(p), p.name)
				}
				continue
			}
			f := d.Filter(p.name)
			if f == nil {
				ps.add(d.queryPos(p.start), "query: unknown placeholder %s (filters: %s; builtins: tenant, tz, now)", describePlaceholder(p), strings.Join(filterNames(d), ", "))
				continue
			}
			if f.kind == nil {
				continue
			}
			if !hasSub(f.kind.Subfields(), p.sub) {
				ps.add(d.queryPos(p.start), "query: %s: a %s filter offers %s", describePlaceholder(p), f.Type, describeSubs(p.name, f.kind.Subfields()))
			}
			if (!s.optional || s.when != "") && !f.Required && f.Default == nil && !f.Computed() {
				ps.add(d.queryPos(p.start), "query: %s is optional (not required, no default) and must sit inside [[ … ]]", describePlaceholder(p))
			}
		}
	}
	for _, f := range d.Filters {
		if f.Validate != "" || f.Expr != "" {
			for _, other := range d.Filters {
				if strings.Contains(f.Validate+" "+f.Expr, other.Name) {
					used[other.Name] = true
				}
			}
		}
	}
	for _, f := range d.Filters {
		if f.Name != "" && !used[f.Name] && d.QueueKey != f.Name {
			ps.add(f.Pos, "filter %q is never used by the query", f.Name)
		}
	}
}

func checkFilter(d *Definition, f *Filter, ps *Problems) {
	if f.Type == "" {
		return
	}
	t, ok := LookupFilterType(f.Type)
	if !ok {
		ps.add(f.valPos, "filter %q: unknown type %q (known: %s)", f.Name, f.Type, strings.Join(FilterTypeNames(), ", "))
		return
	}
	f.kind = t
	if f.Type == "enum" && len(f.Values) == 0 {
		ps.add(f.Pos, "filter %q: an enum needs values", f.Name)
	}
	if f.Type != "enum" && len(f.Values) > 0 {
		ps.add(f.Pos, "filter %q: values only apply to enum filters", f.Name)
	}
	for _, v := range slices.Sorted(maps.Keys(f.ValueLabels)) {
		if !slices.Contains(f.Values, v) {
			ps.add(f.labelsPos[v], "filter %q: value_labels names %q, which is not one of its values (%s)", f.Name, v, strings.Join(f.Values, ", "))
		}
	}
	if f.MaxSpan != 0 && f.Type != "period" {
		ps.add(f.Pos, "filter %q: max_span only applies to period filters", f.Name)
	}
	if f.Multiple && f.Type == "period" {
		ps.add(f.Pos, "filter %q: a period cannot be multiple", f.Name)
	}
	if f.Expr != "" && (f.Required || f.Default != nil) {
		ps.add(f.Pos, "filter %q: a computed filter (expr) takes no default and is never required", f.Name)
	}
	if f.Default != nil {
		env := Env{Now: time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC), Location: time.UTC}
		if _, err := parseFilterValue(f, f.Default, env); err != nil {
			ps.add(f.valPos, "filter %q: default %v", f.Name, err)
		}
	}
	for _, src := range []struct{ what, code string }{{"validate", f.Validate}, {"expr", f.Expr}} {
		if src.code == "" {
			continue
		}
		if err := compileExprCheck(d, src.code, src.what == "validate"); err != nil {
			ps.add(f.Pos, "filter %q: %s: %v", f.Name, src.what, err)
		}
	}
}

func filterNames(d *Definition) []string {
	out := make([]string, 0, len(d.Filters))
	for _, f := range d.Filters {
		out = append(out, f.Name)
	}
	return out
}

func hasSub(subs []string, s string) bool {
	for _, x := range subs {
		if x == s {
			return true
		}
	}
	return false
}

func describeSubs(name string, subs []string) string {
	out := make([]string, len(subs))
	for i, s := range subs {
		if s == "" {
			out[i] = "{" + name + "}"
		} else {
			out[i] = "{" + name + "." + s + "}"
		}
	}
	return strings.Join(out, " and ")
}
