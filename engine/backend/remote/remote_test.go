package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/backend/remote"
	"github.com/relato/relato/engine/enginetest"
)

// One ClickHouse server (and, with CHDB_LIB_PATH, one chdb session) per test
// binary: starting 18.16 takes a second or two, and chdb allows one per process.
var (
	serverAddr string
	serverErr  error
	embedded   *chdb.Backend
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "remote-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv, err := enginetest.StartClickHouseServerIn(dir)
	if err != nil {
		serverErr = err
	} else {
		serverAddr = srv.Addr
	}
	if os.Getenv(chdb.LibraryEnv) != "" {
		if embedded, err = chdb.Open(dir + "/chdb"); err != nil {
			fmt.Fprintln(os.Stderr, "chdb:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if embedded != nil {
		embedded.Close()
	}
	if srv != nil {
		srv.Stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// open connects to the shared server, skipping (outside CI) when none is installed.
func open(t *testing.T) *remote.Backend {
	t.Helper()
	if serverErr != nil {
		if errors.Is(serverErr, enginetest.ErrClickHouseMissing) && os.Getenv("CI") == "" {
			t.Skip(serverErr)
		}
		t.Fatal(serverErr)
	}
	b, err := remote.Open(context.Background(), remote.Config{Addr: []string{serverAddr}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

type result struct {
	cols      []engine.Column
	rows      [][]string // NULL as "<NULL>"
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

func TestOpen_ReportsServerAndCapabilities(t *testing.T) {
	b := open(t)
	v := b.ServerVersion()
	caps := b.Capabilities()
	t.Logf("server %s, capabilities %+v", v, caps)
	if strings.HasPrefix(v, "18.") && caps != (remote.Capabilities{}) {
		t.Errorf("ClickHouse %s has none of table filters, parameters, session time zone, text settings; got %+v", v, caps)
	}
}

func TestQuery_CanonicalTextOfEachType(t *testing.T) {
	b := open(t)
	cases := []struct {
		name, expr, want string
	}{
		{"Int8 min", "toInt8(-128)", "-128"},
		{"UInt8 max", "toUInt8(255)", "255"},
		{"Int16 min", "toInt16(-32768)", "-32768"},
		{"UInt16 max", "toUInt16(65535)", "65535"},
		{"Int32 min", "toInt32(-2147483648)", "-2147483648"},
		{"UInt32 max", "toUInt32(4294967295)", "4294967295"},
		{"Int64 min", "toInt64('-9223372036854775808')", "-9223372036854775808"},
		{"UInt64 max", "toUInt64('18446744073709551615')", "18446744073709551615"},
		{"Float64 tenth", "toFloat64(0.1)", "0.1"},
		{"Float64 1e21 in exponent form", "toFloat64(1e21)", "1e21"},
		{"Float64 1e20 in digits", "toFloat64(1e20)", "100000000000000000000"},
		{"Float64 1e-7 in exponent form", "toFloat64(1e-7)", "1e-7"},
		{"Float64 1e-6 in digits", "toFloat64(0.000001)", "0.000001"},
		{"Float64 negative zero", "toFloat64(-0.)", "-0"},
		{"Float64 infinity", "1/0", "inf"},
		{"Float64 shortest round trip", "toFloat64(12345.678)", "12345.678"},
		{"Float32 tenth", "toFloat32(0.1)", "0.1"},
		{"String with tab, quote, newline, backslash, unicode", `'a\tb''c\nd\\e ação €'`, "a\tb'c\nd\\e ação €"},
		{"FixedString padded with zero bytes", "toFixedString('ab', 4)", "ab\x00\x00"},
		{"Date", "toDate('2024-02-29')", "2024-02-29"},
		{"DateTime in a named zone", "toDateTime('2024-01-01 12:34:56', 'America/Sao_Paulo')", "2024-01-01 12:34:56"},
		{"DateTime in the session zone", "toDateTime('2024-01-01 12:34:56')", "2024-01-01 12:34:56"},
		{"Nullable value", "toNullable(5)", "5"},
		{"Nullable NULL", "CAST(NULL AS Nullable(Int32))", "<NULL>"},
		{"Array of numbers", "[1, 2]", "[1,2]"},
		{"empty Array", "emptyArrayUInt8()", "[]"},
		{"Array with NULL", "[1, NULL]", "[1,NULL]"},
		{"Array of strings", "['a', 'b']", "['a','b']"},
		// chdb's rows decode TSV escapes over the whole field, so a quote
		// escaped inside an array literal arrives bare; remote matches that.
		{"Array of strings with a quote", `['it''s']`, "['it's']"},
		{"Array of dates", "[toDate('2024-01-01')]", "['2024-01-01']"},
		{"Array of arrays", "[[1, 2], [3]]", "[[1,2],[3]]"},
		{"Enum8 as its name", "CAST('b' AS Enum8('a' = 1, 'b' = 2))", "b"},
		{"Decimal as digits", "toDecimal64(1.5, 3)", "1.5"},
		{"negative Decimal", "toDecimal32(-0.25, 4)", "-0.25"},
		{"UUID", "toUUID('01234567-89ab-cdef-0123-456789abcdef')", "01234567-89ab-cdef-0123-456789abcdef"},
		{"Tuple", "(1, 'x')", "(1,'x')"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := engine.Query{SQL: "SELECT " + c.expr + " AS v"}
			got := query(t, b, q)
			if len(got.rows) != 1 || got.rows[0][0] != c.want {
				t.Fatalf("remote %s (%v) = %q, want %q", c.expr, got.cols, got.rows, c.want)
			}
			if embedded == nil {
				return
			}
			e := query(t, embedded, q)
			if len(e.rows) != 1 || e.rows[0][0] != got.rows[0][0] {
				t.Errorf("chdb %s = %q, remote %q", c.expr, e.rows, got.rows[0][0])
			}
		})
	}
}

func TestQuery_ReportsColumnNamesAndTypes(t *testing.T) {
	b := open(t)
	got := query(t, b, engine.Query{SQL: "SELECT toUInt32(1) AS id, toNullable('x') AS name, toDateTime('2024-01-01 00:00:00', 'UTC') AS at"})
	want := []engine.Column{{Name: "id", Type: "UInt32"}, {Name: "name", Type: "Nullable(String)"}, {Name: "at", Type: "DateTime('UTC')"}}
	if fmt.Sprint(got.cols) != fmt.Sprint(want) {
		t.Fatalf("columns %v, want %v", got.cols, want)
	}
}

func TestQuery_StreamsLargeResultWithoutHoldingIt(t *testing.T) {
	b := open(t)
	// 1M rows × ~200 bytes = ~200 MB of text if it were held in memory.
	r, err := b.Query(context.Background(), engine.Query{SQL: "SELECT number, '" + strings.Repeat("x", 200) + "' FROM numbers(1000000)"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var n, sum, peak uint64
	for r.Next() {
		var v uint64
		fmt.Sscan(string(r.Values()[0]), &v)
		sum += v
		if len(r.Values()[1]) != 200 {
			t.Fatalf("row %d: string of %d bytes", n, len(r.Values()[1]))
		}
		n++
		if n%100000 == 0 {
			runtime.GC() // count live memory, not garbage awaiting collection
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1000000 || sum != 999999*1000000/2 {
		t.Fatalf("rows %d sum %d, want 1000000 and %d", n, sum, 999999*1000000/2)
	}
	grew := int64(peak) - int64(base)
	t.Logf("live heap grew by %d MB while streaming ~200 MB", grew>>20)
	if grew > 120<<20 { // the whole result would be over 200 MB
		t.Errorf("heap grew by %d MB while streaming; the result is being held", grew>>20)
	}
}

func TestQuery_MaxRowsTruncatesOnlyBeyondTheCap(t *testing.T) {
	b := open(t)
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

const longQuery = "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) = 7"

// runningLongQueries counts server-side copies of longQuery still running.
func runningLongQueries(t *testing.T, b *remote.Backend) string {
	t.Helper()
	got := query(t, b, engine.Query{SQL: "SELECT count() FROM system.processes WHERE query LIKE '%numbers(100000000000)%' AND query NOT LIKE '%system.processes%'"})
	return got.rows[0][0]
}

func waitNoLongQueries(t *testing.T, b *remote.Backend) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runningLongQueries(t, b) != "0" {
		if time.Now().After(deadline) {
			t.Fatal("the server still runs the cancelled query")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestQuery_CancelStopsTheServerQuery(t *testing.T) {
	b := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	r, err := b.Query(ctx, engine.Query{SQL: longQuery})
	if err == nil {
		for r.Next() {
		}
		err = r.Err()
		r.Close()
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("cancel took %s", took)
	}
	if !errors.Is(err, engine.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want engine.ErrCanceled wrapping context.Canceled", err)
	}
	waitNoLongQueries(t, b)
	if got := query(t, b, engine.Query{SQL: "SELECT 1"}); got.rows[0][0] != "1" {
		t.Fatalf("server unusable after cancel: %v", got.rows)
	}
}

func TestQuery_DeadlineStopsTheQuery(t *testing.T) {
	b := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := b.Query(ctx, engine.Query{SQL: longQuery})
	if err == nil {
		for r.Next() {
		}
		err = r.Err()
		r.Close()
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("timeout took %s", took)
	}
	if !errors.Is(err, engine.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want engine.ErrCanceled wrapping context.DeadlineExceeded", err)
	}
	waitNoLongQueries(t, b)
}

func TestRowsClose_MidStreamStopsTheQuery(t *testing.T) {
	b := open(t)
	r, err := b.Query(context.Background(), engine.Query{SQL: "SELECT number FROM numbers(100000000000)"})
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
	waitNoLongQueries(t, b)
	if got := query(t, b, engine.Query{SQL: "SELECT 2"}); got.rows[0][0] != "2" {
		t.Fatalf("server unusable after Close: %v", got.rows)
	}
}

func TestQuery_ServerErrorsAreClear(t *testing.T) {
	b := open(t)
	cases := []struct{ name, sql, want string }{
		{"syntax error", "SELEC 1", "Syntax error"},
		{"unknown table", "SELECT * FROM default.no_such_table", "no_such_table doesn't exist"},
		{"unknown column", "SELECT no_such_column FROM system.one", "no_such_column"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := b.Query(context.Background(), engine.Query{SQL: c.sql})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "server error") {
				t.Fatalf("err = %v, want a server error mentioning %q", err, c.want)
			}
		})
	}
}

func TestOpen_UnreachableServerNamesTheAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	_, err = remote.Open(context.Background(), remote.Config{Addr: []string{addr}, DialTimeout: time.Second})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Open took %s with a 1s dial timeout", took)
	}
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want connection refused naming %s", err, addr)
	}
}

func TestExec_InsertsAndQueryReadsBack(t *testing.T) {
	b := open(t)
	ctx := context.Background()
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS wh",
		"DROP TABLE IF EXISTS wh.exec_calls",
		"CREATE TABLE wh.exec_calls (tenant_id UInt32, at DateTime, agent String) ENGINE = MergeTree ORDER BY (tenant_id, at)",
		"INSERT INTO wh.exec_calls SELECT 1, toDateTime('2024-03-01 10:00:00'), 'ana' UNION ALL SELECT 2, toDateTime('2024-03-01 11:00:00'), 'bia' UNION ALL SELECT 1, toDateTime('2024-03-02 09:30:00'), 'caio'",
		"INSERT INTO wh.exec_calls SELECT 3, toDateTime('2024-03-03 00:00:00') + number, 'gen' FROM numbers(5)",
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	got := query(t, b, engine.Query{SQL: "SELECT tenant_id, count(), min(at), max(agent) FROM wh.exec_calls GROUP BY tenant_id ORDER BY tenant_id"})
	want := [][]string{
		{"1", "2", "2024-03-01 10:00:00", "caio"},
		{"2", "1", "2024-03-01 11:00:00", "bia"},
		{"3", "5", "2024-03-03 00:00:00", "gen"},
	}
	if fmt.Sprint(got.rows) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got.rows, want)
	}
	if err := b.Exec(ctx, "INSERT INTO wh.no_such_table SELECT 1"); err == nil || !strings.Contains(err.Error(), "server error") {
		t.Fatalf("Exec into a missing table: err = %v", err)
	}
	if !b.Capabilities().TextSettings {
		// 18.16 would wait for data blocks the driver never sends.
		start := time.Now()
		err := b.Exec(ctx, "INSERT INTO wh.exec_calls VALUES (9, '2024-01-01 00:00:00', 'x')")
		if !errors.Is(err, remote.ErrUnsupported) || time.Since(start) > time.Second {
			t.Fatalf("INSERT VALUES on an old server: err = %v after %s, want a prompt ErrUnsupported", err, time.Since(start))
		}
	}
}

func TestQuery_SettingsReachTheServer(t *testing.T) {
	b := open(t)
	got := query(t, b, engine.Query{
		SQL:      "SELECT value FROM system.settings WHERE name = 'max_threads'",
		Settings: map[string]string{"max_threads": "1"},
	})
	if len(got.rows) != 1 || !strings.Contains(got.rows[0][0], "1") {
		t.Fatalf("max_threads = %v, want 1", got.rows)
	}
	_, err := b.Query(context.Background(), engine.Query{SQL: "SELECT 1", Settings: map[string]string{"max_thread s": "1"}})
	if err == nil {
		t.Fatal("a setting name with a space was accepted")
	}
}

// The old server lacks what tenant scoping and typed parameters rest on, so
// the backend must refuse those queries rather than run them weaker.
func TestQuery_RefusesWhatTheServerCannotDoSafely(t *testing.T) {
	b := open(t)
	caps := b.Capabilities()
	cases := []struct {
		name    string
		lacks   bool
		q       engine.Query
		mention string
	}{
		{"table filters without additional_table_filters", !caps.TableFilters,
			engine.Query{SQL: "SELECT count() FROM system.one", TableFilters: map[string]string{"system.one": "dummy = 1"}}, "unscoped"},
		{"parameters without native-protocol parameters", !caps.Parameters,
			engine.Query{SQL: "SELECT {p:String}", Params: map[string]string{"p": "x"}}, "pasting"},
		{"a time zone other than the server's without session_timezone", !caps.SessionTimeZone,
			engine.Query{SQL: "SELECT now()", TimeZone: "America/Sao_Paulo"}, "session_timezone"},
		{"a text setting on a protocol with integer settings only", !caps.TextSettings,
			engine.Query{SQL: "SELECT 1", Settings: map[string]string{"load_balancing": "random"}}, "integer settings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.lacks {
				t.Skipf("server %s has this feature", b.ServerVersion())
			}
			_, err := b.Query(context.Background(), c.q)
			if !errors.Is(err, remote.ErrUnsupported) || !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("err = %v, want ErrUnsupported mentioning %q", err, c.mention)
			}
		})
	}
}

func TestQuery_TableFiltersScopeReadsWhenSupported(t *testing.T) {
	b := open(t)
	if !b.Capabilities().TableFilters {
		t.Skipf("server %s has no additional_table_filters (refusal tested above)", b.ServerVersion())
	}
	got := query(t, b, engine.Query{SQL: "SELECT number FROM system.numbers LIMIT 3", TableFilters: map[string]string{"system.numbers": "number % 2 = 1"}})
	if fmt.Sprint(got.rows) != "[[1] [3] [5]]" {
		t.Fatalf("got %v, want the odd numbers only", got.rows)
	}
}
