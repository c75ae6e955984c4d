package runs_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/runs/runstest"
)

// backend is one database the whole suite runs against.
type backend struct {
	name  string
	newDB func(t *testing.T) string // a fresh, empty database's DSN
}

// backends returns SQLite and PostgreSQL; the PostgreSQL cluster is started once
// for the calling test and each subtest gets its own database in it.
func backends(t *testing.T) []backend {
	var (
		once sync.Once
		pg   *runstest.Postgres
	)
	return []backend{
		{"sqlite", func(t *testing.T) string { return runstest.NewSQLite(t) }},
		{"postgres", func(st *testing.T) string {
			once.Do(func() { pg = runstest.StartPostgres(t) })
			if pg == nil {
				st.Skip("PostgreSQL is not available")
			}
			return pg.NewDatabase(st)
		}},
	}
}

func openStore(t *testing.T, dsn string, opt runs.Options) *runs.Store {
	t.Helper()
	s, err := runs.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ptr[T any](v T) *T { return &v }

func newRun(tenant uint32, user string, wallet *string) runs.NewRun {
	return runs.NewRun{
		TenantID: tenant, ReportID: "kpis.service_level", ReportVersion: 3, UserID: user, Wallet: wallet,
		FiltersGiven:    json.RawMessage(`{"period":"yesterday"}`),
		FiltersResolved: json.RawMessage(`{"period":{"from":"2024-03-01T03:00:00Z","to":"2024-03-02T03:00:00Z"}}`),
	}
}

func mustCreate(t *testing.T, s *runs.Store, nr runs.NewRun) *runs.Run {
	t.Helper()
	r, err := s.Create(context.Background(), nr)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

// clock is a settable time for lease tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// waitAllTerminal polls until every run of the tenant has ended.
func waitAllTerminal(t *testing.T, s *runs.Store, tenant uint32, want int, timeout time.Duration) []*runs.Run {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p, err := s.List(context.Background(), runs.ListQuery{TenantID: tenant, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range p.Runs {
			if r.Status.Terminal() {
				done++
			}
		}
		if len(p.Runs) == want && done == want {
			return p.Runs
		}
		if time.Now().After(deadline) {
			for _, r := range p.Runs {
				t.Logf("run %d %s key=%s status=%s attempts=%d", r.Seq, r.ID, r.QueueKey, r.Status, r.Attempts)
			}
			t.Fatalf("after %v: %d runs, %d ended; want %d ended", timeout, len(p.Runs), done, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
