// Package snapshot freezes a run's result at generation time as a ClickHouse
// table (database `results`, one table per run) and serves it back: pages
// sorted and searched server-side, and ordered streams for downloads. Viewing,
// searching, downloading or delivering later gives the same rows.
//
// It depends on the engine only; it must not import the HTTP layer.
package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	// Cluster says how result tables are created on a ClickHouse cluster;
	// the zero value is one server (see cluster.go).
	Cluster Cluster

	settingsOnce sync.Once
	settings     map[string]string // view query settings (viewSettings)

	// PageCacheBytes bounds the memory of View's page cache (pagecache.go):
	// 0 is DefaultPageCacheBytes, negative turns the cache off.
	PageCacheBytes int64
	cacheOnce      sync.Once
	pages          *pageCache
}

// cache is the view's page cache, nil when turned off.
func (s *Store) cache() *pageCache {
	s.cacheOnce.Do(func() {
		switch {
		case s.PageCacheBytes == 0:
			s.pages = newPageCache(DefaultPageCacheBytes)
		case s.PageCacheBytes > 0:
			s.pages = newPageCache(s.PageCacheBytes)
		}
	})
	return s.pages
}

// forget drops run's cached pages: its snapshot was dropped or replaced.
func (s *Store) forget(runID string) {
	if c := s.cache(); c != nil {
		c.forget(runID)
	}
}

// Info describes a frozen result.
type Info struct {
	Rows      int64
	Truncated bool
	// Bytes is the size the snapshot takes in the warehouse (its table's
	// parts on disk, compressed), not the size of any download.
	Bytes int64
	// Checksum identifies the frozen rows: ChecksumForm, a colon, then 16
	// lower-case hex digits (see ChecksumSQL for the canonical form). Runs
	// finished before it (2026-12) carry "sha256:" and the hash of their
	// RFC 4180 CSV download instead; both stay valid for their runs.
	Checksum string
}

// ChecksumForm names the canonical form of Info.Checksum.
const ChecksumForm = "rows-cityhash64-xor"

// ChecksumSQL is the aggregate ClickHouse computes over a snapshot table for
// Info.Checksum: the bitwise XOR, over every row, of ClickHouse's cityHash64
// of the tuple (_row, column 1, …, column n) of the stored, typed values
// (NULL hashes as NULL inside a tuple, distinct from 0 and the empty string). _row, the
// row's 1-based place in result order, binds each row to its place, so the
// same rows in another order, a row more or less, or any value changed give
// another checksum. cityHash64 is the stable hash ClickHouse shards with; the
// form does not depend on block sizes, threads or time zones (a DateTime
// hashes as its UTC instant).
const ChecksumSQL = "lower(hex(groupBitXor(cityHash64(tuple(*)))))"

func table(runID string) (string, error) {
	if !runIDPattern.MatchString(runID) {
		return "", fmt.Errorf("snapshot: invalid run id %q", runID)
	}
	return Database + "." + chsql.QuoteIdent("r_"+runID), nil
}

