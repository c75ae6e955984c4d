package runs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
)

// execution is one call of Execute, as the test saw it.
type execution struct {
	id, key, pool string
	seq           int64
	start, end    time.Time
}

type recorder struct {
	mu   sync.Mutex
	done []execution
}

// execute sleeps d (or until canceled) and records the call.
func (rec *recorder) execute(pool string, d time.Duration) func(context.Context, *runs.Run) (runs.Result, error) {
	return func(ctx context.Context, r *runs.Run) (runs.Result, error) {
		e := execution{id: r.ID, key: r.QueueKey, pool: pool, seq: r.Seq, start: time.Now()}
		var err error
		select {
		case <-time.After(d):
		case <-ctx.Done():
			err = ctx.Err()
		}
		e.end = time.Now()
		rec.mu.Lock()
		rec.done = append(rec.done, e)
		rec.mu.Unlock()
		return runs.Result{TotalRows: r.Seq}, err
	}
}

func (rec *recorder) executions() []execution {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]execution(nil), rec.done...)
}

// checkFIFO asserts that every run of want executed exactly once, that runs of a
// key ran one at a time in request order, and that different keys overlapped.
func checkFIFO(t *testing.T, execs []execution, want []*runs.Run) {
	t.Helper()
	count := map[string]int{}
	byKey := map[string][]execution{}
	for _, e := range execs {
		count[e.id]++
		byKey[e.key] = append(byKey[e.key], e)
	}
	for _, r := range want {
		if count[r.ID] != 1 {
			t.Errorf("run %d (%s) executed %d times, want once", r.Seq, r.QueueKey, count[r.ID])
		}
	}
	if len(execs) != len(want) {
		t.Errorf("%d executions for %d runs", len(execs), len(want))
	}
	for key, es := range byKey {
		sort.Slice(es, func(i, j int) bool { return es[i].start.Before(es[j].start) })
		for i := 1; i < len(es); i++ {
			if es[i].seq < es[i-1].seq {
				t.Errorf("key %s: run %d started after run %d, out of request order", key, es[i-1].seq, es[i].seq)
			}
			if es[i].start.Before(es[i-1].end) {
				t.Errorf("key %s: run %d started before run %d ended", key, es[i].seq, es[i-1].seq)
			}
		}
	}
	overlapped := false
	for i, a := range execs {
		for _, b := range execs[i+1:] {
			if a.key != b.key && a.start.Before(b.end) && b.start.Before(a.end) {
				overlapped = true
			}
		}
	}
	if !overlapped && len(byKey) > 1 {
		t.Error("no two keys ever ran at the same time")
	}
}

// testLogger sends the pool's log lines to the test's log, shown on failure or -v.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startPool(t *testing.T, p *runs.Pool) {
	t.Helper()
	if p.Logger == nil {
		p.Logger = testLogger(t)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Stop(ctx)
	})
}

// submitConcurrently creates 60 runs over 6 wallets plus 6 without a wallet,
// each from its own goroutine, and returns them as the store accepted them.
func submitConcurrently(t *testing.T, s *runs.Store) []*runs.Run {
	t.Helper()
	var (
		mu  sync.Mutex
		out []*runs.Run
		wg  sync.WaitGroup
	)
	for i := range 66 {
		wg.Go(func() {
			var wallet *string
			if i < 60 {
				wallet = ptr(fmt.Sprint(i % 6))
			}
			r, err := s.Create(context.Background(), newRun(1, "ana", wallet))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func TestPool_RunsEachWalletOneAtATimeInRequestOrder(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			rec := &recorder{}
			startPool(t, &runs.Pool{Store: s, Execute: rec.execute("p", 15*time.Millisecond),
				Workers: 4, Poll: 200 * time.Millisecond, Lease: 5 * time.Second})
			submitted := submitConcurrently(t, s)
			final := waitAllTerminal(t, s, 1, 66, 60*time.Second)
			for _, r := range final {
				if r.Status != runs.StatusFinished || r.Attempts != 1 || *r.TotalRows != r.Seq {
					t.Errorf("run %d: %s after %d attempts, rows %v", r.Seq, r.Status, r.Attempts, r.TotalRows)
				}
			}
			checkFIFO(t, rec.executions(), submitted)
		})
	}
}

func TestPool_TwoPoolsOnOneDatabaseExecuteEachRunOnce(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.newDB(t)
			s1 := openStore(t, dsn, runs.Options{})
			s2 := openStore(t, dsn, runs.Options{}) // as if another instance
			rec := &recorder{}
			for i, s := range []*runs.Store{s1, s2} {
				startPool(t, &runs.Pool{Store: s, Execute: rec.execute(fmt.Sprint(i), 15*time.Millisecond),
					Workers: 3, Poll: 20 * time.Millisecond, Lease: 5 * time.Second})
			}
			submitted := submitConcurrently(t, s1)
			waitAllTerminal(t, s1, 1, 66, 60*time.Second)
			execs := rec.executions()
			checkFIFO(t, execs, submitted)
			pools := map[string]int{}
			for _, e := range execs {
				pools[e.pool]++
			}
			if pools["0"] == 0 || pools["1"] == 0 {
				t.Errorf("executions per pool %v; want both pools to work", pools)
			}
		})
	}
}

