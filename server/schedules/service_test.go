package schedules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/schedules"
)

// clock is a controllable clock shared by the stores and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// fakeHost creates real runs in the runs store and records the instant each
// fire resolved its filters at.
type fakeHost struct {
	runs *runs.Store
	mu   sync.Mutex
	at   []time.Time
}

func (h *fakeHost) StartRun(ctx context.Context, sch *schedules.Schedule, now time.Time) (string, error) {
	resolved, _ := json.Marshal(map[string]string{"now": now.Format(time.RFC3339)})
	r, err := h.runs.Create(ctx, runs.NewRun{TenantID: sch.TenantID, ReportID: sch.ReportID, ReportVersion: 1, FiltersGiven: sch.Filters,
		FiltersResolved: resolved, UserID: sch.OwnerID})
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	h.at = append(h.at, now)
	h.mu.Unlock()
	return r.ID, nil
}

func (h *fakeHost) WriteResult(ctx context.Context, r *runs.Run, format string, w io.Writer) error {
	_, err := fmt.Fprintf(w, "run;%s\n", r.ID)
	return err
}

func (h *fakeHost) fired() []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.at...)
}

func testSealer(t testing.TB) *schedules.Sealer {
	s, err := schedules.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type testBundle struct {
	dsn   string
	clock *clock
	store *schedules.Store
	runs  *runs.Store
	host  *fakeHost
}

func open(t *testing.T, dsn string, c *clock) testBundle {
	t.Helper()
	ctx := context.Background()
	rs, err := runs.Open(ctx, dsn, runs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	st, err := schedules.Open(ctx, dsn, schedules.Options{Sealer: testSealer(t), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return testBundle{dsn: dsn, clock: c, store: st, runs: rs, host: &fakeHost{runs: rs}}
}

func (b testBundle) service(id string) *schedules.Service {
	return &schedules.Service{Store: b.store, Runs: b.runs, Host: b.host, ID: id, Logger: slog.New(slog.DiscardHandler)}
}

func dailySchedule(t *testing.T, b testBundle, spec string) *schedules.Schedule {
	t.Helper()
	sch, err := b.store.Create(context.Background(), schedules.Schedule{TenantID: 1, OwnerID: "u_owner", Name: "daily", ReportID: "kpis.service_level",
		Filters: json.RawMessage(`{"period":"yesterday"}`), Recurrence: spec, TimeZone: "America/Sao_Paulo", Format: "csv",
		Destinations: []schedules.Destination{{Kind: "delivery.sftp", Config: json.RawMessage(`{"host":"127.0.0.1","username":"u","password":"s3cr3t-pass"}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func dialects(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return runstest.NewSQLite(t) },
		"postgres": func(t *testing.T) string { return runstest.StartPostgres(t).NewDatabase(t) },
	}
}

func sp(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestScheduler_FiresOncePerDueTimeWithTwoLoopsAndAcrossARestart(t *testing.T) {
	for name, newDSN := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			loc := sp(t)
			c := &clock{t: time.Date(2025, 3, 10, 8, 0, 0, 0, loc)}
			dsn := newDSN(t)
			b := open(t, dsn, c)
			sch := dailySchedule(t, b, "30 0 * * *")
			if want := time.Date(2025, 3, 11, 0, 30, 0, 0, loc); !sch.NextFireAt.Equal(want) {
				t.Fatalf("next fire %v, want %v", sch.NextFireAt, want)
			}
			// A second instance: its own connections to the same database.
			b2 := open(t, dsn, c)
			b2.host = b.host
			one, two := b.service("one"), b2.service("two")

			// Before the due time nothing fires.
			c.Set(time.Date(2025, 3, 11, 0, 29, 59, 0, loc))
			one.Tick(ctx)
			two.Tick(ctx)
			if n := len(b.host.fired()); n != 0 {
				t.Fatalf("%d fires before the due time", n)
			}
			// Both loops tick at the due time, many times, concurrently.
			c.Set(time.Date(2025, 3, 11, 0, 30, 0, 0, loc))
			var wg sync.WaitGroup
			for i := 0; i < 5; i++ {
				for _, s := range []*schedules.Service{one, two} {
					wg.Add(1)
					go func() { defer wg.Done(); s.Tick(ctx) }()
				}
			}
			wg.Wait()
			if got := b.host.fired(); len(got) != 1 || !got[0].Equal(c.Now()) {
				t.Fatalf("fires at the due time: %v, want exactly one at %v", got, c.Now())
			}

			// Down for three days and a bit: instance one's store closes; on restart
			// the three missed due times (12th, 13th, 14th 00:30) run once, not three times.
			b.store.Close()
			b.runs.Close()
			two.Stop()
			c.Set(time.Date(2025, 3, 14, 9, 0, 0, 0, loc))
			b3 := open(t, dsn, c)
			restarted := b3.service("three")
			restarted.Tick(ctx)
			restarted.Tick(ctx)
			if got := b3.host.fired(); len(got) != 1 || !got[0].Equal(c.Now()) {
				t.Fatalf("after the restart: fires %v, want one catch-up at %v", got, c.Now())
			}
			after, err := b3.store.Get(ctx, 1, sch.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2025, 3, 15, 0, 30, 0, 0, loc); !after.NextFireAt.Equal(want) {
				t.Fatalf("next fire after catch-up %v, want %v (after now, not after the missed one)", after.NextFireAt, want)
			}
			fires, _ := b3.store.FiresOf(ctx, 1, sch.ID, 10)
			if len(fires) != 2 || fires[0].RunID == nil || fires[0].State != schedules.FireQueued {
				t.Fatalf("fires: %+v", fires)
			}
			// The catch-up fire records the missed due time it stands for.
			if want := time.Date(2025, 3, 12, 0, 30, 0, 0, loc); !fires[0].DueAt.Equal(want) {
				t.Fatalf("catch-up due at %v, want %v", fires[0].DueAt, want)
			}
		})
	}
}

func TestScheduler_DailyAcrossThe2018DSTChangesFiresOncePerDay(t *testing.T) {
	ctx := context.Background()
	loc := sp(t)
	c := &clock{t: time.Date(2018, 11, 1, 12, 0, 0, 0, loc)}
	b := open(t, runstest.NewSQLite(t), c)
	sch := dailySchedule(t, b, "30 0 * * *")
	svc := b.service("one")
	// Walk the clock in 10-minute steps over 2018-11-01..07 (spring forward on
	// the 4th) and 2019-02-14..19 (the 16th has 25 hours), ticking each step.
	walk := func(from, to time.Time) {
		for now := from; now.Before(to); now = now.Add(10 * time.Minute) {
			c.Set(now)
			svc.Tick(ctx)
		}
	}
	walk(time.Date(2018, 11, 1, 12, 0, 0, 0, loc), time.Date(2018, 11, 7, 12, 0, 0, 0, loc))
	if _, err := b.store.SetPaused(ctx, 1, sch.ID, true); err != nil {
		t.Fatal(err)
	}
	c.Set(time.Date(2019, 2, 14, 12, 0, 0, 0, loc))
	if _, err := b.store.SetPaused(ctx, 1, sch.ID, false); err != nil {
		t.Fatal(err)
	}
	walk(time.Date(2019, 2, 14, 12, 0, 0, 0, loc), time.Date(2019, 2, 19, 12, 0, 0, 0, loc))
	var days []string
	for _, f := range b.host.fired() {
		days = append(days, f.In(loc).Format("01-02 15:04 -07"))
	}
	// Nov 2..7 and Feb 15..19; on Nov 4 00:30 did not exist: it fires at 01:30 -02.
	want := "11-02 00:30 -03 11-03 00:30 -03 11-04 01:30 -02 11-05 00:30 -02 11-06 00:30 -02 11-07 00:30 -02 " +
		"02-15 00:30 -02 02-16 00:30 -02 02-17 00:30 -03 02-18 00:30 -03 02-19 00:30 -03"
	if got := strings.Join(days, " "); got != want {
		t.Fatalf("fired at\n %s\nwant\n %s", got, want)
	}
}

func TestStore_SecretsAreSealedAtRest(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2025, 3, 10, 8, 0, 0, 0, sp(t))}
	b := open(t, runstest.NewSQLite(t), c)
	sch := dailySchedule(t, b, "0 6 * * *")
	raw, err := b.store.RawRow(ctx, sch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "s3cr3t-pass") || !strings.Contains(raw, `"secrets":"v1:`) {
		t.Fatalf("stored destinations: %s", raw)
	}
	// Get opens them again for delivery.
	got, _ := b.store.Get(ctx, 1, sch.ID)
	if !strings.Contains(string(got.Destinations[0].Config), `"password":"s3cr3t-pass"`) {
		t.Fatalf("opened config: %s", got.Destinations[0].Config)
	}
	// A store with another key cannot read them.
	other, _ := schedules.NewSealer(bytes.Repeat([]byte{8}, 32))
	st2, err := schedules.Open(ctx, b.dsn, schedules.Options{Sealer: other, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if _, err := st2.Get(ctx, 1, sch.ID); err == nil {
		t.Fatal("opened with the wrong key")
	}
	// Another tenant does not see the schedule.
	if _, err := b.store.Get(ctx, 2, sch.ID); err != schedules.ErrNotFound {
		t.Fatalf("tenant 2: %v", err)
	}
}
