package runs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/runs/runstest"
)

func TestStore_CreateGetRoundTripsEveryField(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			nr := newRun(7, "u-ana", ptr("12"))
			nr.Channel, nr.EventType = ptr("whatsapp"), ptr("kpi")
			nr.FilterLabels = json.RawMessage(`[{"name":"wallet","value":"12","value_label":{"pt-BR":"Vendas","en":"Vendas"}}]`)
			created := mustCreate(t, s, nr)
			got, err := s.Get(ctx, 7, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != runs.StatusWaiting || got.Attempts != 0 || got.StartedAt != nil || got.FinishedAt != nil {
				t.Errorf("new run: status %s attempts %d started %v finished %v; want waiting, 0, nil, nil",
					got.Status, got.Attempts, got.StartedAt, got.FinishedAt)
			}
			if got.QueueKey != "t7/w12" || *got.Wallet != "12" || *got.Channel != "whatsapp" || *got.EventType != "kpi" {
				t.Errorf("key %q wallet %v channel %v event %v", got.QueueKey, got.Wallet, got.Channel, got.EventType)
			}
			if string(got.FiltersGiven) != `{"period":"yesterday"}` ||
				string(got.FiltersResolved) != `{"period":{"from":"2024-03-01T03:00:00Z","to":"2024-03-02T03:00:00Z"}}` {
				t.Errorf("filters given %s resolved %s", got.FiltersGiven, got.FiltersResolved)
			}
			if string(got.FilterLabels) != string(nr.FilterLabels) {
				t.Errorf("filter labels %s, want them as given %s", got.FilterLabels, nr.FilterLabels)
			}
			if got.UserID != "u-ana" || got.ReportID != "kpis.service_level" || got.ReportVersion != 3 || got.TenantID != 7 {
				t.Errorf("got %+v", got)
			}
			if !got.RequestedAt.Equal(created.RequestedAt) || got.RequestedAt.IsZero() {
				t.Errorf("requested at %v, created said %v", got.RequestedAt, created.RequestedAt)
			}
			noWallet := mustCreate(t, s, newRun(7, "u-ana", nil))
			// Issue 14: a run without a wallet queues with its report's runs only.
			if noWallet.FilterLabels != nil {
				t.Errorf("a run created without filter labels has %s", noWallet.FilterLabels)
			}
			if noWallet.QueueKey != "t7/no-wallet/kpis.service_level" || noWallet.Wallet != nil {
				t.Errorf("run without wallet: key %q wallet %v", noWallet.QueueKey, noWallet.Wallet)
			}
		})
	}
}

