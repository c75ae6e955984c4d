// Package servertest starts the whole relato server for tests, built by the
// same composition root as `relato serve` (server/instance), over real HTTP on
// a loopback port: a SQLite control plane in the test's temporary folder, the
// test binary's embedded warehouse seeded with the deterministic test data, a
// worker pool and a scheduler the test ticks. Modelled on River's rivertest:
// one call, cleaned up with t.Cleanup.
package servertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/delivery"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs"
)

// SeedEnd is the instant the test data ends: 2024-03-20 12:00 UTC (09:00 in
// São Paulo). Tests that fix the clock usually fix it here.
var SeedEnd = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)

// SecretKey is the test instances' key for destination secrets (32 bytes of 42).
var SecretKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{42}, 32))

// Options adjust the server a test starts; the zero value is a server with a
// real clock, 2 workers and a scheduler the test ticks.
type Options struct {
	// Configure changes the configuration before the server is built (plugins
	// folder, workers…).
	Configure func(*instance.Config)
	// Now is the clock of the application and the scheduler.
	Now func() time.Time
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// WrapExecute wraps run execution (inject failing or blocking runs).
	WrapExecute func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error)
	// Warehouse wraps the shared test warehouse (a test makes it fail).
	Warehouse func(engine.Backend) engine.Backend
	// StartScheduler runs the scheduler's own loop; by default the test calls
	// Schedules.Tick itself.
	StartScheduler bool
}

// Server is a started server.
type Server struct {
	*instance.Instance
	// URL is the base URL of the API and the pages, http://127.0.0.1:port.
	URL string
	tb  testing.TB
}

var seedOnce sync.Once

// Seed loads the test-scale demo data (seed.Scale("test"), ending at SeedEnd)
// into the test binary's embedded warehouse, once per process.
func Seed(tb testing.TB) {
	tb.Helper()
	wh := enginetest.ChDB(tb)
	var err error
	seedOnce.Do(func() {
		ctx := context.Background()
		opt, _ := seed.Scale("test")
		opt.End = SeedEnd
		if err = wh.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err == nil {
			err = seed.Seed(ctx, wh, opt)
		}
	})
	if err != nil {
		tb.Fatalf("seeding the test warehouse: %v", err)
	}
}

// Config is the configuration tests start from: the defaults, a SQLite file
// in dir, the test key and loopback destinations allowed.
func Config(dir string) instance.Config {
	cfg := instance.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = "sqlite:" + filepath.Join(dir, "relato.db")
	cfg.Data = filepath.Join(dir, "warehouse") // unused: the shared chDB is passed in
	cfg.SecretKey = SecretKey
	cfg.AllowOutbound = []string{"127.0.0.0/8"}
	return cfg
}

// Start builds and starts the server; everything stops at the test's end.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	Seed(tb)
	cfg := Config(tb.TempDir())
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var wh engine.Backend = enginetest.ChDB(tb)
	if opts.Warehouse != nil {
		wh = opts.Warehouse(wh)
	}
	in, err := instance.New(context.Background(), cfg, instance.Options{
		Warehouse: wh, Logger: logger, Now: opts.Now, WrapExecute: opts.WrapExecute,
		Poll: 50 * time.Millisecond, SchedulerID: "test", TempDir: tb.TempDir(),
		Retry: delivery.RetryPolicy{MaxAttempts: 2, Initial: 10 * time.Millisecond, Jitter: -1},
	})
	if err != nil {
		tb.Fatalf("building the server: %v", err)
	}
	tb.Cleanup(func() { in.Close() })
	if err := in.Start(context.Background(), !opts.StartScheduler); err != nil {
		tb.Fatalf("starting the server: %v", err)
	}
	hs := httptest.NewServer(in.Handler())
	tb.Cleanup(hs.Close)
	return &Server{Instance: in, URL: hs.URL, tb: tb}
}

// Token creates a user of tenant with the role and returns a bearer token for it.
func (s *Server) Token(tenant uint32, name string, role auth.Role) string {
	s.tb.Helper()
	ctx := context.Background()
	p, err := s.Auth.CreateUser(ctx, tenant, name, role)
	if err != nil {
		s.tb.Fatal(err)
	}
	tok, err := s.Auth.IssueToken(ctx, p.UserID)
	if err != nil {
		s.tb.Fatal(err)
	}
	return tok
}

// PersonalDataToken is Token for a user holding the personal_data permission
// (personal columns whole, extractions allowed; issue 17). It returns the
// token and the user's id.
func (s *Server) PersonalDataToken(tenant uint32, name string, role auth.Role) (token, userID string) {
	s.tb.Helper()
	ctx := context.Background()
	p, err := s.Auth.CreateUser(ctx, tenant, name, role)
	if err != nil {
		s.tb.Fatal(err)
	}
	if _, err := s.Auth.SetPersonalData(ctx, auth.Scope{All: true}, p.UserID, true); err != nil {
		s.tb.Fatal(err)
	}
	tok, err := s.Auth.IssueToken(ctx, p.UserID)
	if err != nil {
		s.tb.Fatal(err)
	}
	return tok, p.UserID
}
