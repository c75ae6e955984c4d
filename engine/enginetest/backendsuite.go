package enginetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// Feature is something a warehouse may lack: a type, a setting or a way of
// stopping a query. RunBackendSuite runs the cases that need a feature only on
// backends that have it; the others are skipped with the reason given.
type Feature string

// Features the suite knows. Types are named by the ClickHouse type they need.
const (
	// FeatureTableFilters: Query.TableFilters scope every read of a table
	// (the additional_table_filters setting).
	FeatureTableFilters Feature = "table filters"
	// FeatureParameters: Query.Params reach the server as typed parameters.
	FeatureParameters Feature = "typed parameters"
	// FeatureSessionTimeZone: Query.TimeZone may differ from the server's.
	FeatureSessionTimeZone Feature = "session time zone"
	// FeatureCancelBeforeFirstRow: a query that has produced no row yet (a
	// long aggregate) stops promptly when its context ends.
	FeatureCancelBeforeFirstRow Feature = "cancel before the first row"
	// FeatureProcessList: system.processes lists running queries, so the suite
	// can check that a cancelled query no longer runs.
	FeatureProcessList Feature = "system.processes"

	FeatureBool           Feature = "Bool"
	FeatureDateTime64     Feature = "DateTime64"
	FeatureDate32         Feature = "Date32"
	FeatureMap            Feature = "Map"
	FeatureBigInts        Feature = "Int128/Int256"
	FeatureIPv4           Feature = "IPv4"
	FeatureLowCardinality Feature = "LowCardinality"
	FeatureNamedTuple     Feature = "named Tuple"
)

// BackendSuiteOption adjusts RunBackendSuite to a backend.
type BackendSuiteOption func(*backendSuite)

// WithoutFeature declares that the backend under test lacks f; every case that
// needs it is skipped with reason (say which server version or library is the
// cause, e.g. "ClickHouse 18.16 predates DateTime64").
func WithoutFeature(f Feature, reason string) BackendSuiteOption {
	return func(s *backendSuite) { s.lacks[f] = reason }
}

// WithDatabase sets the database the suite creates its tables in (default
// "enginetest_suite"); it is created if missing and its tables are replaced.
func WithDatabase(name string) BackendSuiteOption {
	return func(s *backendSuite) { s.db = name }
}

type backendSuite struct {
	lacks map[Feature]string
	db    string
	open  func(t *testing.T) engine.Backend
}

// needs skips t unless the backend has every feature in fs.
func (s *backendSuite) needs(t *testing.T, fs ...Feature) {
	t.Helper()
	for _, f := range fs {
		if why, lacked := s.lacks[f]; lacked {
			t.Skipf("backend lacks %s: %s", f, why)
		}
	}
}

// RunBackendSuite checks that a warehouse backend behaves as engine.Backend
// promises and as every other backend does: the canonical text of each type
// (the writers depend on identical bytes from every backend), column names and
// types, streaming without holding the result, MaxRows truncation,
// cancellation, closing mid-stream, error text, Exec, settings, parameters,
// table filters and the session time zone. River's riverdrivertest is the
// model.
//
// open returns the backend to test; it is called once per case and may return
// a shared backend (the suite never closes what open returns; register a
// t.Cleanup in open to close a per-case one). Cases run one after another, so a
// backend that serialises queries (chDB) needs no extra care. Every expected
// value below is ClickHouse's documented text form, written by hand.
func RunBackendSuite(t *testing.T, open func(t *testing.T) engine.Backend, opts ...BackendSuiteOption) {
	t.Helper()
	s := &backendSuite{lacks: map[Feature]string{}, db: "enginetest_suite", open: open}
	for _, o := range opts {
		o(s)
	}
	for _, f := range slices.Sorted(maps.Keys(s.lacks)) {
		t.Logf("backend lacks %s: %s", f, s.lacks[f])
	}
	t.Run("CanonicalTextOfEachType", s.canonicalText)
	t.Run("ReportsColumnNamesAndTypes", s.columnNamesAndTypes)
	t.Run("ReportsColumnsOfAnEmptyResult", s.emptyResultColumns)
	t.Run("StreamsEveryRowOnceWithoutHoldingTheResult", s.streamsLargeResult)
	t.Run("MaxRowsTruncatesOnlyBeyondTheCap", s.maxRows)
	t.Run("CancelStopsTheQuery", s.cancelBeforeFirstRow)
	t.Run("DeadlineStopsTheQuery", s.deadlineBeforeFirstRow)
	t.Run("CancelWhileStreamingStopsTheQuery", s.cancelWhileStreaming)
	t.Run("RowsCloseMidStreamStopsTheQuery", s.closeMidStream)
	t.Run("ErrorsNameTheirCause", s.errorsNameTheirCause)
	t.Run("ExecInsertsAndQueryReadsBack", s.execInsertsAndQueryReadsBack)
	t.Run("SettingsReachTheServer", s.settingsReachTheServer)
	t.Run("StringParametersArriveByteForByte", s.stringParameters)
	t.Run("TableFiltersScopeQueriesAndExecQuery", s.tableFilters)
	t.Run("SessionTimeZoneRendersDateTimes", s.sessionTimeZone)
	t.Run("NothingLeaksIntoTheNextQuery", s.nothingLeaks)
}

