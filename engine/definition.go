package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Pos is a position in a definition file, printed as file:line:col.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Text is a translatable string: language tag → text.
type Text map[string]string

// DefaultLanguage is what users see when they ask for nothing else.
const DefaultLanguage = "pt-BR"

// In returns the text in lang, falling back to pt-BR, English, then any.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if i := strings.IndexByte(lang, '-'); i > 0 {
		if s, ok := t[lang[:i]]; ok {
			return s
		}
	}
	for _, l := range []string{DefaultLanguage, "en"} {
		if s, ok := t[l]; ok {
			return s
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return t[keys[0]]
	}
	return ""
}

// Definition is one report as its author wrote it, validated.
type Definition struct {
	ID          string
	Version     int
	Title       Text
	Description Text
	Category    string
	Filters     []*Filter
	Limits      Limits
	Query       string
	Columns     []*ColumnDef
	// QueueKey names the filter whose value serialises runs (DESIGN §6); "" = none.
	QueueKey string
	// Rollup is the report's query over a rollup table, run instead of Query
	// when the filters allow it (rollup.go); nil = none.
	Rollup *Rollup

	File string
	Pos  Pos // of the document
	// Positions of single values, for errors that point at them.
	IDPos, VersionPos, QueueKeyPos Pos
	QueryPos                       Pos // of the first line of the query text
}

// Filter is one input of a report.
type Filter struct {
	Name     string
	Type     string
	Label    Text
	Required bool
	Multiple bool
	// Default is the value used when the caller gives none (raw, parsed like input).
	Default any
	// Values lists an enum's allowed values.
	Values []string
	// ValueLabels names an enum's values in each language (YAML
	// value_labels: {negative: {pt-BR: negativos, en: negative}}): how a run
	// shows the filter in words. A value without one is shown as itself.
	ValueLabels map[string]Text
	// MaxSpan caps a period's length (0 = no cap).
	MaxSpan time.Duration
	// Validate is an expr-lang boolean rule over the resolved filter values.
	Validate string
	// Expr computes the filter's value from the others (not settable by callers).
	Expr string
	// Message is shown when Validate fails.
	Message Text

	Pos       Pos
	kind      FilterType
	valPos    Pos
	labelsPos map[string]Pos // value_labels keys
}

// Kind returns the filter's registered type.
func (f *Filter) Kind() FilterType { return f.kind }

// Computed reports whether the filter's value comes from Expr.
func (f *Filter) Computed() bool { return f.Expr != "" }

// Limits bound what one run may cost.
type Limits struct {
	MaxRows int64
	Timeout time.Duration
}

// ColumnType is how a result column is typed and rendered.
type ColumnType string

// Column types of the DSL.
const (
	ColString   ColumnType = "string"
	ColInt      ColumnType = "int"
	ColNumber   ColumnType = "number"
	ColPercent  ColumnType = "percent"
	ColDuration ColumnType = "duration"
	ColDatetime ColumnType = "datetime"
	ColDate     ColumnType = "date"
	ColBool     ColumnType = "bool"
)

var columnTypes = []ColumnType{ColString, ColInt, ColNumber, ColPercent, ColDuration, ColDatetime, ColDate, ColBool}

// ColumnDef is one output column.
type ColumnDef struct {
	Name     string
	Type     ColumnType
	Label    Text
	Decimals int // -1 = as the warehouse returns it
	// Personal is the kind of personal data the column holds (personal.go);
	// "" when it declares none.
	Personal Personal
	// Values names the column's codes as people see them: code → text in
	// pt-BR and English (`values: {voice: {pt-BR: Voz, en: Voice}}`).
	// ValuesFrom takes them from a lookup kind or a shared value set instead
	// (`values_from: channel`, see ValueSetNames). At most one of the two is
	// set, on string columns only; a code without a label is shown as itself
	// (labels.go).
	Values     map[string]Text
	ValuesFrom string
	Pos        Pos
}

// Places is how many decimals the column's numbers are rounded to wherever
// they are shown or written: Decimals when set, else 2 for percent and
// duration and -1 (as the warehouse returns them) for the others — the rule
// engine/writer applies to files, so the view and the rows API agree with a
// download.
func (c ColumnDef) Places() int {
	switch {
	case c.Decimals >= 0 && c.Type != ColString && c.Type != ColDate && c.Type != ColDatetime && c.Type != ColBool:
		return c.Decimals
	case c.Type == ColPercent || c.Type == ColDuration:
		return 2
	case c.Type == ColInt:
		return 0
	}
	return -1
}

// Identifier reports whether the column holds ids or codes rather than
// quantities: an int column named id or ending in _id or _code (event_id,
// conversation_id, error_code). Pages show them without thousands separators
// (1000000396689, never 1.000.000.396.689).
func (c ColumnDef) Identifier() bool {
	return c.Type == ColInt && (c.Name == "id" || strings.HasSuffix(c.Name, "_id") || strings.HasSuffix(c.Name, "_code"))
}

// Filter returns the filter named name, or nil.
func (d *Definition) Filter(name string) *Filter {
	for _, f := range d.Filters {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Problem is one user-facing error about a definition, with its position.
type Problem struct {
	Pos Pos
	Msg string
}

func (p Problem) Error() string { return p.Pos.String() + ": " + p.Msg }

// Problems is every problem found in one or more files.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Error()
	}
	return strings.Join(s, "\n")
}

func (ps *Problems) add(pos Pos, format string, args ...any) {
	*ps = append(*ps, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders problems by file and position.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Pos, ps[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
