package chdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// rows parses TabSeparatedWithNamesAndTypes output into text values.
type rows struct {
	chunks    *chunkReader
	in        *bufio.Reader
	cols      []engine.Column
	vals      [][]byte
	nulls     []bool
	bufs      [][]byte
	line      []byte
	maxRows   int64
	n         int64
	truncated bool
	err       error
	done      bool
}

func (r *rows) readLine() ([]byte, error) {
	line, err := r.in.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A row longer than the buffer: gather it.
		r.line = append(r.line[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.in.ReadSlice('\n')
			r.line = append(r.line, line...)
		}
		line = r.line
	}
	if err != nil && !(err == io.EOF && len(line) > 0) {
		return nil, err
	}
	return bytes.TrimSuffix(line, []byte{'\n'}), nil
}

func (r *rows) readHeader() error {
	names, err := r.readLine()
	if err == io.EOF {
		return nil // no columns at all (e.g. an empty result of a non-SELECT)
	}
	if err != nil {
		return err
	}
	nameFields := bytes.Split(bytes.Clone(names), []byte{'\t'})
	types, err := r.readLine()
	if err != nil {
		return fmt.Errorf("chdb: reading result types: %w", err)
	}
	typeFields := bytes.Split(types, []byte{'\t'})
	if len(typeFields) != len(nameFields) {
		return errors.New("chdb: result header has mismatched names and types")
	}
	r.cols = make([]engine.Column, len(nameFields))
	for i := range nameFields {
		n, _ := chsql.UnescapeTSV(nil, nameFields[i])
		t, _ := chsql.UnescapeTSV(nil, typeFields[i])
		r.cols[i] = engine.Column{Name: string(n), Type: string(t)}
	}
	r.vals = make([][]byte, len(r.cols))
	r.nulls = make([]bool, len(r.cols))
	r.bufs = make([][]byte, len(r.cols))
	return nil
}

func (r *rows) Columns() []engine.Column { return r.cols }

func (r *rows) Next() bool {
	if r.done || r.err != nil || r.in == nil {
		return false
	}
	if r.maxRows > 0 && r.n >= r.maxRows {
		// Peek one more row to tell a result of exactly MaxRows from a longer one.
		if _, err := r.in.Peek(1); err == nil {
			r.truncated = true
		}
		r.done = true
		return false
	}
	line, err := r.readLine()
	if err == io.EOF {
		r.done = true
		return false
	}
	if err != nil {
		r.err = err
		return false
	}
	col := 0
	for start := 0; ; {
		end := bytes.IndexByte(line[start:], '\t')
		var field []byte
		if end < 0 {
			field = line[start:]
		} else {
			field = line[start : start+end]
		}
		if col >= len(r.cols) {
			r.err = fmt.Errorf("chdb: row %d has more fields than columns", r.n+1)
			return false
		}
		if bytes.IndexByte(field, '\\') < 0 {
			r.vals[col], r.nulls[col] = field, false
		} else {
			r.bufs[col], r.nulls[col] = chsql.UnescapeTSV(r.bufs[col], field)
			r.vals[col] = r.bufs[col]
			if r.nulls[col] {
				r.vals[col] = nil
			}
		}
		col++
		if end < 0 {
			break
		}
		start += end + 1
	}
	if col != len(r.cols) {
		r.err = fmt.Errorf("chdb: row %d has %d fields, want %d", r.n+1, col, len(r.cols))
		return false
	}
	r.n++
	return true
}

func (r *rows) Values() [][]byte  { return r.vals }
func (r *rows) IsNull(i int) bool { return r.nulls[i] }
func (r *rows) Truncated() bool   { return r.truncated }
func (r *rows) Err() error        { return r.err }

// Close stops the query; rows already buffered are dropped, so Next reports
// false from here on, as every backend's does.
func (r *rows) Close() error {
	r.done = true
	return r.chunks.Close()
}
