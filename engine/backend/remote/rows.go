package remote

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/relato/relato/engine"
)

// rows streams a driver result, one block at a time (the driver keeps a small
// buffer of decoded blocks), and renders each value as text.
type rows struct {
	b       *Backend
	ctx     context.Context // the caller's, to tell its cancellation apart
	cancel  context.CancelFunc
	dr      driver.Rows
	loc     *time.Location
	cols    []engine.Column
	types   []*chType
	dests   []any
	vals    [][]byte
	nulls   []bool
	bufs    [][]byte
	maxRows int64
	n       int64

	truncated, done, closed bool
	err                     error
}

func newRows(b *Backend, ctx context.Context, cancel context.CancelFunc, dr driver.Rows, loc *time.Location, maxRows int64) (*rows, error) {
	cts := dr.ColumnTypes()
	r := &rows{
		b: b, ctx: ctx, cancel: cancel, dr: dr, loc: loc, maxRows: maxRows,
		cols:  make([]engine.Column, len(cts)),
		types: make([]*chType, len(cts)),
		dests: make([]any, len(cts)),
		vals:  make([][]byte, len(cts)),
		nulls: make([]bool, len(cts)),
		bufs:  make([][]byte, len(cts)),
	}
	for i, ct := range cts {
		r.cols[i] = engine.Column{Name: ct.Name(), Type: ct.DatabaseTypeName()}
		r.types[i] = parseType(ct.DatabaseTypeName())
		st := ct.ScanType()
		if st == nil {
			var v any
			r.dests[i] = &v
			continue
		}
		r.dests[i] = reflect.New(st).Interface()
	}
	return r, nil
}

func (r *rows) Columns() []engine.Column { return r.cols }

func (r *rows) Next() bool {
	if r.done || r.err != nil || r.closed {
		return false
	}
	if r.maxRows > 0 && r.n >= r.maxRows {
		// Read one row past the cap to tell "exactly MaxRows" from "more".
		r.truncated = r.dr.Next()
		if !r.truncated {
			r.setErr(r.dr.Err())
		}
		r.done = true
		return false
	}
	if !r.dr.Next() {
		r.setErr(r.dr.Err())
		r.done = true
		return false
	}
	if err := r.dr.Scan(r.dests...); err != nil {
		r.setErr(err)
		return false
	}
	for i, d := range r.dests {
		v := reflect.ValueOf(d).Elem()
		if isNil(v) {
			r.vals[i], r.nulls[i] = nil, true
			continue
		}
		buf, err := appendText(r.bufs[i][:0], v, r.types[i], r.loc, false)
		if err != nil {
			r.err = fmt.Errorf("remote clickhouse: column %s (%s): %w", r.cols[i].Name, r.cols[i].Type, err)
			return false
		}
		r.bufs[i] = buf
		r.vals[i], r.nulls[i] = buf, false
	}
	r.n++
	return true
}

func (r *rows) setErr(err error) {
	if err != nil && r.err == nil {
		r.err = r.b.queryError(r.ctx, err)
	}
}

func (r *rows) Values() [][]byte  { return r.vals }
func (r *rows) IsNull(i int) bool { return r.nulls[i] }
func (r *rows) Truncated() bool   { return r.truncated }
func (r *rows) Err() error        { return r.err }

// Close stops the query if it is still running: cancelling its context makes
// the driver send Cancel to the server and drop that connection (a half-read
// connection cannot be reused), so closing mid-stream never reads the rest.
func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.cancel()
	r.dr.Close()
	return nil
}
