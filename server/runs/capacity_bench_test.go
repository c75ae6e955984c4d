package runs

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/relato/relato/server/runs/migrations"
	"github.com/relato/relato/server/runs/runstest"
)

// BenchmarkQueueCapacity measures the control plane alone (issue 18): the
// run queue with a no-op executor, so what is left is the database's work.
//
// "Instances" are Stores each opened on its own connection pool to the same
// database, in one process (a process per instance would add only the
// loopback hop); each instance runs 4 submitters and 4 claimers. PostgreSQL
// gets 4 instances, SQLite (one writer; one instance by design) gets 1.
//
// At each backlog size it fills the queue to that many waiting runs over
// 100 tenants × 20 wallets (2,000 queue keys) with one INSERT, then:
//   - accepted/s: Store.Create of `accept` more runs across the instances;
//   - claimed/s and claim p50/p99: Claim then Finish (the no-op executor) of
//     `claims` runs (or as many as a minute allows) across the instances'
//     claimers, timing each successful Claim;
//
// and prints the claim statement's plan at 10,000 waiting runs (EXPLAIN
// ANALYZE inside a rolled-back transaction on PostgreSQL, EXPLAIN QUERY PLAN
// on SQLite). -short is the quick mode (1k and 10k waiting, well under two
// minutes here); without it 100k is measured too. It never asserts on time.
//
//	go test -run '^$' -bench QueueCapacity -benchtime 1x [-short] ./server/runs/
func BenchmarkQueueCapacity(b *testing.B) {
	levels := []int{1_000, 10_000, 100_000}
	accept, claims := 2_000, 2_000
	if testing.Short() {
		levels = levels[:2]
		accept, claims = 1_000, 1_000
	}
	var results []capacityRow
	pg := runstest.StartPostgres(b)
	for _, dialect := range []string{migrations.Postgres, migrations.SQLite} {
		for _, waiting := range levels {
			var dsn string
			instances := 1
			if dialect == migrations.Postgres {
				dsn, instances = pg.NewDatabase(b), 4
			} else {
				dsn = runstest.NewSQLite(b)
			}
			row := measureCapacity(b, dialect, dsn, instances, waiting, accept, claims, waiting == 10_000)
			results = append(results, row)
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "database\tinstances\twaiting runs\taccepted/s\tclaimed/s\tclaim p50\tclaim p99\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%d\t%d\t%.0f\t%.0f\t%s\t%s\t\n", r.dialect, r.instances, r.waiting, r.accepted, r.claimed,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond))
	}
	w.Flush()
}

type capacityRow struct {
	dialect            string
	instances, waiting int
	accepted, claimed  float64
	p50, p99           time.Duration
}

const (
	benchTenants = 100
	benchWallets = 20
	// claimBudget stops a level's claim phase early, so a slow claim shows
	// in the table instead of stalling the benchmark.
	claimBudget = time.Minute
)

