package export

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// WarehouseDialect is the CSV dialect the warehouse can render f's files
// in (writer.CSVFieldsSQL), and the fields to render for f from a file's
// fields (csv-exact keeps codes, not labels); ok is false for a format the
// Go writer alone writes (csv-excel, xlsx), or when the warehouse-rendered
// path is off.
func WarehouseDialect(f Format, fields []writer.Field) (d writer.Dialect, sqlFields []writer.Field, ok bool) {
	d, ok = sqlDialects[f.ID]
	if !ok || !sqlRendered {
		return d, nil, false
	}
	if d == writer.RFC4180Exact {
		return d, writer.WithoutValueLabels(fields), true
	}
	return d, fields, true
}

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
	cols, err := resultColumns(ctx, b, comp, q)
	if err != nil {
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

// fileBackend is a warehouse that can write a query's result into a file
// on this machine itself (the embedded backend).
type fileBackend interface {
	QueryToFile(ctx context.Context, q engine.Query, format, path string) (rows int64, err error)
}

// warehouseFile is w when the warehouse can append to it: a regular file,
// written up to its end, whose absolute name has no character ClickHouse's
// file() reads as a glob.
func warehouseFile(w io.Writer) (*os.File, string, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return nil, "", false
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, "", false
	}
	if at, err := f.Seek(0, io.SeekCurrent); err != nil || at != st.Size() {
		return nil, "", false
	}
	path, err := filepath.Abs(f.Name())
	if err != nil || strings.ContainsAny(path, "*?{}[]") {
		return nil, "", false
	}
	return f, path, true
}

// runWarehouseFile writes f's file with the header by writer.WriteCSV and
// every line written into the file by the warehouse itself
// (writer.CSVFieldsSQL in ClickHouse's CustomSeparated format, appended to
// path), so the bytes are the writer's and none passes through Go. done is
// false, with nothing written, when the result has a column the warehouse
// cannot render exactly. Progress is reported once, at the end: the
// warehouse reports nothing while it writes.
func runWarehouseFile(ctx context.Context, b engine.Backend, fb fileBackend, comp *engine.Compiled, q engine.Query, d writer.Dialect,
	loc *time.Location, fields []writer.Field, file *os.File, path string, progress func(int64)) (res Result, done bool, err error) {
	cols, err := resultColumns(ctx, b, comp, q)
	if err != nil {
		return res, true, err
	}
	list, ok := writer.CSVSelectList(fields, cols, d, loc)
	if !ok {
		return res, false, nil
	}
	bw := bufio.NewWriter(file)
	st, err := writer.WriteCSV(ctx, bw, fields, noRows(cols), d, nil)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return res, true, err
	}
	start, err := file.Seek(0, io.SeekCurrent)
	if err != nil {
		return res, true, err
	}
	sqlRenderedRuns.Add(1)
	body := q
	body.SQL = "SELECT " + list + " FROM (\n" + q.SQL + "\n)"
	if q.MaxRows > 0 {
		body.SQL += " LIMIT " + strconv.FormatInt(q.MaxRows, 10)
	}
	body.MaxRows = 0
	body.Settings = maps.Clone(q.Settings)
	if body.Settings == nil {
		body.Settings = map[string]string{}
	}
	maps.Copy(body.Settings, writer.CSVFieldsSettings())
	// Append after the header, never truncate it.
	body.Settings["engine_file_truncate_on_insert"] = "0"
	rows, err := fb.QueryToFile(ctx, body, "CustomSeparated", path)
	if err != nil {
		return res, true, err
	}
	end, err := file.Seek(0, io.SeekEnd)
	if err != nil {
		return res, true, err
	}
	res.Rows, res.Bytes = rows, st.Bytes+end-start
	if q.MaxRows > 0 && rows == q.MaxRows {
		// Cut at the limit, or exactly as many rows: ask for one more.
		more := q
		more.SQL = "SELECT 1 FROM (\n" + q.SQL + "\n) LIMIT 1 OFFSET " + strconv.FormatInt(q.MaxRows, 10)
		more.MaxRows = 0
		r, err := b.Query(ctx, more)
		if err != nil {
			return res, true, err
		}
		res.Truncated = r.Next()
		err = r.Err()
		r.Close()
		if err != nil {
			return res, true, err
		}
	}
	if progress != nil {
		progress(res.Rows)
	}
	return res, true, nil
}

// resultColumns are the names and types of q's result, read with LIMIT 0
// and checked against the definition (engine.CheckColumns).
func resultColumns(ctx context.Context, b engine.Backend, comp *engine.Compiled, q engine.Query) ([]engine.Column, error) {
	head := q
	head.SQL = "SELECT * FROM (\n" + q.SQL + "\n) LIMIT 0"
	head.MaxRows = 0
	hr, err := b.Query(ctx, head)
	if err != nil {
		return nil, err
	}
	cols := hr.Columns()
	hr.Close()
	if err := engine.CheckColumns(comp.Def, cols); err != nil {
		return nil, err
	}
	return cols, nil
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