func TestPool_CancelStopsTheExecution(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			started := make(chan string, 2)
			stopped := make(chan error, 1)
			startPool(t, &runs.Pool{Store: s, Workers: 2, Poll: 20 * time.Millisecond, Lease: 5 * time.Second,
				Execute: func(ctx context.Context, r *runs.Run) (runs.Result, error) {
					started <- r.ID
					if r.Seq == 1 {
						<-ctx.Done() // a long query, stopped only by cancel
						stopped <- ctx.Err()
						return runs.Result{}, ctx.Err()
					}
					return runs.Result{}, nil
				}})
			long := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			next := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			if id := <-started; id != long.ID {
				t.Fatalf("started %s first", id)
			}
			if _, err := s.Cancel(context.Background(), 1, long.ID); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-stopped:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Execute's ctx ended with %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("cancel did not reach Execute's ctx")
			}
			if id := <-started; id != next.ID {
				t.Fatalf("then started %s, want the next run of the wallet", id)
			}
			final := waitAllTerminal(t, s, 1, 2, 10*time.Second)
			status := map[string]runs.Status{}
			for _, r := range final {
				status[r.ID] = r.Status
			}
			if status[long.ID] != runs.StatusCanceled || status[next.ID] != runs.StatusFinished {
				t.Errorf("statuses %v; want long canceled, next finished", status)
			}
		})
	}
}

func TestPool_FailureShowsOnlyTheUserMessage(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			startPool(t, &runs.Pool{Store: s, Workers: 1, Poll: 20 * time.Millisecond, Lease: 5 * time.Second,
				Execute: func(ctx context.Context, r *runs.Run) (runs.Result, error) {
					switch r.UserID {
					case "user-error":
						return runs.Result{}, runs.UserError("the report took longer than its 2m timeout", errors.New("code: 159, TIMEOUT_EXCEEDED on host 10.0.0.7"))
					case "internal":
						return runs.Result{}, errors.New("dial tcp 10.0.0.7:9000: connection refused")
					default:
						panic("boom")
					}
				}})
			cases := map[string]string{
				"user-error": "the report took longer than its 2m timeout",
				"internal":   "the report could not be generated; the operators have the details",
				"panic":      "the report could not be generated; the operators have the details",
			}
			ids := map[string]string{}
			for user := range cases {
				ids[user] = mustCreate(t, s, newRun(1, user, nil)).ID
			}
			waitAllTerminal(t, s, 1, len(cases), 10*time.Second)
			for user, want := range cases {
				r, _ := s.Get(context.Background(), 1, ids[user])
				if r.Status != runs.StatusFailed || r.Error == nil || *r.Error != want {
					t.Errorf("%s: %s %v; want failed with %q", user, r.Status, r.Error, want)
				}
			}
		})
	}
}

func TestPool_StopReleasesRunsItCannotFinish(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			started := make(chan struct{}, 1)
			p := &runs.Pool{Store: s, Workers: 1, Logger: testLogger(t), Poll: 20 * time.Millisecond, Lease: 5 * time.Second,
				Execute: func(ctx context.Context, r *runs.Run) (runs.Result, error) {
					started <- struct{}{}
					<-ctx.Done()
					return runs.Result{}, ctx.Err()
				}}
			if err := p.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			r := mustCreate(t, s, newRun(1, "ana", nil))
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			if err := p.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("stop: %v, want deadline exceeded", err)
			}
			got, _ := s.Get(context.Background(), 1, r.ID)
			if got.Status != runs.StatusWaiting || got.Attempts != 0 || got.LeaseOwner != nil {
				t.Errorf("after stop: %s, %d attempts, owner %v; want waiting again, 0 attempts, no owner",
					got.Status, got.Attempts, got.LeaseOwner)
			}
		})
	}
}