// result is a whole query result in text form, NULL as "<NULL>".
type result struct {
	cols      []engine.Column
	rows      [][]string
	truncated bool
}

func collect(t *testing.T, r engine.Rows) result {
	t.Helper()
	defer r.Close()
	res := result{cols: r.Columns()}
	for r.Next() {
		row := make([]string, len(r.Values()))
		for i, v := range r.Values() {
			row[i] = string(v)
			if r.IsNull(i) {
				row[i] = "<NULL>"
			}
		}
		res.rows = append(res.rows, row)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	res.truncated = r.Truncated()
	return res
}

func query(t *testing.T, b engine.Backend, q engine.Query) result {
	t.Helper()
	r, err := b.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q.SQL, err)
	}
	return collect(t, r)
}

func (s *backendSuite) canonicalText(t *testing.T) {
	b := s.open(t)
	cases := []struct {
		name, expr, want string
		needs            []Feature
	}{
		{name: "Int8 min", expr: "toInt8(-128)", want: "-128"},
		{name: "UInt8 max", expr: "toUInt8(255)", want: "255"},
		{name: "Int16 min", expr: "toInt16(-32768)", want: "-32768"},
		{name: "UInt16 max", expr: "toUInt16(65535)", want: "65535"},
		{name: "Int32 min", expr: "toInt32(-2147483648)", want: "-2147483648"},
		{name: "UInt32 max", expr: "toUInt32(4294967295)", want: "4294967295"},
		{name: "Int64 min", expr: "toInt64('-9223372036854775808')", want: "-9223372036854775808"},
		{name: "UInt64 max", expr: "toUInt64('18446744073709551615')", want: "18446744073709551615"},
		{name: "Float64 tenth", expr: "toFloat64(0.1)", want: "0.1"},
		{name: "Float64 1e21 in exponent form", expr: "toFloat64(1e21)", want: "1e21"},
		{name: "Float64 1e20 in digits", expr: "toFloat64(1e20)", want: "100000000000000000000"},
		{name: "Float64 1e-7 in exponent form", expr: "toFloat64(1e-7)", want: "1e-7"},
		{name: "Float64 1e-6 in digits", expr: "toFloat64(0.000001)", want: "0.000001"},
		{name: "Float64 negative zero", expr: "toFloat64(-0.)", want: "-0"},
		{name: "Float64 infinity", expr: "1/0", want: "inf"},
		{name: "Float64 shortest round trip", expr: "toFloat64(12345.678)", want: "12345.678"},
		{name: "Float32 tenth", expr: "toFloat32(0.1)", want: "0.1"},
		{name: "String with tab, quote, newline, backslash, unicode", expr: `'a\tb''c\nd\\e ação €'`, want: "a\tb'c\nd\\e ação €"},
		{name: "FixedString padded with zero bytes", expr: "toFixedString('ab', 4)", want: "ab\x00\x00"},
		{name: "Date", expr: "toDate('2024-02-29')", want: "2024-02-29"},
		{name: "DateTime in a named zone", expr: "toDateTime('2024-01-01 12:34:56', 'America/Sao_Paulo')", want: "2024-01-01 12:34:56"},
		{name: "DateTime in the session zone", expr: "toDateTime('2024-01-01 12:34:56')", want: "2024-01-01 12:34:56"},
		{name: "Nullable value", expr: "toNullable(5)", want: "5"},
		{name: "Nullable NULL", expr: "CAST(NULL AS Nullable(Int32))", want: "<NULL>"},
		{name: "Array of numbers", expr: "[1, 2]", want: "[1,2]"},
		{name: "empty Array", expr: "emptyArrayUInt8()", want: "[]"},
		{name: "Array with NULL", expr: "[1, NULL]", want: "[1,NULL]"},
		{name: "Array of strings", expr: "['a', 'b']", want: "['a','b']"},
		// A backend hands over the TSV field decoded as a whole, so a quote
		// escaped inside an array literal arrives bare.
		{name: "Array of strings with a quote", expr: `['it''s']`, want: "['it's']"},
		{name: "Array of dates", expr: "[toDate('2024-01-01')]", want: "['2024-01-01']"},
		{name: "Array of arrays", expr: "[[1, 2], [3]]", want: "[[1,2],[3]]"},
		{name: "Enum8 as its name", expr: "CAST('b' AS Enum8('a' = 1, 'b' = 2))", want: "b"},
		{name: "Decimal as digits", expr: "toDecimal64(1.5, 3)", want: "1.5"},
		{name: "negative Decimal", expr: "toDecimal32(-0.25, 4)", want: "-0.25"},
		{name: "UUID", expr: "toUUID('01234567-89ab-cdef-0123-456789abcdef')", want: "01234567-89ab-cdef-0123-456789abcdef"},
		{name: "Tuple", expr: "(1, 'x')", want: "(1,'x')"},
		{name: "Bool", expr: "true", want: "true", needs: []Feature{FeatureBool}},
		{name: "Array of Bool", expr: "[true, false]", want: "[true,false]", needs: []Feature{FeatureBool}},
		{name: "DateTime64 with milliseconds", expr: "toDateTime64('2024-01-02 03:04:05.678', 3, 'UTC')", want: "2024-01-02 03:04:05.678", needs: []Feature{FeatureDateTime64}},
		{name: "DateTime64 in the session zone", expr: "toDateTime64('2024-01-02 03:04:05', 0)", want: "2024-01-02 03:04:05", needs: []Feature{FeatureDateTime64}},
		{name: "Date32 before 1970", expr: "toDate32('1900-01-01')", want: "1900-01-01", needs: []Feature{FeatureDate32}},
		{name: "Map with sorted keys", expr: "map('a', 1, 'b', 2)", want: "{'a':1,'b':2}", needs: []Feature{FeatureMap}},
		{name: "Int128 min", expr: "toInt128('-170141183460469231731687303715884105728')", want: "-170141183460469231731687303715884105728", needs: []Feature{FeatureBigInts}},
		{name: "UInt256 max", expr: "toUInt256('115792089237316195423570985008687907853269984665640564039457584007913129639935')", want: "115792089237316195423570985008687907853269984665640564039457584007913129639935", needs: []Feature{FeatureBigInts}},
		{name: "IPv4", expr: "toIPv4('10.0.0.1')", want: "10.0.0.1", needs: []Feature{FeatureIPv4}},
		{name: "LowCardinality String", expr: "toLowCardinality('x''y')", want: "x'y", needs: []Feature{FeatureLowCardinality}},
		{name: "named Tuple", expr: "CAST((1, 'x') AS Tuple(a UInt8, b String))", want: "(1,'x')", needs: []Feature{FeatureNamedTuple}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.needs(t, c.needs...)
			got := query(t, b, engine.Query{SQL: "SELECT " + c.expr + " AS v"})
			if len(got.rows) != 1 || len(got.rows[0]) != 1 || got.rows[0][0] != c.want {
				t.Fatalf("%s (%v) = %q, want %q", c.expr, got.cols, got.rows, c.want)
			}
		})
	}
}