func measureCapacity(b *testing.B, dialect, dsn string, instances, waiting, accept, claims int, explain bool) capacityRow {
	b.Helper()
	ctx := context.Background()
	var stores []*Store
	for i := 0; i < instances; i++ {
		s, err := Open(ctx, dsn, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	fill(b, stores[0], waiting-accept)

	// Accept: 4 submitters per instance share the runs to create.
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for _, s := range stores {
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= accept {
						return
					}
					t, w := i%benchTenants+1, (i/benchTenants)%benchWallets+1
					wallet := fmt.Sprint(t*100 + w)
					if _, err := s.Create(ctx, NewRun{TenantID: uint32(t), ReportID: "contacts.all_contacts", ReportVersion: 1,
						UserID: fmt.Sprintf("u%d", t), Wallet: &wallet}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	acceptRate := float64(accept) / time.Since(start).Seconds()

	if explain {
		printClaimPlan(b, stores[0])
	}

	// Claim and finish: 4 claimers per instance.
	var taken atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	start = time.Now()
	for i, s := range stores {
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := fmt.Sprintf("bench-%d-%d", i, c)
				for taken.Load() < int64(claims) && time.Since(start) < claimBudget {
					t0 := time.Now()
					r, err := s.Claim(ctx, worker, time.Minute)
					d := time.Since(t0)
					if err != nil {
						b.Error(err)
						return
					}
					if r == nil {
						continue // lost a race or nothing ready: the pool would wait for a notice
					}
					taken.Add(1)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					if err := s.Finish(ctx, r.ID, worker, Result{}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	claimRate := float64(taken.Load()) / time.Since(start).Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return capacityRow{dialect: dialect, instances: instances, waiting: waiting, accepted: acceptRate, claimed: claimRate, p50: pct(0.50), p99: pct(0.99)}
}

// fill inserts n waiting runs in one statement, spread over the benchmark's
// 2,000 queue keys in request order, as Create would have written them.
func fill(b *testing.B, s *Store, n int) {
	b.Helper()
	if n <= 0 {
		return
	}
	var q string
	if s.dialect == migrations.Postgres {
		q = `INSERT INTO runs (id, tenant_id, report_id, report_version, filters_given, filters_resolved, user_id, queue_key, wallet, status, requested_at)
			SELECT 'fill-' || i, i % $2 + 1, 'contacts.all_contacts', 1, '{}', '{}', 'u' || (i % $2 + 1),
			       't' || (i % $2 + 1) || '/w' || ((i % $2 + 1) * 100 + (i / $2) % $3 + 1), ((i % $2 + 1) * 100 + (i / $2) % $3 + 1)::text, 'waiting', $4
			FROM generate_series(0, $1 - 1) AS g(i)`
	} else {
		q = `WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i + 1 < $1)
			INSERT INTO runs (id, tenant_id, report_id, report_version, filters_given, filters_resolved, user_id, queue_key, wallet, status, requested_at)
			SELECT 'fill-' || i, i % $2 + 1, 'contacts.all_contacts', 1, '{}', '{}', 'u' || (i % $2 + 1),
			       't' || (i % $2 + 1) || '/w' || ((i % $2 + 1) * 100 + (i / $2) % $3 + 1), CAST((i % $2 + 1) * 100 + (i / $2) % $3 + 1 AS TEXT), 'waiting', $4
			FROM g`
	}
	if _, err := s.w.ExecContext(context.Background(), q, n, benchTenants, benchWallets, micros(time.Now())); err != nil {
		b.Fatalf("fill %d waiting runs: %v", n, err)
	}
	if s.dialect == migrations.Postgres {
		s.w.ExecContext(context.Background(), "ANALYZE runs") // as autovacuum would soon after
	}
}

// printClaimPlan prints how the database runs Claim's statement now.
func printClaimPlan(b *testing.B, s *Store) {
	b.Helper()
	ctx := context.Background()
	now := micros(time.Now())
	var lines []string
	if s.dialect == migrations.Postgres {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback() // EXPLAIN ANALYZE runs the UPDATE: undo it
		sqlText := strings.NewReplacer("$1", fmt.Sprint(now), "$2", "'explain'", "$3", fmt.Sprint(now+60e6)).Replace(claimSQL("FOR UPDATE OF r SKIP LOCKED"))
		lines = queryLines(b, tx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) "+sqlText, 1)
	} else {
		sqlText := strings.NewReplacer("$1", fmt.Sprint(now), "$2", "'explain'", "$3", fmt.Sprint(now+60e6)).Replace(claimSQL(""))
		lines = queryLines(b, s.w, "EXPLAIN QUERY PLAN "+sqlText, 4)
	}
	fmt.Printf("claim statement plan on %s at 10,000 waiting runs:\n    %s\n", s.dialect, strings.Join(lines, "\n    "))
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryLines returns the text of column col (1-based; SQLite's EXPLAIN QUERY
// PLAN puts it in the 4th) of every row.
func queryLines(b *testing.B, q querier, stmt string, col int) []string {
	b.Helper()
	rows, err := q.QueryContext(context.Background(), stmt)
	if err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals[col-1]))
	}
	return out
}