func TestStore_ForeignTenantRunIsNotFound(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			theirs := mustCreate(t, s, newRun(2, "u-bob", nil))
			mine := mustCreate(t, s, newRun(1, "u-ana", nil))
			if _, err := s.Get(ctx, 1, theirs.ID); !errors.Is(err, runs.ErrNotFound) {
				t.Errorf("get foreign run: err %v, want ErrNotFound", err)
			}
			if _, err := s.Cancel(ctx, 1, theirs.ID); !errors.Is(err, runs.ErrNotFound) {
				t.Errorf("cancel foreign run: err %v, want ErrNotFound", err)
			}
			if err := s.Delete(ctx, 1, theirs.ID); !errors.Is(err, runs.ErrNotFound) {
				t.Errorf("delete foreign run: err %v, want ErrNotFound", err)
			}
			if r, _ := s.Get(ctx, 2, theirs.ID); r == nil || r.Status != runs.StatusWaiting {
				t.Errorf("foreign run changed by another tenant's calls: %+v", r)
			}
			p, err := s.List(ctx, runs.ListQuery{TenantID: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Runs) != 1 || p.Runs[0].ID != mine.ID {
				t.Errorf("tenant 1 lists %d runs, want only its own", len(p.Runs))
			}
			if _, err := s.Get(ctx, 1, "no-such-id"); !errors.Is(err, runs.ErrNotFound) {
				t.Errorf("unknown id: err %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStore_ListFiltersByUserStatusReportAndPages(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			// 5 runs by ana (the 5th of another report), 3 by bob; bob's 1st is canceled.
			var ana, bob []*runs.Run
			for i := range 5 {
				nr := newRun(1, "ana", nil)
				if i == 4 {
					nr.ReportID = "contacts.new"
				}
				ana = append(ana, mustCreate(t, s, nr))
			}
			for range 3 {
				bob = append(bob, mustCreate(t, s, newRun(1, "bob", nil)))
			}
			if _, err := s.Cancel(ctx, 1, bob[0].ID); err != nil {
				t.Fatal(err)
			}
			ids := func(q runs.ListQuery) []string {
				t.Helper()
				q.TenantID = 1
				p, err := s.List(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range p.Runs {
					out = append(out, r.ID)
				}
				return out
			}
			cases := []struct {
				name string
				q    runs.ListQuery
				want []string
			}{
				{"all, newest first", runs.ListQuery{}, []string{bob[2].ID, bob[1].ID, bob[0].ID, ana[4].ID, ana[3].ID, ana[2].ID, ana[1].ID, ana[0].ID}},
				{"mine", runs.ListQuery{UserID: "bob"}, []string{bob[2].ID, bob[1].ID, bob[0].ID}},
				{"by status", runs.ListQuery{Status: runs.StatusCanceled}, []string{bob[0].ID}},
				{"by report", runs.ListQuery{ReportID: "contacts.new"}, []string{ana[4].ID}},
				{"mine and report", runs.ListQuery{UserID: "bob", ReportID: "contacts.new"}, nil},
			}
			for _, c := range cases {
				if got := ids(c.q); !equal(got, c.want) {
					t.Errorf("%s: got %v, want %v", c.name, got, c.want)
				}
			}
			// Pages of 3 over ana's 5 runs: 3, then 2, then no next cursor.
			p1, err := s.List(ctx, runs.ListQuery{TenantID: 1, UserID: "ana", Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			p2, err := s.List(ctx, runs.ListQuery{TenantID: 1, UserID: "ana", Limit: 3, Cursor: p1.Next})
			if err != nil {
				t.Fatal(err)
			}
			if len(p1.Runs) != 3 || p1.Next == "" || len(p2.Runs) != 2 || p2.Next != "" ||
				p1.Runs[0].ID != ana[4].ID || p2.Runs[0].ID != ana[1].ID || p2.Runs[1].ID != ana[0].ID {
				t.Errorf("pages: %d runs next %q, then %d runs next %q", len(p1.Runs), p1.Next, len(p2.Runs), p2.Next)
			}
			if _, err := s.List(ctx, runs.ListQuery{TenantID: 1, Status: "done"}); err == nil {
				t.Error("unknown status accepted")
			}
			if _, err := s.List(ctx, runs.ListQuery{TenantID: 1, Cursor: "x"}); err == nil {
				t.Error("bad cursor accepted")
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStore_CancelAndDeleteFollowTheStatus(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			processing := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			waiting := mustCreate(t, s, newRun(1, "ana", ptr("2")))
			if r, err := s.Claim(ctx, "w1", time.Minute); err != nil || r.ID != processing.ID {
				t.Fatalf("claim: %v %v", r, err)
			}
			if err := s.Delete(ctx, 1, waiting.ID); !errors.Is(err, runs.ErrConflict) {
				t.Errorf("delete waiting run: %v, want ErrConflict", err)
			}
			r, err := s.Cancel(ctx, 1, waiting.ID)
			if err != nil || r.Status != runs.StatusCanceled || r.FinishedAt == nil {
				t.Errorf("cancel waiting: %+v %v; want canceled with a finish time", r, err)
			}
			r, err = s.Cancel(ctx, 1, processing.ID)
			if err != nil || r.Status != runs.StatusProcessing || !r.CancelRequested {
				t.Errorf("cancel processing: %+v %v; want still processing with cancel requested", r, err)
			}
			if canceled, err := s.Heartbeat(ctx, processing.ID, "w1", time.Minute); err != nil || !canceled {
				t.Errorf("heartbeat after cancel: %v %v; want cancel requested", canceled, err)
			}
			if err := s.MarkCanceled(ctx, processing.ID, "w1"); err != nil {
				t.Fatal(err)
			}
			if r, _ := s.Get(ctx, 1, processing.ID); r.Status != runs.StatusCanceled || r.LeaseOwner != nil {
				t.Errorf("after the worker stopped: %s owner %v; want canceled, no owner", r.Status, r.LeaseOwner)
			}
			// A finished run cannot be canceled; it can be deleted, once.
			done := mustCreate(t, s, newRun(1, "ana", ptr("3")))
			if r, err := s.Claim(ctx, "w1", time.Minute); err != nil || r.ID != done.ID {
				t.Fatalf("claim: %v %v", r, err)
			}
			if err := s.Finish(ctx, done.ID, "w1", runs.Result{TotalRows: 10, Truncated: true, SnapshotSize: 123, SnapshotSum: "sha256:ab"}); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Get(ctx, 1, done.ID)
			if got.Status != runs.StatusFinished || *got.TotalRows != 10 || !got.Truncated || *got.SnapshotSize != 123 || *got.SnapshotSum != "sha256:ab" {
				t.Errorf("finished run: %+v", got)
			}
			if _, err := s.Cancel(ctx, 1, done.ID); !errors.Is(err, runs.ErrConflict) {
				t.Errorf("cancel finished: %v, want ErrConflict", err)
			}
			if err := s.Delete(ctx, 1, done.ID); err != nil {
				t.Errorf("delete finished: %v", err)
			}
			if _, err := s.Get(ctx, 1, done.ID); !errors.Is(err, runs.ErrNotFound) {
				t.Errorf("get deleted: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStore_MigratesOnceAndReopens(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.newDB(t)
			s1 := openStore(t, dsn, runs.Options{})
			r := mustCreate(t, s1, newRun(1, "ana", nil))
			s2 := openStore(t, dsn, runs.Options{}) // second process, same database
			if _, err := s2.Get(context.Background(), 1, r.ID); err != nil {
				t.Errorf("reopened store lost the run: %v", err)
			}
		})
	}
}

func TestOpen_RefusesUnknownDSN(t *testing.T) {
	for _, dsn := range []string{"mysql://x", "sqlite:", "sqlite::memory:", "runs.db"} {
		if _, err := runs.Open(context.Background(), dsn, runs.Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

func TestWatch_SignalsEveryChangeOfARun(t *testing.T) {
	s := openStore(t, runstest.NewSQLite(t), runs.Options{})
	ctx := context.Background()
	ch, stop := s.Watch()
	defer stop()
	expect := func(what string) {
		t.Helper()
		select {
		case <-ch:
		default:
			t.Errorf("no signal after %s", what)
		}
	}
	r := mustCreate(t, s, newRun(1, "ana", nil))
	expect("create")
	if c, err := s.Claim(ctx, "w", time.Minute); err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	expect("claim") // frees no key, but a follower sees processing
	if _, err := s.Cancel(ctx, 1, r.ID); err != nil {
		t.Fatal(err)
	}
	expect("cancel asked while processing")
	if err := s.MarkCanceled(ctx, r.ID, "w"); err != nil {
		t.Fatal(err)
	}
	expect("settle")
	if err := s.Delete(ctx, 1, r.ID); err != nil {
		t.Fatal(err)
	}
	expect("delete")
}

func TestStore_ListFiltersByRequestedTimeAndCountsTheTotal(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := &clock{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
			s := openStore(t, b.newDB(t), runs.Options{Now: c.Now})
			ctx := context.Background()
			// One run a day at 12:00 UTC from 2 to 6 March: five runs.
			var all []*runs.Run
			for range 5 {
				all = append(all, mustCreate(t, s, newRun(1, "ana", nil)))
				c.Add(24 * time.Hour)
			}
			day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
			// Requested from 3 March 00:00 to before 5 March 00:00: the runs of
			// the 3rd and the 4th, newest first.
			p, err := s.List(ctx, runs.ListQuery{TenantID: 1, RequestedFrom: day(3), RequestedTo: day(5)})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Runs) != 2 || p.Runs[0].ID != all[2].ID || p.Runs[1].ID != all[1].ID || p.Total != 2 {
				t.Errorf("3 to 5 March: %d runs, total %d", len(p.Runs), p.Total)
			}
			// A page of 2 of all five: the total counts every page.
			p, err = s.List(ctx, runs.ListQuery{TenantID: 1, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Runs) != 2 || p.Total != 5 || p.Next == "" {
				t.Errorf("page of 2: %d runs, total %d, next %q; want 2, 5, a cursor", len(p.Runs), p.Total, p.Next)
			}
			// The next page keeps the total of the query, not of what is left.
			if p, err = s.List(ctx, runs.ListQuery{TenantID: 1, Limit: 2, Cursor: p.Next}); err != nil || p.Total != 5 {
				t.Errorf("second page: total %d, err %v; want 5", p.Total, err)
			}
		})
	}
}

// Issue 14: a run keeps who asked for it and the notices asked for; its end
// is noticed once, by whoever claims it first, and only once it has ended.
func TestStore_ANoticeIsClaimedOnceAfterTheRunEnds(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			nr := newRun(1, "ana", ptr("1"))
			nr.Notify, nr.NotifyLang = []string{"email"}, "en"
			r := mustCreate(t, s, nr)
			if r.Origin != runs.OriginRequest || strings.Join(r.Notify, ",") != "email" || r.NotifyLang != "en" {
				t.Errorf("origin %q notify %v lang %q", r.Origin, r.Notify, r.NotifyLang)
			}
			scheduled := newRun(1, "ana", ptr("2"))
			scheduled.Origin = runs.OriginSchedule
			if got := mustCreate(t, s, scheduled); got.Origin != runs.OriginSchedule || got.Notify != nil {
				t.Errorf("scheduled run: origin %q notify %v", got.Origin, got.Notify)
			}
			if ok, err := s.ClaimNotice(ctx, r.ID); err != nil || ok {
				t.Errorf("claim while waiting: %v %v, want false", ok, err)
			}
			if c, err := s.Claim(ctx, "w1", time.Minute); err != nil || c.ID != r.ID {
				t.Fatalf("claim: %v %v", c, err)
			}
			if err := s.Finish(ctx, r.ID, "w1", runs.Result{TotalRows: 3}); err != nil {
				t.Fatal(err)
			}
			for i, want := range []bool{true, false} {
				if ok, err := s.ClaimNotice(ctx, r.ID); err != nil || ok != want {
					t.Errorf("claim %d after the end: %v %v, want %v", i+1, ok, err, want)
				}
			}
		})
	}
}

// Issue 14: the worker of a processing run saves its rows so far, so every
// instance shows them; only the run's current worker may, the count never
// goes back, and a run that is not processing keeps what it had.
func TestStore_SavedProgressIsReadByEveryone(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			r := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			if err := s.SaveProgress(ctx, r.ID, "w1", 10); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(ctx, 1, r.ID); got.RowsSoFar != nil {
				t.Errorf("a waiting run took a count: %d", *got.RowsSoFar)
			}
			if c, err := s.Claim(ctx, "w1", time.Minute); err != nil || c.ID != r.ID {
				t.Fatalf("claim: %v %v", c, err)
			}
			for _, step := range []struct {
				worker string
				rows   int64
			}{{"w1", 100}, {"w2", 500}, {"w1", 40}, {"w1", 250}} {
				if err := s.SaveProgress(ctx, r.ID, step.worker, step.rows); err != nil {
					t.Fatal(err)
				}
			}
			// 100, then w2 is not its worker, 40 would go back: 250.
			if got, _ := s.Get(ctx, 1, r.ID); got.RowsSoFar == nil || *got.RowsSoFar != 250 {
				t.Errorf("rows so far %v, want 250", got.RowsSoFar)
			}
		})
	}
}
