package export

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// formattedBackend is a warehouse that returns its own rendering of a result
// in a ClickHouse output format, streamed (the embedded backend).
type formattedBackend interface {
	QueryFormatted(ctx context.Context, q engine.Query, format string) (io.ReadCloser, error)
}

// sqlDialects are the formats whose files the warehouse can render itself
// (writer.CSVLineSQL), by format id.
var sqlDialects = map[string]writer.Dialect{"csv": writer.RFC4180, "csv-exact": writer.RFC4180Exact}

// sqlRendered turns the warehouse-rendered path on; tests turn it off to
// compare both paths byte for byte.
var sqlRendered = true

// sqlRenderedRuns counts the files the warehouse rendered (tests read it).
var sqlRenderedRuns atomic.Int64

// runSQLRendered writes f's file with every line rendered by the warehouse
// (writer.CSVLineSQL) and the header by writer.WriteCSV, so the bytes are the
// writer's. done is false, with nothing written, when the result has a
// column the warehouse cannot render exactly: the caller writes it in Go.
func runSQLRendered(ctx context.Context, b engine.Backend, fb formattedBackend, comp *engine.Compiled, q engine.Query, d writer.Dialect,
	loc *time.Location, fields []writer.Field, w *bufio.Writer, progress func(int64)) (res Result, done bool, err error) {
	head := q
	head.SQL = "SELECT * FROM (\n" + q.SQL + "\n) LIMIT 0"
	head.MaxRows = 0
	hr, err := b.Query(ctx, head)
	if err != nil {
		return res, true, err
	}
	cols := hr.Columns()
	hr.Close()
	if err := engine.CheckColumns(comp.Def, cols); err != nil {
		return res, true, err
	}
	line, ok := writer.CSVLineSQL(fields, cols, d, loc)
	if !ok {
		return res, false, nil
	}
	st, err := writer.WriteCSV(ctx, w, fields, noRows(cols), d, nil)
	if err != nil {
		return res, true, err
	}
	res.Bytes = st.Bytes
	sqlRenderedRuns.Add(1)
	body := q
	body.SQL = "SELECT concat(" + line + ", '\\r\\n') FROM (\n" + q.SQL + "\n)"
	if q.MaxRows > 0 {
		body.SQL += " LIMIT " + strconv.FormatInt(q.MaxRows+1, 10)
	}
	body.MaxRows = 0
	// RowBinary frames each line with its length, so lines holding line
	// breaks are counted right; Go copies the bytes.
	r, err := fb.QueryFormatted(ctx, body, "RowBinary")
	if err != nil {
		return res, true, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 256<<10)
	for {
		n, err := binary.ReadUvarint(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, true, fmt.Errorf("export: read rendered line: %w", err)
		}
		if q.MaxRows > 0 && res.Rows == q.MaxRows {
			res.Truncated = true
			break
		}
		for n > 0 {
			chunk, err := br.Peek(int(min(n, uint64(br.Size()))))
			if len(chunk) == 0 {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return res, true, fmt.Errorf("export: read rendered line: %w", err)
			}
			m, werr := w.Write(chunk)
			res.Bytes += int64(m)
			if werr != nil {
				return res, true, werr
			}
			br.Discard(len(chunk))
			n -= uint64(len(chunk))
		}
		res.Rows++
		if res.Rows%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return res, true, fmt.Errorf("%w: %w", engine.ErrCanceled, err)
			}
		}
		if progress != nil && res.Rows%100_000 == 0 {
			progress(res.Rows)
		}
	}
	if progress != nil {
		progress(res.Rows)
	}
	return res, true, nil
}

// checkEvery is how many lines pass between context checks.
const checkEvery = 1024

// noRows is an empty result with cols: WriteCSV writes only the header.
type noRows []engine.Column

func (r noRows) Columns() []engine.Column { return r }
func (noRows) Next() bool                 { return false }
func (noRows) Values() [][]byte           { return nil }
func (noRows) IsNull(int) bool            { return false }
func (noRows) Truncated() bool            { return false }
func (noRows) Err() error                 { return nil }
func (noRows) Close() error               { return nil }
