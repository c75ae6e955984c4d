package engine

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/relato/relato/engine/i18n"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Catalog is a set of loaded definitions keyed by id.
type Catalog struct {
	Reports map[string]*Definition
	// Fixtures maps a report id to the fixture file beside it, if any.
	Fixtures map[string]string
}

// List returns the definitions sorted by category then id.
func (c *Catalog) List() []*Definition {
	out := make([]*Definition, 0, len(c.Reports))
	for _, d := range c.Reports {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// LoadCatalog loads every *.yaml under root in fsys (except *_test.yaml
// fixtures and the schema folder), checks each, and returns all problems of all
// files together. Positions name files as prefix/relative-path.
func LoadCatalog(fsys fs.FS, root, prefix string) (*Catalog, error) {
	cat := &Catalog{Reports: map[string]*Definition{}, Fixtures: map[string]string{}}
	var problems Problems
	err := fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, "_test.yaml") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := p
		if prefix != "" {
			name = path.Join(prefix, strings.TrimPrefix(strings.TrimPrefix(p, root), "/"))
		}
		def, ps := ParseDefinition(name, data)
		problems = append(problems, ps...)
		if def == nil {
			return nil
		}
		if prev, ok := cat.Reports[def.ID]; ok {
			problems.add(def.Pos, "report id %q is already defined in %s", def.ID, prev.File)
			return nil
		}
		cat.Reports[def.ID] = def
		fixture := strings.TrimSuffix(p, ".yaml") + "_test.yaml"
		if _, err := fs.Stat(fsys, fixture); err == nil {
			cat.Fixtures[def.ID] = fixture
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		problems.Sort()
		return cat, problems
	}
	return cat, nil
}

// ParseDefinition parses and checks one definition file. It returns the
// definition (nil when it cannot be built at all) and every problem found.
func ParseDefinition(file string, data []byte) (*Definition, Problems) {
	return parseDefinition(file, data, false)
}

// ParseMetadata parses the definition of a report computed by code (a
// plugin): every field and rule of a YAML report except the query, which it
// must not have.
func ParseMetadata(file string, data []byte) (*Definition, Problems) {
	return parseDefinition(file, data, true)
}

func parseDefinition(file string, data []byte, metadata bool) (*Definition, Problems) {
	var ps Problems
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		ps = append(ps, yamlProblem(file, err))
		return nil, ps
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		ps.add(Pos{File: file, Line: 1, Col: 1}, "a definition must be a YAML mapping")
		return nil, ps
	}
	root := doc.Content[0]
	l := &loader{file: file, ps: &ps}
	d := &Definition{File: file, Pos: l.pos(root)}
	seen := l.fields(root, "", map[string]func(k, v *yaml.Node){
		"id":          func(_, v *yaml.Node) { d.ID, d.IDPos = l.str(v, "id"), l.pos(v) },
		"version":     func(_, v *yaml.Node) { d.Version, d.VersionPos = l.int(v, "version"), l.pos(v) },
		"title":       func(_, v *yaml.Node) { d.Title = l.text(v, "title") },
		"description": func(_, v *yaml.Node) { d.Description = l.text(v, "description") },
		"category":    func(_, v *yaml.Node) { d.Category = l.str(v, "category") },
		"filters":     func(_, v *yaml.Node) { d.Filters = l.filters(v) },
		"limits":      func(_, v *yaml.Node) { d.Limits = l.limits(v) },
		"query": func(_, v *yaml.Node) {
			d.Query = l.str(v, "query")
			d.QueryPos = l.pos(v)
			if v.Style == yaml.LiteralStyle || v.Style == yaml.FoldedStyle {
				// The text starts on the line after `|`, at that line's indentation.
				d.QueryPos.Line++
				d.QueryPos.Col = 1
				lines := strings.Split(string(data), "\n")
				if v.Line < len(lines) {
					first := lines[v.Line]
					d.QueryPos.Col = len(first) - len(strings.TrimLeft(first, " ")) + 1
				}
			}
		},
		"columns":   func(_, v *yaml.Node) { d.Columns = l.columns(v) },
		"queue_key": func(_, v *yaml.Node) { d.QueueKey, d.QueueKeyPos = l.str(v, "queue_key"), l.pos(v) },
		"rollup":    func(_, v *yaml.Node) { d.Rollup = l.rollup(v, data) },
	})
	for _, req := range []string{"id", "version", "title", "category", "query", "columns", "limits"} {
		if !seen[req] && !(metadata && req == "query") {
			ps.add(d.Pos, "missing required field %q", req)
		}
	}
	if metadata && seen["query"] {
		ps.add(d.QueryPos, "a report computed by code has no query")
	}
	checkDefinition(d, seen, l, root, &ps, metadata)
	ps.Sort()
	return d, ps
}

