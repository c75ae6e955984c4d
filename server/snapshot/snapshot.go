// Package snapshot freezes a run's result at generation time as a ClickHouse
// table (database `results`, one table per run) and serves it back: pages
// sorted and searched server-side, and ordered streams for downloads. Viewing,
// searching, downloading or delivering later gives the same rows.
//
// It depends on the engine only; it must not import the HTTP layer.
package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/writer"
)

// Database holds every snapshot table.
const Database = "results"

// rowColumn numbers a snapshot's rows in result order.
const rowColumn = "_row"

// ErrNotFound means the snapshot does not exist (never made, or removed).
var ErrNotFound = errors.New("snapshot not found")

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Store keeps snapshots in a warehouse backend.
type Store struct {
	B engine.Backend
}

// Info describes a frozen result.
type Info struct {
	Rows      int64
	Truncated bool
	// Bytes is the size of the result as RFC 4180 CSV, and Checksum that CSV's
	// sha256: what a download of the default format returns, byte for byte.
	Bytes    int64
	Checksum string
}

func table(runID string) (string, error) {
	if !runIDPattern.MatchString(runID) {
		return "", fmt.Errorf("snapshot: invalid run id %q", runID)
	}
	return Database + "." + chsql.QuoteIdent("r_"+runID), nil
}

// Create runs comp and freezes its result as run's snapshot. The table is
// written under a temporary name and renamed when complete, so a failed or
// canceled run leaves no half snapshot.
func (s *Store) Create(ctx context.Context, runID string, comp *engine.Compiled, progress func(int64)) (Info, error) {
	final, err := table(runID)
	if err != nil {
		return Info{}, err
	}
	tmp, _ := table(runID + "_part")
	if err := s.B.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+Database); err != nil {
		return Info{}, err
	}
	if err := s.B.Exec(ctx, "DROP TABLE IF EXISTS "+tmp); err != nil {
		return Info{}, err
	}
	q := comp.Query
	limit := ""
	if q.MaxRows > 0 {
		limit = " LIMIT " + strconv.FormatInt(q.MaxRows+1, 10)
	}
	// The report's ORDER BY gives one sorted stream; numbering it in that stream
	// keeps the order (max_threads only limits the final projection).
	selectSQL := "SELECT rowNumberInAllBlocks() + 1 AS " + rowColumn + ", * FROM (\n" + comp.Query.SQL + "\n)" + limit
	q.MaxRows = 0
	if err := s.freeze(ctx, tmp, selectSQL, q); err != nil {
		s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
		return Info{}, err
	}
	info, err := s.finish(ctx, tmp, comp, progress)
	if err != nil {
		s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
		return Info{}, err
	}
	if err := s.B.Exec(ctx, "RENAME TABLE "+tmp+" TO "+final); err != nil {
		s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
		return Info{}, err
	}
	return info, nil
}

// CreateFrom freezes a result that fill writes itself into the table it is
// given (created by fill, with a leading _row UInt64 numbering the rows) — the
// output of a custom-report plugin. truncated from fill is kept in Info.
func (s *Store) CreateFrom(ctx context.Context, runID string, comp *engine.Compiled, fill func(ctx context.Context, table string) (truncated bool, err error), progress func(int64)) (Info, error) {
	final, err := table(runID)
	if err != nil {
		return Info{}, err
	}
	tmp, _ := table(runID + "_part")
	if err := s.B.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+Database); err != nil {
		return Info{}, err
	}
	if err := s.B.Exec(ctx, "DROP TABLE IF EXISTS "+tmp); err != nil {
		return Info{}, err
	}
	drop := func() { s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp) }
	truncated, err := fill(ctx, tmp)
	if err != nil {
		drop()
		return Info{}, err
	}
	info, err := s.finish(ctx, tmp, comp, progress)
	if err != nil {
		drop()
		return Info{}, err
	}
	info.Truncated = info.Truncated || truncated
	if err := s.B.Exec(ctx, "RENAME TABLE "+tmp+" TO "+final); err != nil {
		drop()
		return Info{}, err
	}
	return info, nil
}

// RowColumn is the column numbering a snapshot's rows.
const RowColumn = rowColumn

// streamingBackend is the embedded warehouse: it streams results chunk by
// chunk (so a cancel stops the query between chunks) but runs a CREATE … AS
// SELECT as one uninterruptible call.
type streamingBackend interface {
	QueryFormatted(ctx context.Context, q engine.Query, format string) (io.ReadCloser, error)
	Path() string
}