func (s *backendSuite) columnNamesAndTypes(t *testing.T) {
	b := s.open(t)
	got := query(t, b, engine.Query{SQL: "SELECT toUInt32(1) AS id, toNullable('x') AS name, toDateTime('2024-01-01 00:00:00', 'UTC') AS at, 2 AS " + chsql.QuoteIdent("a`b c")})
	want := []engine.Column{{Name: "id", Type: "UInt32"}, {Name: "name", Type: "Nullable(String)"}, {Name: "at", Type: "DateTime('UTC')"}, {Name: "a`b c", Type: "UInt8"}}
	if fmt.Sprint(got.cols) != fmt.Sprint(want) {
		t.Fatalf("columns %v, want %v", got.cols, want)
	}
}

// An empty report still has its columns: the writers put them in the header.
func (s *backendSuite) emptyResultColumns(t *testing.T) {
	b := s.open(t)
	got := query(t, b, engine.Query{SQL: "SELECT number AS n, toString(number) AS s FROM numbers(10) WHERE n > 100"})
	want := []engine.Column{{Name: "n", Type: "UInt64"}, {Name: "s", Type: "String"}}
	if len(got.rows) != 0 || fmt.Sprint(got.cols) != fmt.Sprint(want) {
		t.Fatalf("got columns %v and %d rows, want %v and none", got.cols, len(got.rows), want)
	}
}

