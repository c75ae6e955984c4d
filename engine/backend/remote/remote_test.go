package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/remote"
	"github.com/relato/relato/engine/enginetest"
)

// One ClickHouse server per test binary: starting 18.16 takes a second or two.
// What the embedded backend must render the same way is in the shared suite
// (suite_test.go), run by both backends against the same hand-written values.
var (
	serverAddr string
	serverErr  error
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
	code := m.Run()
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

func TestOpen_ReportsServerAndCapabilities(t *testing.T) {
	b := open(t)
	v := b.ServerVersion()
	caps := b.Capabilities()
	t.Logf("server %s, capabilities %+v", v, caps)
	if strings.HasPrefix(v, "18.") && caps != (remote.Capabilities{}) {
		t.Errorf("ClickHouse %s has none of table filters, parameters, session time zone, text settings; got %+v", v, caps)
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

// The old server lacks what tenant scoping and typed parameters rest on, so
// the backend must refuse those queries rather than run them weaker.
// Servers before text settings wait for INSERT data blocks the driver never
// sends; Exec refuses such statements at once instead of hanging.
func TestExec_ServerErrorsAndInlineInsertDataOnOldServers(t *testing.T) {
	b := open(t)
	ctx := context.Background()
	if err := b.Exec(ctx, "INSERT INTO system.no_such_table SELECT 1"); err == nil || !strings.Contains(err.Error(), "server error") {
		t.Fatalf("Exec into a missing table: err = %v", err)
	}
	if b.Capabilities().TextSettings {
		t.Skipf("server %s reads inline INSERT data", b.ServerVersion())
	}
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS wh",
		"DROP TABLE IF EXISTS wh.exec_calls",
		"CREATE TABLE wh.exec_calls (tenant_id UInt32, at DateTime, agent String) ENGINE = MergeTree ORDER BY (tenant_id, at)",
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	// 18.16 would wait for data blocks the driver never sends.
	start := time.Now()
	err := b.Exec(ctx, "INSERT INTO wh.exec_calls VALUES (9, '2024-01-01 00:00:00', 'x')")
	if !errors.Is(err, remote.ErrUnsupported) || time.Since(start) > time.Second {
		t.Fatalf("INSERT VALUES on an old server: err = %v after %s, want a prompt ErrUnsupported", err, time.Since(start))
	}
}

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

func TestQuery_ReportsTheServersProgressPackets(t *testing.T) {
	b := open(t)
	var last engine.Progress
	calls := 0
	ctx := engine.WithProgress(context.Background(), func(p engine.Progress) { last, calls = p, calls+1 })
	// count() reads all the numbers and returns one row. numbers() is read
	// in whole blocks of 65,536 rows, so a multiple of it is read exactly:
	// 46 × 65,536 = 3,014,656.
	rows, err := b.Query(ctx, engine.Query{SQL: "SELECT count() FROM numbers(3014656)"})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if calls == 0 || last.ReadRows != 3_014_656 {
		t.Errorf("%d progress calls, last %+v; want read rows summed to 3014656", calls, last)
	}
}