// freeze writes the result of selectSQL into table tbl. On the embedded
// warehouse the rows are first streamed to a Native file (cancelable), then
// loaded; a server backend runs CREATE … AS SELECT, which its driver cancels.
func (s *Store) freeze(ctx context.Context, tbl, selectSQL string, q engine.Query) error {
	sb, ok := s.B.(streamingBackend)
	if !ok {
		q.SQL = "CREATE TABLE " + tbl + " ENGINE = MergeTree ORDER BY " + rowColumn + " AS " + selectSQL
		return s.B.ExecQuery(ctx, q)
	}
	dir := filepath.Join(sb.Path(), "snapshot-staging")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "run-*.native")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	q.SQL = selectSQL
	r, err := sb.QueryFormatted(ctx, q, "Native")
	if err != nil {
		f.Close()
		return err
	}
	_, err = io.Copy(f, r)
	r.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", engine.ErrCanceled, err)
	}
	if st, err := os.Stat(f.Name()); err == nil && st.Size() == 0 {
		// No rows, so no Native block to read the structure from: take it
		// from the query itself, without running it.
		q.SQL = "CREATE TABLE " + tbl + " ENGINE = MergeTree ORDER BY " + rowColumn + " AS SELECT * FROM (" + selectSQL + ") LIMIT 0"
		return s.B.ExecQuery(ctx, q)
	}
	return s.B.Exec(ctx, "CREATE TABLE "+tbl+" ENGINE = MergeTree ORDER BY "+rowColumn+" AS SELECT * FROM file("+chsql.QuoteString(f.Name())+", Native)")
}

// finish cuts the result at the cap and computes its size and checksum.
func (s *Store) finish(ctx context.Context, tbl string, comp *engine.Compiled, progress func(int64)) (Info, error) {
	var info Info
	n, err := s.count(ctx, tbl)
	if err != nil {
		return info, err
	}
	if max := comp.Def.Limits.MaxRows; max > 0 && n > max {
		info.Truncated = true
		if err := s.B.Exec(ctx, "DELETE FROM "+tbl+" WHERE "+rowColumn+" > "+strconv.FormatInt(max, 10)); err != nil {
			return info, err
		}
	}
	rows, err := s.fileRows(ctx, tbl, comp.Query.TimeZone)
	if err != nil {
		return info, err
	}
	defer rows.Close()
	// The same check `relato run` makes before writing a file: the result's
	// names and types are the definition's columns.
	if err := engine.CheckColumns(comp.Def, rows.Columns()); err != nil {
		return info, err
	}
	h := sha256.New()
	st, err := writer.WriteCSV(ctx, h, Fields(comp.Def, engine.DefaultLanguage), rows, writer.RFC4180, progress)
	if err != nil {
		return info, err
	}
	info.Rows, info.Bytes, info.Checksum = st.Rows, st.Bytes, hex.EncodeToString(h.Sum(nil))
	return info, nil
}

func (s *Store) count(ctx context.Context, tbl string) (int64, error) {
	rows, err := s.B.Query(ctx, engine.Query{SQL: "SELECT count() FROM " + tbl})
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, rows.Err()
	}
	return strconv.ParseInt(string(rows.Values()[0]), 10, 64)
}

// Fields are the writer fields of a definition's columns in lang.
func Fields(def *engine.Definition, lang string) []writer.Field {
	cols := make([]engine.ColumnDef, len(def.Columns))
	for i, c := range def.Columns {
		cols[i] = *c
	}
	return writer.FieldsFor(cols, lang)
}

// Exists reports whether run has a snapshot.
func (s *Store) Exists(ctx context.Context, runID string) (bool, error) {
	if _, err := table(runID); err != nil {
		return false, err
	}
	rows, err := s.B.Query(ctx, engine.Query{
		SQL:    "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {name:String}",
		Params: map[string]string{"db": Database, "name": "r_" + runID},
	})
	if err != nil {
		return false, err
	}
	defer rows.Close()
	return rows.Next() && string(rows.Values()[0]) == "1", rows.Err()
}

// Drop removes run's snapshot (retention, deleted runs).
func (s *Store) Drop(ctx context.Context, runID string) error {
	tbl, err := table(runID)
	if err != nil {
		return err
	}
	return s.B.Exec(ctx, "DROP TABLE IF EXISTS "+tbl)
}