func (s *backendSuite) streamsLargeResult(t *testing.T) {
	b := s.open(t)
	const n = 1000000
	pad := strings.Repeat("x", 200)
	// 1M rows × ~200 bytes = ~200 MB of text if it were held in memory, and
	// many blocks or chunks of a few thousand rows each.
	r, err := b.Query(context.Background(), engine.Query{SQL: "SELECT number AS n, toString(number) AS s, '" + pad + "' AS pad FROM numbers(1000000)"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var i, peak uint64
	for r.Next() {
		v := r.Values()
		if string(v[0]) != strconv.FormatUint(i, 10) || string(v[1]) != string(v[0]) {
			t.Fatalf("row %d is %q %q", i, v[0], v[1])
		}
		if len(v[2]) != 200 {
			t.Fatalf("row %d: pad of %d bytes", i, len(v[2]))
		}
		i++
		if i%100000 == 0 {
			runtime.GC() // count live memory, not garbage awaiting collection
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Fatalf("got %d rows, want %d", i, n)
	}
	grew := int64(peak) - int64(base)
	t.Logf("live heap grew by %d MB while streaming ~200 MB", grew>>20)
	if grew > 120<<20 {
		t.Errorf("heap grew by %d MB while streaming; the result is being held", grew>>20)
	}
}

func (s *backendSuite) maxRows(t *testing.T) {
	b := s.open(t)
	cases := []struct {
		name      string
		maxRows   int64
		wantRows  int
		truncated bool
	}{
		{"no cap", 0, 10, false},
		{"cap above the result", 11, 10, false},
		{"cap exactly at the result", 10, 10, false},
		{"cap below the result", 9, 9, true},
		{"cap of one", 1, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := query(t, b, engine.Query{SQL: "SELECT number FROM numbers(10)", MaxRows: c.maxRows})
			if len(got.rows) != c.wantRows || got.truncated != c.truncated {
				t.Fatalf("got %d rows truncated=%v, want %d truncated=%v", len(got.rows), got.truncated, c.wantRows, c.truncated)
			}
			if got.rows[len(got.rows)-1][0] != fmt.Sprint(c.wantRows-1) {
				t.Fatalf("last row %v, want %d", got.rows[len(got.rows)-1], c.wantRows-1)
			}
		})
	}
}

// longAggregate produces no row for minutes; longStream produces rows at once
// and would go on for hours. Both name numbers(100000000000), which
// waitNoLongQueries looks for.
const (
	longAggregate = "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) = 7"
	longStream    = "SELECT number FROM numbers(100000000000)"
)

// waitNoLongQueries waits until the server no longer runs a long query.
func (s *backendSuite) waitNoLongQueries(t *testing.T, b engine.Backend) {
	t.Helper()
	if _, lacked := s.lacks[FeatureProcessList]; lacked {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := query(t, b, engine.Query{SQL: "SELECT count() FROM system.processes WHERE query LIKE '%numbers(100000000000)%' AND query NOT LIKE '%system.processes%'"})
		if got.rows[0][0] == "0" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still runs the stopped query")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// drain runs sql until it ends or fails and returns the error and how long
// that took.
func drain(ctx context.Context, b engine.Backend, sql string) (time.Duration, error) {
	start := time.Now()
	r, err := b.Query(ctx, engine.Query{SQL: sql})
	if err == nil {
		for r.Next() {
		}
		err = r.Err()
		r.Close()
	}
	return time.Since(start), err
}

func (s *backendSuite) cancelBeforeFirstRow(t *testing.T) {
	s.needs(t, FeatureCancelBeforeFirstRow)
	b := s.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	took, err := drain(ctx, b, longAggregate)
	if took > 3*time.Second {
		t.Errorf("cancel took %s", took)
	}
	if !errors.Is(err, engine.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want engine.ErrCanceled wrapping context.Canceled", err)
	}
	s.waitNoLongQueries(t, b)
	if got := query(t, b, engine.Query{SQL: "SELECT 1"}); got.rows[0][0] != "1" {
		t.Fatalf("backend unusable after cancel: %v", got.rows)
	}
}

func (s *backendSuite) deadlineBeforeFirstRow(t *testing.T) {
	s.needs(t, FeatureCancelBeforeFirstRow)
	b := s.open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	took, err := drain(ctx, b, longAggregate)
	if took > 3*time.Second {
		t.Errorf("timeout took %s", took)
	}
	if !errors.Is(err, engine.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want engine.ErrCanceled wrapping context.DeadlineExceeded", err)
	}
	s.waitNoLongQueries(t, b)
}

func (s *backendSuite) cancelWhileStreaming(t *testing.T) {
	b := s.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := b.Query(ctx, engine.Query{SQL: longStream})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 1000 && r.Next(); i++ {
	}
	cancel()
	start := time.Now()
	for r.Next() {
		if time.Since(start) > 3*time.Second {
			t.Fatal("rows keep coming 3s after cancel")
		}
	}
	if err := r.Err(); !errors.Is(err, engine.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want engine.ErrCanceled wrapping context.Canceled", err)
	}
	r.Close()
	s.waitNoLongQueries(t, b)
}

func (s *backendSuite) closeMidStream(t *testing.T) {
	b := s.open(t)
	r, err := b.Query(context.Background(), engine.Query{SQL: longStream})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && r.Next(); i++ {
	}
	start := time.Now()
	r.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close mid-stream took %s", took)
	}
	if r.Next() {
		t.Error("Next after Close returned a row")
	}
	s.waitNoLongQueries(t, b)
	if got := query(t, b, engine.Query{SQL: "SELECT 2"}); got.rows[0][0] != "2" {
		t.Fatalf("backend unusable after Close: %v", got.rows)
	}
}

// Error wording differs between ClickHouse versions; what every version and
// backend keeps is the name of the thing that is wrong.
func (s *backendSuite) errorsNameTheirCause(t *testing.T) {
	b := s.open(t)
	cases := []struct{ name, sql, want string }{
		{"syntax error", "SELEC 1", "Syntax error"},
		{"unknown table", "SELECT * FROM system.no_such_table", "no_such_table"},
		{"unknown column", "SELECT no_such_column FROM system.one", "no_such_column"},
		{"unknown function", "SELECT no_such_function(1)", "no_such_function"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := b.Query(context.Background(), engine.Query{SQL: c.sql})
			if err == nil {
				for r.Next() {
				}
				err = r.Err()
				r.Close()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want an error mentioning %q", err, c.want)
			}
			if errors.Is(err, engine.ErrCanceled) {
				t.Fatalf("err = %v is a cancellation", err)
			}
		})
	}
	if err := b.Exec(context.Background(), "INSERT INTO system.no_such_table SELECT 1"); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("Exec into a missing table: err = %v, want one naming no_such_table", err)
	}
}

// createCalls (re)creates the suite's calls table: tenants 1, 2 and 3 with 2,
// 1 and 5 rows; rows go in by INSERT … SELECT, which every server accepts over
// every protocol.
func (s *backendSuite) createCalls(t *testing.T, b engine.Backend) string {
	t.Helper()
	table := s.db + ".calls"
	for _, sql := range []string{
		"CREATE DATABASE IF NOT EXISTS " + s.db,
		"DROP TABLE IF EXISTS " + table,
		"CREATE TABLE " + table + " (tenant_id UInt32, at DateTime('UTC'), agent String) ENGINE = MergeTree ORDER BY (tenant_id, at)",
		"INSERT INTO " + table + " SELECT 1, toDateTime('2024-03-01 10:00:00', 'UTC'), 'ana' UNION ALL SELECT 2, toDateTime('2024-03-01 11:00:00', 'UTC'), 'bia' UNION ALL SELECT 1, toDateTime('2024-03-02 09:30:00', 'UTC'), 'caio'",
		"INSERT INTO " + table + " SELECT 3, toDateTime('2024-03-03 00:00:00', 'UTC') + number, 'gen' FROM numbers(5)",
	} {
		if err := b.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return table
}

func (s *backendSuite) execInsertsAndQueryReadsBack(t *testing.T) {
	b := s.open(t)
	table := s.createCalls(t, b)
	got := query(t, b, engine.Query{SQL: "SELECT tenant_id, count(), min(at), max(agent) FROM " + table + " GROUP BY tenant_id ORDER BY tenant_id"})
	want := [][]string{
		{"1", "2", "2024-03-01 10:00:00", "caio"},
		{"2", "1", "2024-03-01 11:00:00", "bia"},
		{"3", "5", "2024-03-03 00:00:00", "gen"},
	}
	if fmt.Sprint(got.rows) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got.rows, want)
	}
}

