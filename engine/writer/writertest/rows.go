// Package writertest provides in-memory engine.Rows for testing result writers
// and anything else that consumes a row stream.
package writertest

import "github.com/relato/relato/engine"

// Null marks a NULL value in New's rows.
var Null = nullValue{}

type nullValue struct{}

// Rows is an in-memory engine.Rows over fixed values.
type Rows struct {
	cols   []engine.Column
	data   [][][]byte // nil entry = NULL
	cur    int
	err    error
	cut    bool
	Closed bool
}

var _ engine.Rows = (*Rows)(nil)

// New returns rows with the named columns (type String) and values, each a
// string or Null.
func New(cols []string, rows ...[]any) *Rows {
	r := &Rows{cols: columns(cols), cur: -1}
	for _, row := range rows {
		vals := make([][]byte, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case string:
				vals[i] = []byte(v)
			case nullValue:
				vals[i] = nil
			default:
				panic("writertest: values are strings or Null")
			}
		}
		r.data = append(r.data, vals)
	}
	return r
}

// Cut makes Truncated report true, like a result cut at its max_rows.
func (r *Rows) Cut() *Rows { r.cut = true; return r }

// FailWith makes Err report err once the rows are exhausted.
func (r *Rows) FailWith(err error) *Rows { r.err = err; return r }

func columns(names []string) []engine.Column {
	cs := make([]engine.Column, len(names))
	for i, n := range names {
		cs[i] = engine.Column{Name: n, Type: "String"}
	}
	return cs
}

func (r *Rows) Columns() []engine.Column { return r.cols }
func (r *Rows) Next() bool {
	if r.cur+1 >= len(r.data) {
		r.cur = len(r.data)
		return false
	}
	r.cur++
	return true
}
func (r *Rows) Values() [][]byte  { return r.data[r.cur] }
func (r *Rows) IsNull(i int) bool { return r.data[r.cur][i] == nil }
func (r *Rows) Truncated() bool   { return r.cut }
func (r *Rows) Err() error        { return r.err }
func (r *Rows) Close() error      { r.Closed = true; return nil }

// Generated is an engine.Rows of n rows produced on demand by Fill, for large
// streams that should not sit in memory.
type Generated struct {
	cols []engine.Column
	n    int64
	i    int64
	// Fill sets the values of row i (0-based): vals[j] = append(vals[j][:0], ...)
	// reuses the buffers; vals[j] = nil makes the value NULL.
	fill func(i int64, vals [][]byte)
	vals [][]byte
}

var _ engine.Rows = (*Generated)(nil)

// Generate returns n rows of the named columns filled by fill.
func Generate(cols []string, n int64, fill func(i int64, vals [][]byte)) *Generated {
	vals := make([][]byte, len(cols))
	for i := range vals {
		vals[i] = make([]byte, 0, 32)
	}
	return &Generated{cols: columns(cols), n: n, fill: fill, vals: vals}
}

func (g *Generated) Columns() []engine.Column { return g.cols }
func (g *Generated) Next() bool {
	if g.i >= g.n {
		return false
	}
	for j := range g.vals {
		if g.vals[j] == nil {
			g.vals[j] = make([]byte, 0, 32)
		}
	}
	g.fill(g.i, g.vals)
	g.i++
	return true
}
func (g *Generated) Values() [][]byte  { return g.vals }
func (g *Generated) IsNull(i int) bool { return g.vals[i] == nil }
func (g *Generated) Truncated() bool   { return false }
func (g *Generated) Err() error        { return nil }
func (g *Generated) Close() error      { return nil }