// Rows streams run's snapshot in result order, for downloads and deliveries,
// with date-times as UTC instants shown in timeZone (writer.ZonedRows).
func (s *Store) Rows(ctx context.Context, runID, timeZone string) (engine.Rows, error) {
	tbl, err := table(runID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.Exists(ctx, runID); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	return s.fileRows(ctx, tbl, timeZone)
}

// fileRows are a snapshot table's rows in result order with date-times as
// UTC instants shown in timeZone (writer.ZonedRows), as files write them.
func (s *Store) fileRows(ctx context.Context, tbl, timeZone string) (engine.Rows, error) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		return nil, fmt.Errorf("snapshot: time zone %q: %w", timeZone, err)
	}
	rows, err := s.B.Query(ctx, engine.Query{SQL: "SELECT * EXCEPT " + rowColumn + " FROM " + tbl + " ORDER BY " + rowColumn, TimeZone: timeZone,
		Settings: writer.UTCDateTimes()})
	if err != nil {
		return nil, err
	}
	return writer.InZone(rows, loc), nil
}

// PageRequest asks for one page of a snapshot.
type PageRequest struct {
	Offset, Limit int64
	// Sort is a column name, "" for result order; Desc reverses it.
	Sort string
	Desc bool
	// Search keeps rows where any text column contains it (case-insensitive).
	Search   string
	TimeZone string
}

// Page is one page of rows as text (nil = NULL) with the matching total.
type Page struct {
	Columns []engine.Column
	Rows    [][]*string
	Total   int64
}

// View returns one page of run's snapshot for def's columns.
func (s *Store) View(ctx context.Context, runID string, def *engine.Definition, req PageRequest) (Page, error) {
	tbl, err := table(runID)
	if err != nil {
		return Page{}, err
	}
	if ok, err := s.Exists(ctx, runID); err != nil {
		return Page{}, err
	} else if !ok {
		return Page{}, ErrNotFound
	}
	if req.Limit <= 0 || req.Limit > 1000 {
		return Page{}, fmt.Errorf("limit must be between 1 and 1000")
	}
	if req.Offset < 0 {
		return Page{}, fmt.Errorf("offset must not be negative")
	}
	params := map[string]string{}
	where := ""
	if req.Search != "" {
		var conds []string
		for _, c := range def.Columns {
			if c.Type == engine.ColString {
				conds = append(conds, "positionCaseInsensitiveUTF8(ifNull(toString("+chsql.QuoteIdent(c.Name)+"), ''), {q:String}) > 0")
			}
		}
		if len(conds) == 0 {
			conds = []string{"0"}
		}
		where = " WHERE " + strings.Join(conds, " OR ")
		params["q"] = req.Search
	}
	order := rowColumn
	if req.Sort != "" {
		known := false
		for _, c := range def.Columns {
			if c.Name == req.Sort {
				known = true
			}
		}
		if !known {
			return Page{}, fmt.Errorf("sort: unknown column %q", req.Sort)
		}
		order = chsql.QuoteIdent(req.Sort)
		if req.Desc {
			order += " DESC"
		}
		order += ", " + rowColumn
	} else if req.Desc {
		order += " DESC"
	}
	params["off"] = strconv.FormatInt(req.Offset, 10)
	params["lim"] = strconv.FormatInt(req.Limit, 10)
	rows, err := s.B.Query(ctx, engine.Query{
		SQL:      "SELECT * EXCEPT " + rowColumn + " FROM " + tbl + where + " ORDER BY " + order + " LIMIT {lim:UInt64} OFFSET {off:UInt64}",
		Params:   params,
		TimeZone: req.TimeZone,
	})
	if err != nil {
		return Page{}, err
	}
	var page Page
	page.Columns = rows.Columns()
	for rows.Next() {
		vals := rows.Values()
		row := make([]*string, len(vals))
		for i, v := range vals {
			if !rows.IsNull(i) {
				t := string(v)
				row[i] = &t
			}
		}
		page.Rows = append(page.Rows, row)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return Page{}, err
	}
	total, err := s.B.Query(ctx, engine.Query{SQL: "SELECT count() FROM " + tbl + where, Params: params})
	if err != nil {
		return Page{}, err
	}
	defer total.Close()
	if total.Next() {
		page.Total, _ = strconv.ParseInt(string(total.Values()[0]), 10, 64)
	}
	return page, total.Err()
}