func (s *backendSuite) settingsReachTheServer(t *testing.T) {
	b := s.open(t)
	got := query(t, b, engine.Query{
		SQL:      "SELECT value FROM system.settings WHERE name = 'max_threads'",
		Settings: map[string]string{"max_threads": "1"},
	})
	// 18.16 writes "auto(1)"-style values for some settings; "1" is in both.
	if len(got.rows) != 1 || !strings.Contains(got.rows[0][0], "1") {
		t.Fatalf("max_threads = %v, want 1", got.rows)
	}
	for _, name := range []string{"max_thread s", "x; DROP TABLE t", "a=1, b"} {
		if _, err := b.Query(context.Background(), engine.Query{SQL: "SELECT 1", Settings: map[string]string{name: "1"}}); err == nil {
			t.Errorf("setting name %q was accepted", name)
		}
	}
}

func (s *backendSuite) stringParameters(t *testing.T) {
	s.needs(t, FeatureParameters)
	b := s.open(t)
	for _, v := range []string{`a\b`, "line\nbreak", "tab\there", `'); DROP TABLE x; --`, "nul\x00byte", `\N`, "ünïcødé", "{p:String}", ""} {
		got := query(t, b, engine.Query{SQL: "SELECT {p:String} AS v", Params: map[string]string{"p": chsql.EscapeParam(v)}})
		if len(got.rows) != 1 || got.rows[0][0] != v {
			t.Fatalf("%q arrived as %q", v, got.rows)
		}
	}
	got := query(t, b, engine.Query{SQL: "SELECT {n:UInt32} + 1 AS v, toTypeName({n:UInt32}) AS t", Params: map[string]string{"n": "41"}})
	if fmt.Sprint(got.rows) != "[[42 UInt32]]" {
		t.Fatalf("typed parameter: got %v, want [[42 UInt32]]", got.rows)
	}
	if _, err := b.Query(context.Background(), engine.Query{SQL: "SELECT 1", Params: map[string]string{"p q": "x"}}); err == nil {
		t.Error("a parameter name with a space was accepted")
	}
}

