// Package export runs a compiled report and writes its rows to a file format.
// It ties the engine, a backend and the writers together; it knows nothing of
// HTTP or the runs store.
package export

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// Format is an output file format.
type Format string

// Formats relato writes.
const (
	CSV      Format = "csv"       // RFC 4180, UTF-8, labels as header
	CSVExcel Format = "csv-excel" // pt-BR Excel: ';', decimal comma, BOM, dd/mm/yyyy
	XLSX     Format = "xlsx"
)

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "", "csv", "rfc4180":
		return CSV, nil
	case "csv-excel", "pt-br-excel", "excel":
		return CSVExcel, nil
	case "xlsx":
		return XLSX, nil
	}
	return "", fmt.Errorf("unknown format %q (csv, csv-excel, xlsx)", s)
}

// Extension is the file name extension for f.
func (f Format) Extension() string {
	if f == XLSX {
		return ".xlsx"
	}
	return ".csv"
}

// Result says what a run produced.
type Result struct {
	Rows      int64
	Bytes     int64
	Truncated bool
}

// Run executes comp on b and writes the result to w.
func Run(ctx context.Context, b engine.Backend, comp *engine.Compiled, f Format, lang string, w io.Writer, progress func(rows int64)) (Result, error) {
	q := comp.Query
	if comp.Def.Limits.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, comp.Def.Limits.Timeout)
		defer cancel()
	}
	src, err := b.Query(ctx, q)
	if err != nil {
		return Result{}, err
	}
	// Decode the warehouse stream and write the file on separate cores.
	rows := engine.Prefetch(ctx, src, 4096)
	defer rows.Close()
	if err := engine.CheckColumns(comp.Def, rows.Columns()); err != nil {
		return Result{}, err
	}
	defs := make([]engine.ColumnDef, len(comp.Def.Columns))
	for i, c := range comp.Def.Columns {
		defs[i] = *c
	}
	fields := writer.FieldsFor(defs, lang)
	// Large writes: a 64 KiB write per syscall dominated the profile.
	bw := bufio.NewWriterSize(w, 1<<20)
	w = bw
	var st writer.Stats
	switch f {
	case XLSX:
		st, err = writer.WriteXLSX(ctx, w, fields, rows, lang, progress)
	case CSVExcel:
		st, err = writer.WriteCSV(ctx, w, fields, rows, writer.PtBRExcel, progress)
	default:
		st, err = writer.WriteCSV(ctx, w, fields, rows, writer.RFC4180, progress)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return Result{Rows: st.Rows, Bytes: st.Bytes}, err
	}
	return Result{Rows: st.Rows, Bytes: st.Bytes, Truncated: rows.Truncated()}, nil
}
