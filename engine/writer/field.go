package writer

import (
	"errors"
	"fmt"

	"github.com/relato/relato/engine"
)

// Kind is how a column's values are rendered; the values are the report DSL's
// column types.
type Kind string

// Column kinds.
const (
	KindString   Kind = "string"
	KindInt      Kind = "int"
	KindNumber   Kind = "number"
	KindPercent  Kind = "percent"
	KindDuration Kind = "duration"
	KindDatetime Kind = "datetime"
	KindDate     Kind = "date"
	KindBool     Kind = "bool"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindString, KindInt, KindNumber, KindPercent, KindDuration, KindDatetime, KindDate, KindBool:
		return true
	}
	return false
}

// Field is one output column.
type Field struct {
	Name  string // result column name in engine.Rows
	Label string // header text; Name when empty
	Kind  Kind
	// Decimals rounds number, percent and duration values to this many places;
	// -1 keeps numbers as the warehouse returns them and uses 2 for percent and
	// duration.
	Decimals int
	// Values are the labels of the column's codes in the file's language,
	// code → label (engine.ColumnDef.StaticLabels, engine.Definition.LabelsIn):
	// a cell holding a listed code is written as its label, any other as
	// it is (an unknown code stays visible, never blank). nil: no labels.
	Values map[string]string
}

func (f Field) header() string {
	if f.Label != "" {
		return f.Label
	}
	return f.Name
}

// FieldsFor builds the fields of a definition's columns with labels in lang,
// the codes of each column labelled as far as the definition knows them
// (engine.ColumnDef.StaticLabels); WithValueLabels adds the tenant's.
func FieldsFor(cols []engine.ColumnDef, lang string) []Field {
	fs := make([]Field, len(cols))
	for i, c := range cols {
		fs[i] = Field{Name: c.Name, Label: c.Label.In(lang), Kind: Kind(c.Type), Decimals: c.Decimals, Values: c.StaticLabels(lang)}
	}
	return fs
}

// WithValueLabels returns a copy of fields where each field named in vl
// labels its codes with vl's (engine.Definition.LabelsIn); the others are
// kept.
func WithValueLabels(fields []Field, vl engine.ValueLabels) []Field {
	out := make([]Field, len(fields))
	copy(out, fields)
	for i := range out {
		if m, ok := vl[out[i].Name]; ok {
			out[i].Values = m
		}
	}
	return out
}

// WithoutValueLabels returns a copy of fields that write codes as they are:
// the formats whose contract is the warehouse's values (csv-exact).
func WithoutValueLabels(fields []Field) []Field {
	out := make([]Field, len(fields))
	copy(out, fields)
	for i := range out {
		out[i].Values = nil
	}
	return out
}

// codeLabels are, per field, its code → label as bytes, so a written cell
// costs one map lookup and no allocation; nil where a field has none.
type codeLabels []map[string][]byte

func codeLabelsOf(fields []Field) codeLabels {
	var out codeLabels
	for i, f := range fields {
		if len(f.Values) == 0 {
			continue
		}
		if out == nil {
			out = make(codeLabels, len(fields))
		}
		m := make(map[string][]byte, len(f.Values))
		for code, label := range f.Values {
			m[code] = []byte(label)
		}
		out[i] = m
	}
	return out
}

// label is field i's cell v with a listed code replaced by its label.
func (c codeLabels) label(i int, v []byte) []byte {
	if c == nil || c[i] == nil {
		return v
	}
	if l, ok := c[i][string(v)]; ok {
		return l
	}
	return v
}

// Stats tells what a writer produced.
type Stats struct {
	Rows  int64 // data rows, header excluded
	Bytes int64 // bytes written to the destination
	// TextNumbers counts number and percent cells written as text so that
	// no digit is lost (XLSX: more than 15 significant digits).
	TextNumbers int64
	// CutCells counts text cells cut to the format's limit (XLSX: 32,767
	// characters per cell).
	CutCells int64
}

// ErrTooManyRows is returned by WriteXLSX when the result does not fit in one
// Excel sheet (1,048,576 rows, header included).
var ErrTooManyRows = errors.New("result exceeds Excel's limit of 1,048,576 rows per sheet; download it as CSV instead")

// ErrUnknownColumn is returned when a field names a column the result lacks.
var ErrUnknownColumn = errors.New("column not in result")

const (
	// checkEvery is how many rows pass between context checks.
	checkEvery = 1024
	// progressEvery is how many rows pass between progress reports.
	progressEvery = 100_000
)

// columnIndex maps each field to its column position in the result.
func columnIndex(fields []Field, cols []engine.Column) ([]int, error) {
	idx := make([]int, len(fields))
	for i, f := range fields {
		if !f.Kind.Valid() {
			return nil, fmt.Errorf("column %q: unknown kind %q", f.Name, f.Kind)
		}
		idx[i] = -1
		for j, c := range cols {
			if c.Name == f.Name {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			return nil, fmt.Errorf("%w: %q", ErrUnknownColumn, f.Name)
		}
	}
	return idx, nil
}

func canceled(err error) error {
	return fmt.Errorf("%w: %w", engine.ErrCanceled, err)
}
