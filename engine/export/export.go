package export

import (
	"bufio"
	"context"
	"errors"
	"io"
	"maps"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// Result says what a run produced.
type Result struct {
	Rows      int64
	Bytes     int64
	Truncated bool
}

// Run executes comp on b and writes the result to w in format f, with a
// header in lang and coded columns' labels in lang (the tenant's, read with
// the query's table filters, for values_from lookups); progress (when not nil) gets the rows written so far. It
// fails before querying when f has no writer (the zero Format), and with
// engine.CheckColumns' error when the result's columns do not match the
// definition. On a backend that streams its own output formats (the embedded
// one), csv and csv-exact files whose columns writer.CSVFieldsSQL can render
// are rendered by the warehouse, byte for byte the writer's: written into w
// by the warehouse itself when w is a regular *os.File at its end
// (runWarehouseFile; progress then comes once, at the end, and w's offset is
// left at the file's end), else streamed to Go as lines (runSQLRendered).
func Run(ctx context.Context, b engine.Backend, comp *engine.Compiled, f Format, lang string, w io.Writer, progress func(rows int64)) (Result, error) {
	if f.Write == nil {
		return Result{}, errors.New("export: format without a writer; use ParseFormat or Lookup")
	}
	q := comp.Query
	// Date-times as instants, shown in the report's zone by the writer, so
	// the hour a clock change repeats is told apart (writer/zone.go).
	loc, err := time.LoadLocation(q.TimeZone)
	if err != nil || q.TimeZone == "" {
		loc = nil
	} else {
		q.Settings = maps.Clone(q.Settings)
		if q.Settings == nil {
			q.Settings = map[string]string{}
		}
		maps.Copy(q.Settings, writer.UTCDateTimes())
	}
	if comp.Def.Limits.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, comp.Def.Limits.Timeout)
		defer cancel()
	}
	// The tenant's labels of coded columns (event types), read before the
	// result streams: the embedded warehouse runs one query at a time.
	labels, err := comp.Def.LabelsIn(ctx, lang, engine.BackendLookupLabels(b, q.TableFilters))
	if err != nil {
		return Result{}, err
	}
	fields := writer.WithValueLabels(fieldsOf(comp.Def, lang), labels)
	if d, ok := sqlDialects[f.ID]; ok && sqlRendered {
		sqlFields := fields
		if d == writer.RFC4180Exact {
			// csv-exact writes the warehouse's codes (its format's contract).
			sqlFields = writer.WithoutValueLabels(fields)
		}
		if fb, ok := b.(fileBackend); ok {
			if file, path, ok := warehouseFile(w); ok {
				res, done, err := runWarehouseFile(ctx, b, fb, comp, q, d, loc, sqlFields, file, path, progress)
				if done {
					return res, err
				}
			}
		}
		if fb, ok := b.(formattedBackend); ok {
			bw := bufio.NewWriterSize(w, 1<<20)
			res, done, err := runSQLRendered(ctx, b, fb, comp, q, d, loc, sqlFields, bw, progress)
			if done {
				if err == nil {
					err = bw.Flush()
				}
				return res, err
			}
		}
	}
	src, err := b.Query(ctx, q)
	if err != nil {
		return Result{}, err
	}
	// Decode the warehouse stream and write the file on separate cores.
	var rows engine.Rows = engine.Prefetch(ctx, src, 4096)
	defer rows.Close()
	if loc != nil {
		rows = writer.InZone(rows, loc)
	}
	if err := engine.CheckColumns(comp.Def, rows.Columns()); err != nil {
		return Result{}, err
	}
	// Large writes: a 64 KiB write per syscall dominated the profile.
	bw := bufio.NewWriterSize(w, 1<<20)
	w = bw
	st, err := f.Write(ctx, w, fields, rows, lang, progress)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return Result{Rows: st.Rows, Bytes: st.Bytes}, err
	}
	return Result{Rows: st.Rows, Bytes: st.Bytes, Truncated: rows.Truncated()}, nil
}

// fieldsOf are the writer fields of def's columns in lang.
func fieldsOf(def *engine.Definition, lang string) []writer.Field {
	defs := make([]engine.ColumnDef, len(def.Columns))
	for i, c := range def.Columns {
		defs[i] = *c
	}
	return writer.FieldsFor(defs, lang)
}