// Create runs comp and freezes its result as run's snapshot, calling progress
// (when not nil) with the result rows so far: the warehouse's own count while
// the query runs (engine.WithProgress), then the checksum pass's. The table is
// written under a temporary name and renamed when complete, so a failed or
// canceled run leaves no half snapshot.
func (s *Store) Create(ctx context.Context, runID string, comp *engine.Compiled, progress func(int64)) (Info, error) {
	tmp, err := s.Cluster.stagingTable(runID)
	if err != nil {
		return Info{}, err
	}
	if err := s.createDatabases(ctx); err != nil {
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
	fctx := ctx
	if progress != nil {
		// The warehouse's own count while the query runs; the pass in finish
		// then only confirms it.
		fctx = engine.WithProgress(ctx, func(p engine.Progress) { progress(p.Rows) })
	}
	if err := s.freeze(fctx, tmp, selectSQL, q); err != nil {
		s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
		return Info{}, err
	}
	info, err := s.finish(ctx, tmp, comp, progress)
	if err != nil {
		s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
		return Info{}, err
	}
	if err := s.publish(ctx, runID, tmp); err != nil {
		s.B.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
		return Info{}, err
	}
	s.forget(runID)
	return info, nil
}

// CreateFrom freezes a result that fill writes itself into the table it is
// given (created by fill, with a leading _row UInt64 numbering the rows) — the
// output of a custom-report plugin. truncated from fill is kept in Info.
func (s *Store) CreateFrom(ctx context.Context, runID string, comp *engine.Compiled, fill func(ctx context.Context, table string) (truncated bool, err error), progress func(int64)) (Info, error) {
	tmp, err := s.Cluster.stagingTable(runID)
	if err != nil {
		return Info{}, err
	}
	if err := s.createDatabases(ctx); err != nil {
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
	if err := s.publish(ctx, runID, tmp); err != nil {
		drop()
		return Info{}, err
	}
	s.forget(runID)
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

// finish cuts the result at the cap and computes its size and checksum in
// one aggregate ClickHouse runs over the frozen table (ChecksumSQL), so the
// rows are not read back through Go: progress is the query's own
// (engine.WithProgress in Create).
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
	// The same check `relato run` makes before writing a file: the result's
	// names are the definition's columns.
	head, err := s.B.Query(ctx, engine.Query{SQL: "SELECT * EXCEPT " + rowColumn + " FROM " + tbl + " LIMIT 0"})
	if err != nil {
		return info, err
	}
	cols := head.Columns()
	head.Close()
	if err := engine.CheckColumns(comp.Def, cols); err != nil {
		return info, err
	}
	sum, err := s.B.Query(ctx, engine.Query{SQL: "SELECT count(), " + ChecksumSQL + " FROM " + tbl})
	if err != nil {
		return info, err
	}
	if sum.Next() {
		info.Rows, _ = strconv.ParseInt(string(sum.Values()[0]), 10, 64)
		info.Checksum = ChecksumForm + ":" + string(sum.Values()[1])
	}
	err = sum.Err()
	sum.Close()
	if err != nil {
		return info, err
	}
	if progress != nil {
		progress(info.Rows)
	}
	info.Bytes, err = s.storedBytes(ctx, tbl)
	return info, err
}

// storedBytes is the size of tbl's active parts on disk.
func (s *Store) storedBytes(ctx context.Context, tbl string) (int64, error) {
	db, name, _ := strings.Cut(tbl, ".")
	rows, err := s.B.Query(ctx, engine.Query{
		SQL:    "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = {db:String} AND table = {name:String} AND active",
		Params: map[string]string{"db": db, "name": strings.Trim(name, "`")},
	})
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, rows.Err()
	}
	return strconv.ParseInt(string(rows.Values()[0]), 10, 64)
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
	s.forget(runID)
	return s.B.Exec(ctx, s.Cluster.DropDDL(tbl))
}

// Mask is the set of personal columns (engine.ColumnDef.IsPersonal) a reader
// sees masked because it lacks the personal_data permission (issue 17). The
// masking is done by ClickHouse where the snapshot is read
// (engine.PersonalMaskSQL), so the view, its search and sort, the rows API,
// every download format and every delivery read the same masked text, and no
// writer sees a hidden value. Empty: every column whole.
type Mask []*engine.ColumnDef

// MaskFor is the mask of def's personal columns for a reader that holds
// (permitted) or lacks the personal_data permission.
func MaskFor(def *engine.Definition, permitted bool) Mask {
	if permitted || def == nil {
		return nil
	}
	var m Mask
	for _, c := range def.Columns {
		if c.IsPersonal() {
			m = append(m, c)
		}
	}
	return m
}

// source is what a read selects from: the table itself, or a subquery that
// replaces each masked column by its masked text under the same name, so
// search and sort see only what the reader sees.
func (m Mask) source(tbl string) (string, error) {
	if len(m) == 0 {
		return tbl, nil
	}
	repl := make([]string, len(m))
	for i, c := range m {
		e, err := engine.PersonalMaskSQL(c.Personal, c.Name)
		if err != nil {
			return "", err
		}
		repl[i] = e + " AS " + chsql.QuoteIdent(c.Name)
	}
	return "(SELECT * REPLACE (" + strings.Join(repl, ", ") + ") FROM " + tbl + ")", nil
}

// Rows streams run's snapshot in result order, for downloads and deliveries,
// with date-times as UTC instants shown in timeZone (writer.ZonedRows).
// Every column is whole; RowsMasked masks personal ones.
func (s *Store) Rows(ctx context.Context, runID, timeZone string) (engine.Rows, error) {
	return s.RowsMasked(ctx, runID, timeZone, nil)
}

// RowsMasked is Rows with the columns of mask masked (MaskFor).
func (s *Store) RowsMasked(ctx context.Context, runID, timeZone string, mask Mask) (engine.Rows, error) {
	tbl, err := table(runID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.Exists(ctx, runID); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	src, err := mask.source(tbl)
	if err != nil {
		return nil, err
	}
	return s.fileRows(ctx, src, timeZone)
}

// fileRows are a snapshot table's rows in result order with date-times as
// UTC instants shown in timeZone (writer.ZonedRows), as files write them.
// src is the table or a masking subquery over it (Mask.source).
func (s *Store) fileRows(ctx context.Context, src, timeZone string) (engine.Rows, error) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		return nil, fmt.Errorf("snapshot: time zone %q: %w", timeZone, err)
	}
	rows, err := s.B.Query(ctx, engine.Query{SQL: "SELECT * EXCEPT " + rowColumn + " FROM " + src + " ORDER BY " + rowColumn, TimeZone: timeZone,
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
	// Search keeps rows where any column's displayed text contains it,
	// literally and case-insensitively (see View).
	Search string
	// Lang is the reader's language (pt-BR or en): it decides the displayed
	// text searched in date, time, number and yes/no columns.
	Lang     string
	TimeZone string
	// Mask lists the columns shown masked (MaskFor): a search matches only
	// their masked text, a sort orders by it.
	Mask Mask
	// Labels are the labels of coded columns in Lang that only the tenant
	// knows (engine.Definition.LabelsIn with a lookup reader); View adds the
	// definition's own (engine.ColumnDef.StaticLabels). A labelled column
	// shows, searches and sorts by its label.
	Labels engine.ValueLabels
}

// Page is one page of rows as text (nil = NULL) with the matching total.
type Page struct {
	Columns []engine.Column
	// Rows hold what the page shows: a labelled column's label, or its code
	// when the code has none.
	Rows [][]*string
	// Codes are the codes under labelled columns' cells, column name → one
	// per row of Rows (nil where the cell is NULL); absent when no column of
	// the report is labelled.
	Codes map[string][]*string
	Total int64
}

// codePrefix names the column that keeps a labelled column's code in a
// view query; it cannot clash with a report's column (those start with a
// letter).
const codePrefix = "__code_"

// labelled wraps src so that each column with labels in vl shows its label
// (ClickHouse's transform, the codes and labels bound as array parameters,
// an unknown code kept as is) and keeps its code in a trailing
// __code_<name> column. It returns src, the labelled columns in order and
// the parameters.
func labelled(src string, def *engine.Definition, vl engine.ValueLabels) (string, []string, map[string]string) {
	var cols, repl, keep []string
	params := map[string]string{}
	for _, c := range def.Columns {
		m := vl[c.Name]
		if len(m) == 0 {
			continue
		}
		codes := make([]string, 0, len(m))
		for code := range m {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		qc, ql := make([]string, len(codes)), make([]string, len(codes))
		for i, code := range codes {
			qc[i], ql[i] = chsql.QuoteString(code), chsql.QuoteString(m[code])
		}
		n := strconv.Itoa(len(cols))
		// Array parameters are read as literals, like a multiple filter's
		// (engine's bindMultiple): quoted elements, no TSV escaping.
		params["vc"+n] = "[" + strings.Join(qc, ",") + "]"
		params["vl"+n] = "[" + strings.Join(ql, ",") + "]"
		q := chsql.QuoteIdent(c.Name)
		repl = append(repl, "transform("+q+", {vc"+n+":Array(String)}, {vl"+n+":Array(String)}, "+q+") AS "+q)
		keep = append(keep, q+" AS "+chsql.QuoteIdent(codePrefix+c.Name))
		cols = append(cols, c.Name)
	}
	if len(cols) == 0 {
		return src, nil, nil
	}
	return "(SELECT * REPLACE (" + strings.Join(repl, ", ") + ") FROM (SELECT *, " + strings.Join(keep, ", ") + " FROM " + src + "))", cols, params
}

// pageLabels are the labels a page of def shows in lang: the definition's
// own, and over them the tenant's from the request.
func pageLabels(def *engine.Definition, lang string, extra engine.ValueLabels) engine.ValueLabels {
	vl := engine.ValueLabels{}
	for _, c := range def.Columns {
		if m := c.StaticLabels(lang); m != nil {
			vl[c.Name] = m
		}
	}
	for k, m := range extra {
		vl[k] = m
	}
	return vl
}

// noTopKFilter turns off ClickHouse's dynamic top-K filtering for view
// queries. With it on (the default since 25.x, still in 26.5), `WHERE s = 'x'
// ORDER BY n LIMIT k` on a MergeTree table of several granules fails with
// "Cannot convert string 'x' to type Float64 … __topKFilter": the filter's
// constant is compared with the sort column. Servers that predate the setting
// do not have the bug and would refuse the unknown setting, so it is sent only
// where system.settings lists it.
const noTopKFilter = "use_top_k_dynamic_filtering"

func (s *Store) viewSettings(ctx context.Context) map[string]string {
	s.settingsOnce.Do(func() {
		rows, err := s.B.Query(ctx, engine.Query{
			SQL:    "SELECT count() FROM system.settings WHERE name = {name:String}",
			Params: map[string]string{"name": noTopKFilter},
		})
		if err != nil {
			return
		}
		defer rows.Close()
		if rows.Next() && string(rows.Values()[0]) == "1" {
			s.settings = map[string]string{noTopKFilter: "0"}
		}
	})
	return s.settings
}

// displayedText is the SQL for the text a page shows for column c in lang:
// what a search matches. Ids and counts as plain digits, numbers rounded to
// the column's places with the language's decimal separator (no thousands
// separators), dates and times as dd/mm/yyyy hh:mm:ss in pt-BR and
// yyyy-mm-dd hh:mm:ss in English, yes/no in words. NULL is empty.
func displayedText(c *engine.ColumnDef, lang string) string {
	col := chsql.QuoteIdent(c.Name)
	ptBR := lang != "en"
	var expr string
	switch c.Type {
	case engine.ColString:
		return "ifNull(toString(" + col + "), '')"
	case engine.ColInt:
		expr = "toString(" + col + ")"
	case engine.ColNumber, engine.ColPercent, engine.ColDuration:
		expr = "toString(" + col + ")"
		if p := c.Places(); p >= 0 {
			expr = "toString(round(toFloat64(" + col + "), " + strconv.Itoa(p) + "))"
		}
		if ptBR {
			expr = "replaceOne(" + expr + ", '.', ',')"
		}
	case engine.ColDate:
		expr = "toString(" + col + ")"
		if ptBR {
			expr = "formatDateTime(" + col + ", '%d/%m/%Y')"
		}
	case engine.ColDatetime:
		expr = "formatDateTime(" + col + ", '%Y-%m-%d %H:%i:%S')"
		if ptBR {
			expr = "formatDateTime(" + col + ", '%d/%m/%Y %H:%i:%S')"
		}
	case engine.ColBool:
		if ptBR {
			expr = "if(" + col + ", 'Sim', 'Não')"
		} else {
			expr = "if(" + col + ", 'Yes', 'No')"
		}
	default:
		expr = "toString(" + col + ")"
	}
	return "ifNull(" + expr + ", '')"
}

// View returns one page of run's snapshot for def's columns. A search keeps
// the rows where the displayed text of any column (displayedText) contains
// req.Search as typed: case-insensitive, with no wildcard (%, _ and \ are
// plain characters). Sorting is by the column's typed value (numbers as
// numbers, dates as dates; a labelled column by its label), NULLs last, ties
// in result order. Labelled columns show their label in req.Lang and keep
// their code in Page.Codes. Pages and match counts are cached (pagecache.go):
// a returned Page may share its Rows and Codes with other readers of the same
// page, so callers must not modify them.
func (s *Store) View(ctx context.Context, runID string, def *engine.Definition, req PageRequest) (Page, error) {
	tbl, err := table(runID)
	if err != nil {
		return Page{}, err
	}
	cache := s.cache()
	now := time.Now()
	if cache == nil || !cache.known(runID, now) {
		if ok, err := s.Exists(ctx, runID); err != nil {
			return Page{}, err
		} else if !ok {
			s.forget(runID)
			return Page{}, ErrNotFound
		}
		if cache != nil {
			cache.found(runID, now)
		}
	}
	var countKey, pageKey string
	if cache != nil {
		countKey, pageKey = viewKeys(runID, def, req)
		if v, ok := cache.get(pageKey); ok {
			return v.page, nil
		}
	}
	if req.Limit <= 0 || req.Limit > 1000 {
		return Page{}, fmt.Errorf("limit must be between 1 and 1000")
	}
	if req.Offset < 0 {
		return Page{}, fmt.Errorf("offset must not be negative")
	}
	src, err := req.Mask.source(tbl)
	if err != nil {
		return Page{}, err
	}
	src, codeCols, params := labelled(src, def, pageLabels(def, req.Lang, req.Labels))
	if params == nil {
		params = map[string]string{}
	}
	where := ""
	if req.Search != "" {
		var conds []string
		for _, c := range def.Columns {
			conds = append(conds, "positionCaseInsensitiveUTF8("+displayedText(c, req.Lang)+", {q:String}) > 0")
		}
		if len(conds) == 0 {
			conds = []string{"0"}
		}
		where = " WHERE " + strings.Join(conds, " OR ")
		// A parameter's text is read with ClickHouse's escaping rules: a
		// backslash alone would not parse.
		params["q"] = chsql.EscapeParam(req.Search)
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
		order += " NULLS LAST, " + rowColumn
	} else if req.Desc {
		order += " DESC"
	}
	params["off"] = strconv.FormatInt(req.Offset, 10)
	params["lim"] = strconv.FormatInt(req.Limit, 10)
	pageSQL := "SELECT * EXCEPT " + rowColumn + " FROM " + src + where + " ORDER BY " + order + " LIMIT {lim:UInt64} OFFSET {off:UInt64}"
	countSQL := "SELECT count() FROM " + src + where
	if cache == nil {
		page, err := s.readPage(ctx, pageSQL, params, req.TimeZone, codeCols)
		if err != nil {
			return Page{}, err
		}
		page.Total, err = s.readCount(ctx, countSQL, params, req.TimeZone)
		return page, err
	}
	// Concurrent readers of one page share one query, which then runs to
	// its end even if the reader that started it leaves: the page is kept.
	qctx := context.WithoutCancel(ctx)
	v, err, _ := cache.flight.Do(pageKey, func() (any, error) {
		page, err := s.readPage(qctx, pageSQL, params, req.TimeZone, codeCols)
		if err != nil {
			return nil, err
		}
		c, ok := cache.get(countKey)
		if !ok {
			t, err, _ := cache.flight.Do(countKey, func() (any, error) {
				n, err := s.readCount(qctx, countSQL, params, req.TimeZone)
				if err == nil {
					cache.put(countKey, cached{run: runID, total: n, size: int64(len(countKey)) + 64})
				}
				return n, err
			})
			if err != nil {
				return nil, err
			}
			c.total = t.(int64)
		}
		page.Total = c.total
		cache.put(pageKey, cached{run: runID, page: page, size: int64(len(pageKey)) + pageSize(page)})
		return page, nil
	})
	if err != nil {
		return Page{}, err
	}
	return v.(Page), nil
}

// readPage reads one page's rows as text (nil = NULL); the result's last
// len(codeCols) columns are the codes of the labelled columns codeCols.
func (s *Store) readPage(ctx context.Context, sql string, params map[string]string, timeZone string, codeCols []string) (Page, error) {
	rows, err := s.B.Query(ctx, engine.Query{
		SQL:      sql,
		Params:   params,
		TimeZone: timeZone,
		Settings: s.viewSettings(ctx),
	})
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	var page Page
	// The code columns come last (labelled): split them off.
	shown := len(rows.Columns()) - len(codeCols)
	page.Columns = rows.Columns()[:shown]
	if len(codeCols) > 0 {
		page.Codes = make(map[string][]*string, len(codeCols))
		for _, c := range codeCols {
			page.Codes[c] = []*string{}
		}
	}
	for rows.Next() {
		vals := rows.Values()
		row := make([]*string, shown)
		for i, v := range vals {
			var cell *string
			if !rows.IsNull(i) {
				t := string(v)
				cell = &t
			}
			if i < shown {
				row[i] = cell
			} else {
				c := codeCols[i-shown]
				page.Codes[c] = append(page.Codes[c], cell)
			}
		}
		page.Rows = append(page.Rows, row)
	}
	return page, rows.Err()
}

// readCount reads the number of rows a search matches.
func (s *Store) readCount(ctx context.Context, sql string, params map[string]string, timeZone string) (int64, error) {
	total, err := s.B.Query(ctx, engine.Query{SQL: sql, Params: params, TimeZone: timeZone})
	if err != nil {
		return 0, err
	}
	defer total.Close()
	var n int64
	if total.Next() {
		n, _ = strconv.ParseInt(string(total.Values()[0]), 10, 64)
	}
	return n, total.Err()
}

// Values are a page's cells typed for JSON, by def's columns: int, number,
// percent and duration cells as numbers (json.Number, rounded half away from
// zero to the column's places, engine.ColumnDef.Places), bool cells as
// booleans, the others as the text ClickHouse gives; NULL, nan and inf as
// nil. Columns def does not declare keep their text.
func (p Page) Values(def *engine.Definition) [][]any {
	cols := make([]*engine.ColumnDef, len(p.Columns))
	for i, c := range p.Columns {
		for _, d := range def.Columns {
			if d.Name == c.Name {
				cols[i] = d
			}
		}
	}
	out := make([][]any, len(p.Rows))
	for r, row := range p.Rows {
		vals := make([]any, len(row))
		for i, v := range row {
			if v == nil {
				continue
			}
			vals[i] = *v
			if i >= len(cols) || cols[i] == nil {
				continue
			}
			switch cols[i].Type {
			case engine.ColInt, engine.ColNumber, engine.ColPercent, engine.ColDuration:
				if n, ok := writer.NumberText([]byte(*v), cols[i].Places()); ok {
					vals[i] = json.Number(n)
				} else {
					vals[i] = nil
				}
			case engine.ColBool:
				vals[i] = *v == "true" || *v == "1"
			}
		}
		out[r] = vals
	}
	return out
}

// processStart divides staging files: older ones were left by a process that
// died mid-freeze; newer ones may belong to a freeze running in this process.
var processStart = time.Now()

// RemoveStaleStaging deletes the staging files (snapshot-staging/run-*.native)
// that a killed process left on the embedded warehouse, those last written
// before this process started, and returns how many it removed. A server
// backend has none: 0, nil.
func (s *Store) RemoveStaleStaging() (int, error) {
	sb, ok := s.B.(streamingBackend)
	if !ok {
		return 0, nil
	}
	files, err := filepath.Glob(filepath.Join(sb.Path(), "snapshot-staging", "run-*.native"))
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || !st.ModTime().Before(processStart) {
			continue
		}
		if err := os.Remove(f); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