func (s *backendSuite) tableFilters(t *testing.T) {
	s.needs(t, FeatureTableFilters)
	b := s.open(t)
	table := s.createCalls(t, b)
	scope := map[string]string{table: "tenant_id = 1"}
	got := query(t, b, engine.Query{SQL: "SELECT agent FROM " + table + " ORDER BY at", TableFilters: scope})
	if fmt.Sprint(got.rows) != "[[ana] [caio]]" {
		t.Fatalf("scoped read: got %v, want tenant 1's [[ana] [caio]]", got.rows)
	}
	// A subquery and a join read the table through the same filter.
	got = query(t, b, engine.Query{SQL: "SELECT count() FROM (SELECT * FROM " + table + ") AS a, " + table + " AS b", TableFilters: scope})
	if fmt.Sprint(got.rows) != "[[4]]" {
		t.Fatalf("scoped join: got %v, want [[4]] (2 × 2 rows of tenant 1)", got.rows)
	}
	copyTable := s.db + ".calls_copy"
	if err := b.Exec(context.Background(), "DROP TABLE IF EXISTS "+copyTable); err != nil {
		t.Fatal(err)
	}
	err := b.ExecQuery(context.Background(), engine.Query{
		SQL:          "CREATE TABLE " + copyTable + " ENGINE = MergeTree ORDER BY tenant_id AS SELECT * FROM " + table,
		TableFilters: scope,
	})
	if err != nil {
		t.Fatal(err)
	}
	got = query(t, b, engine.Query{SQL: "SELECT tenant_id, count() FROM " + copyTable + " GROUP BY tenant_id"})
	if fmt.Sprint(got.rows) != "[[1 2]]" {
		t.Fatalf("ExecQuery copied %v, want tenant 1's 2 rows only", got.rows)
	}
}