func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	line := 1
	if m := regexp.MustCompile(`^yaml: line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if strings.HasPrefix(msg, "did not find expected") { // yaml.v3 counts parser-error lines from 0
			line++
		}
	}
	return Problem{Pos: Pos{File: file, Line: line, Col: 1}, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

type loader struct {
	file string
	ps   *Problems
}

func (l *loader) pos(n *yaml.Node) Pos { return Pos{File: l.file, Line: n.Line, Col: n.Column} }

func (l *loader) errf(n *yaml.Node, format string, args ...any) {
	l.ps.add(l.pos(n), format, args...)
}

// fields walks a mapping, calling the handler of each known key; unknown and
// repeated keys are problems. It returns the keys seen.
func (l *loader) fields(n *yaml.Node, what string, handlers map[string]func(k, v *yaml.Node)) map[string]bool {
	seen := map[string]bool{}
	if n.Kind != yaml.MappingNode {
		l.errf(n, "%s must be a mapping", strings.TrimSpace(what))
		return seen
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		h, ok := handlers[k.Value]
		if !ok {
			known := make([]string, 0, len(handlers))
			for name := range handlers {
				known = append(known, name)
			}
			sort.Strings(known)
			l.errf(k, "%sunknown field %q (known: %s)", what, k.Value, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			l.errf(k, "%sfield %q is repeated", what, k.Value)
			continue
		}
		seen[k.Value] = true
		h(k, v)
	}
	return seen
}

func (l *loader) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errf(n, "%s must be a string", field)
		return ""
	}
	return n.Value
}

func (l *loader) int(n *yaml.Node, field string) int {
	if n.Kind != yaml.ScalarNode {
		l.errf(n, "%s must be an integer", field)
		return 0
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		l.errf(n, "%s must be an integer, got %q", field, n.Value)
	}
	return v
}

func (l *loader) bool(n *yaml.Node, field string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		l.errf(n, "%s must be true or false, got %q", field, n.Value)
	}
	return b
}

func (l *loader) duration(n *yaml.Node, field string) time.Duration {
	if n.Kind != yaml.ScalarNode {
		l.errf(n, "%s must be a duration like 30s, 2m or 31d", field)
		return 0
	}
	d, err := ParseDuration(n.Value)
	if err != nil {
		l.errf(n, "%s: %v", field, err)
	}
	return d
}

func (l *loader) text(n *yaml.Node, field string) Text {
	t := Text{}
	if n.Kind == yaml.ScalarNode {
		t[DefaultLanguage] = n.Value
		return t
	}
	if n.Kind != yaml.MappingNode {
		l.errf(n, "%s must be a text or a mapping of language → text", field)
		return t
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !regexp.MustCompile(`^[a-z]{2}(-[A-Z]{2})?$`).MatchString(k.Value) {
			l.errf(k, "%s: %q is not a language tag like pt-BR or en", field, k.Value)
			continue
		}
		t[k.Value] = l.str(v, field+"."+k.Value)
	}
	if t[DefaultLanguage] == "" {
		l.errf(n, "%s: missing the %s text", field, DefaultLanguage)
	}
	return t
}

func (l *loader) filters(n *yaml.Node) []*Filter {
	if n.Kind != yaml.SequenceNode {
		l.errf(n, "filters must be a list")
		return nil
	}
	var out []*Filter
	for _, fn := range n.Content {
		f := &Filter{Pos: l.pos(fn)}
		var defNode *yaml.Node
		seen := l.fields(fn, "filter: ", map[string]func(k, v *yaml.Node){
			"name":     func(_, v *yaml.Node) { f.Name = l.str(v, "name") },
			"type":     func(_, v *yaml.Node) { f.Type = l.str(v, "type"); f.valPos = l.pos(v) },
			"label":    func(_, v *yaml.Node) { f.Label = l.text(v, "label") },
			"required": func(_, v *yaml.Node) { f.Required = l.bool(v, "required") },
			"multiple": func(_, v *yaml.Node) { f.Multiple = l.bool(v, "multiple") },
			"default":  func(_, v *yaml.Node) { defNode = v },
			"values": func(_, v *yaml.Node) {
				if v.Kind != yaml.SequenceNode {
					l.errf(v, "values must be a list")
					return
				}
				for _, x := range v.Content {
					f.Values = append(f.Values, l.str(x, "values"))
				}
			},
			"value_labels": func(_, v *yaml.Node) {
				if v.Kind != yaml.MappingNode {
					l.errf(v, "value_labels must be a mapping of value → text")
					return
				}
				f.ValueLabels, f.labelsPos = map[string]Text{}, map[string]Pos{}
				for i := 0; i+1 < len(v.Content); i += 2 {
					f.ValueLabels[v.Content[i].Value] = l.text(v.Content[i+1], "value_labels."+v.Content[i].Value)
					f.labelsPos[v.Content[i].Value] = l.pos(v.Content[i])
				}
			},
			"max_span": func(_, v *yaml.Node) { f.MaxSpan = l.duration(v, "max_span") },
			"validate": func(_, v *yaml.Node) { f.Validate = l.str(v, "validate") },
			"expr":     func(_, v *yaml.Node) { f.Expr = l.str(v, "expr") },
			"message":  func(_, v *yaml.Node) { f.Message = l.text(v, "message") },
		})
		if !seen["name"] {
			l.errf(fn, "filter: missing required field \"name\"")
		}
		if !seen["type"] {
			l.errf(fn, "filter %q: missing required field \"type\"", f.Name)
		}
		if defNode != nil {
			if defNode.Tag == "!!timestamp" { // keep 2024-01-31 as written, like any caller's text
				defNode.Tag = "!!str"
			}
			var v any
			if err := defNode.Decode(&v); err != nil {
				l.errf(defNode, "filter %q: default: %v", f.Name, err)
			}
			f.Default = v
			f.valPos = l.pos(defNode)
		}
		out = append(out, f)
	}
	return out
}

func (l *loader) limits(n *yaml.Node) Limits {
	var lim Limits
	seen := l.fields(n, "limits: ", map[string]func(k, v *yaml.Node){
		"max_rows": func(_, v *yaml.Node) { lim.MaxRows = int64(l.int(v, "max_rows")) },
		"timeout":  func(_, v *yaml.Node) { lim.Timeout = l.duration(v, "timeout") },
	})
	if n.Kind == yaml.MappingNode {
		if !seen["max_rows"] {
			l.errf(n, "limits: missing required field \"max_rows\"")
		}
		if !seen["timeout"] {
			l.errf(n, "limits: missing required field \"timeout\"")
		}
	}
	if seen["max_rows"] && lim.MaxRows <= 0 {
		l.errf(n, "limits: max_rows must be positive")
	}
	if seen["timeout"] && lim.Timeout <= 0 {
		l.errf(n, "limits: timeout must be positive")
	}
	return lim
}

func (l *loader) columns(n *yaml.Node) []*ColumnDef {
	if n.Kind != yaml.SequenceNode {
		l.errf(n, "columns must be a list")
		return nil
	}
	var out []*ColumnDef
	for _, cn := range n.Content {
		c := &ColumnDef{Pos: l.pos(cn), Decimals: -1}
		var typeNode, personalNode, valuesNode *yaml.Node
		seen := l.fields(cn, "column: ", map[string]func(k, v *yaml.Node){
			"personal": func(_, v *yaml.Node) { c.Personal = Personal(l.str(v, "personal")); personalNode = v },
			"name":     func(_, v *yaml.Node) { c.Name = l.str(v, "name") },
			"type":     func(_, v *yaml.Node) { c.Type = ColumnType(l.str(v, "type")); typeNode = v },
			"label":    func(_, v *yaml.Node) { c.Label = l.text(v, "label") },
			"decimals": func(_, v *yaml.Node) { c.Decimals = l.int(v, "decimals") },
			"values":   func(_, v *yaml.Node) { c.Values = l.valueLabels(v, c.Name); valuesNode = v },
			"values_from": func(_, v *yaml.Node) {
				c.ValuesFrom = l.str(v, "values_from")
				valuesNode = v
				if c.ValuesFrom != "" && !validValueSet(c.ValuesFrom) {
					l.errf(v, "column %q: values_from: unknown value set %q (known: %s)", c.Name, c.ValuesFrom, strings.Join(ValueSetNames(), ", "))
				}
			},
		})
		if seen["values"] && seen["values_from"] {
			l.errf(valuesNode, "column %q: values and values_from exclude each other (declare the labels or name where they come from)", c.Name)
		}
		if valuesNode != nil && typeNode != nil && c.Type != ColString {
			l.errf(valuesNode, "column %q: labels of values need a string column (it is %s)", c.Name, c.Type)
		}
		for _, req := range []string{"name", "type", "label"} {
			if !seen[req] {
				l.errf(cn, "column %q: missing required field %q", c.Name, req)
			}
		}
		if typeNode != nil && !validColumnType(c.Type) {
			l.errf(typeNode, "column %q: unknown type %q (known: %s)", c.Name, c.Type, joinTypes())
		}
		if personalNode != nil {
			switch {
			case !validPersonal(c.Personal):
				l.errf(personalNode, "column %q: unknown personal kind %q (known: %s)", c.Name, c.Personal, joinPersonal())
			case c.IsPersonal() && c.Type != ColString:
				l.errf(personalNode, "column %q: personal data is masked as text, so the column must be of type string (it is %s)", c.Name, c.Type)
			}
		}
		out = append(out, c)
	}
	return out
}

// valueLabels reads a column's `values:` mapping, code → {pt-BR, en}: each
// code a non-empty string given once, each label in both languages.
func (l *loader) valueLabels(n *yaml.Node, column string) map[string]Text {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		l.errf(n, "column %q: values must be a mapping of code → labels, like {voice: {pt-BR: Voz, en: Voice}}", column)
		return nil
	}
	out := map[string]Text{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			l.errf(k, "column %q: values: a code must be a non-empty text", column)
			continue
		}
		if _, dup := out[k.Value]; dup {
			l.errf(k, "column %q: values: code %q is repeated", column, k.Value)
			continue
		}
		field := fmt.Sprintf("column %q: values: %s", column, k.Value)
		if v.Kind != yaml.MappingNode {
			l.errf(v, "%s: must be a mapping of language → label, like {pt-BR: Voz, en: Voice}", field)
			continue
		}
		t := l.text(v, field)
		if t["en"] == "" && t[DefaultLanguage] != "" {
			l.errf(v, "%s: missing the en text", field)
		}
		out[k.Value] = t
	}
	return out
}

func validColumnType(t ColumnType) bool {
	for _, x := range columnTypes {
		if x == t {
			return true
		}
	}
	return false
}

func joinTypes() string {
	s := make([]string, len(columnTypes))
	for i, t := range columnTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// ParseDuration accepts Go durations plus a `d` (24 h) unit: 20s, 2m, 1h30m, 31d.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil {
			return 0, i18n.Errorf(i18n.FilterInvalidDuration, s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, i18n.Errorf(i18n.FilterInvalidDuration, s)
	}
	return d, nil
}
