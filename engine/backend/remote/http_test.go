package remote_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/remote"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/enginetest/chhttp"
)

var (
	httpOnce sync.Once
	httpSrv  *httptest.Server
)

// openHTTP connects over ClickHouse's HTTP interface to the test binary's
// embedded chDB (ClickHouse 26.5) served by the chhttp seam: the only way
// here to run the remote backend against a ClickHouse that has table
// filters, parameters and session time zones.
func openHTTP(t *testing.T) *remote.Backend {
	t.Helper()
	b := enginetest.ChDB(t)
	httpOnce.Do(func() { httpSrv = httptest.NewServer(&chhttp.Handler{B: b}) })
	cfg, err := remote.ParseDSN("clickhouse+http://" + strings.TrimPrefix(httpSrv.URL, "http://") + "/default?dial_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	r, err := remote.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// The shared conformance suite over HTTP, with nothing declared missing: the
// same hand-written values the embedded backend renders.
func TestBackendSuite_OverHTTP(t *testing.T) {
	b := openHTTP(t)
	if caps := b.Capabilities(); caps != (remote.Capabilities{TableFilters: true, Parameters: true, SessionTimeZone: true, TextSettings: true}) {
		t.Fatalf("ClickHouse %s over HTTP: capabilities %+v, want all", b.ServerVersion(), caps)
	}
	enginetest.RunBackendSuite(t, func(t *testing.T) engine.Backend { return openHTTP(t) },
		enginetest.WithoutFeature(enginetest.FeatureCancelBeforeFirstRow, "the chhttp seam serves chDB, which stops a query only between result chunks"),
		enginetest.WithoutFeature(enginetest.FeatureProcessList, "the chhttp seam runs one chDB query at a time, so system.processes cannot be read while another query runs"))
}

func TestParseDSN_HTTP(t *testing.T) {
	cases := []struct {
		dsn      string
		addr     string
		database string
	}{
		{"clickhouse+http://u:p@wh.example:8124/wh", "wh.example:8124", "wh"},
		{"clickhouse+http://wh.example/wh", "wh.example:8123", "wh"},             // ClickHouse's HTTP port
		{"clickhouse+http://wh.example/wh?secure=true", "wh.example:8443", "wh"}, // its HTTPS port
	}
	for _, c := range cases {
		cfg, err := remote.ParseDSN(c.dsn)
		if err != nil {
			t.Fatalf("%s: %v", c.dsn, err)
		}
		if !cfg.HTTP || len(cfg.Addr) != 1 || cfg.Addr[0] != c.addr || cfg.Database != c.database {
			t.Errorf("%s: got %+v, want HTTP to %s database %s", c.dsn, cfg, c.addr, c.database)
		}
	}
	if cfg, _ := remote.ParseDSN("clickhouse://wh.example/wh"); cfg.HTTP || cfg.Addr[0] != "wh.example:9000" {
		t.Errorf("clickhouse:// is the native protocol on 9000, got %+v", cfg)
	}
}

func TestQuery_OverHTTP_ErrorsKeepTheServerCode(t *testing.T) {
	b := openHTTP(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := b.Query(ctx, engine.Query{SQL: "SELECT * FROM default.no_such_table"})
	// 60 is UNKNOWN_TABLE in ClickHouse's ErrorCodes.cpp.
	if err == nil || !strings.Contains(err.Error(), "server error 60") {
		t.Fatalf("got %v, want server error 60 (UNKNOWN_TABLE)", err)
	}
}

// An empty result with a LowCardinality column is a header block: its names
// and types, then the next query works on the same connection. The seam once
// wrote the column's dictionary into it and the client read garbage
// ("unsupported column type") — every contacts.all_contacts snapshot failed
// in the multi-instance test.
func TestHTTP_AnEmptyResultWithALowCardinalityColumnIsAHeader(t *testing.T) {
	b := openHTTP(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		rows, err := b.Query(ctx, engine.Query{SQL: "SELECT toLowCardinality('inbound') AS direction, 1 AS n LIMIT 0"})
		if err != nil {
			t.Fatal(err)
		}
		cols := rows.Columns()
		if rows.Next() {
			t.Fatal("a LIMIT 0 result has a row")
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("query %d: %v", i+1, err)
		}
		rows.Close()
		if len(cols) != 2 || cols[0].Name != "direction" || cols[0].Type != "LowCardinality(String)" || cols[1].Name != "n" {
			t.Fatalf("columns %+v", cols)
		}
	}
}