func (s *backendSuite) sessionTimeZone(t *testing.T) {
	b := s.open(t)
	// 1704078000 is 2024-01-01 03:00:00 UTC, midnight in São Paulo (UTC-3).
	const sql = "SELECT toDateTime(1704078000) AS at, toDate(toDateTime(1704078000 - 1)) AS day"
	got := query(t, b, engine.Query{SQL: sql, TimeZone: "UTC"})
	if fmt.Sprint(got.rows) != "[[2024-01-01 03:00:00 2024-01-01]]" {
		t.Fatalf("in UTC: got %v", got.rows)
	}
	s.needs(t, FeatureSessionTimeZone)
	got = query(t, b, engine.Query{SQL: sql, TimeZone: "America/Sao_Paulo"})
	if fmt.Sprint(got.rows) != "[[2024-01-01 00:00:00 2023-12-31]]" {
		t.Fatalf("in America/Sao_Paulo: got %v, want [[2024-01-01 00:00:00 2023-12-31]]", got.rows)
	}
}

func (s *backendSuite) nothingLeaks(t *testing.T) {
	s.needs(t, FeatureTableFilters, FeatureSessionTimeZone)
	b := s.open(t)
	table := s.createCalls(t, b)
	query(t, b, engine.Query{
		SQL:          "SELECT count() FROM " + table,
		TableFilters: map[string]string{table: "tenant_id = 2"},
		TimeZone:     "America/Sao_Paulo",
		Settings:     map[string]string{"max_threads": "1"},
	})
	got := query(t, b, engine.Query{SQL: "SELECT count(), toString(toDateTime(1704078000)) FROM " + table})
	if fmt.Sprint(got.rows) != "[[8 2024-01-01 03:00:00]]" {
		t.Fatalf("the next plain query got %v, want all 8 rows and UTC", got.rows)
	}
}
