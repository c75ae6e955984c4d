package runs_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
)

func TestClaim_TakesOnlyTheHeadOfEachKeyInRequestOrder(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			a1 := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			a2 := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			b1 := mustCreate(t, s, newRun(1, "ana", ptr("2")))
			n1 := mustCreate(t, s, newRun(1, "ana", nil))
			n2 := mustCreate(t, s, newRun(1, "ana", nil))
			other := mustCreate(t, s, newRun(2, "bob", ptr("1"))) // same wallet id, other tenant: its own key
			claim := func() string {
				t.Helper()
				r, err := s.Claim(ctx, "w", time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if r == nil {
					return ""
				}
				if r.Status != runs.StatusProcessing || r.Attempts != 1 || r.LeaseOwner == nil || *r.LeaseOwner != "w" || r.StartedAt == nil {
					t.Errorf("claimed run: %+v", r)
				}
				return r.ID
			}
			// Heads of the four keys; then nothing: a2 and n2 wait behind a1 and n1.
			// Across tenants the claim is fair (issue 11 changed this order, which
			// was oldest first): once a1 runs, tenant 2, with nothing running,
			// goes before tenant 1's next heads, which then go oldest first.
			for i, want := range []string{a1.ID, other.ID, b1.ID, n1.ID, ""} {
				if got := claim(); got != want {
					t.Fatalf("claim %d: got %q, want %q", i, got, want)
				}
			}
			if err := s.Finish(ctx, a1.ID, "w", runs.Result{}); err != nil {
				t.Fatal(err)
			}
			if got := claim(); got != a2.ID {
				t.Fatalf("after a1 finished: got %q, want a2", got)
			}
			// A canceled head frees its key just like a finished one.
			if _, err := s.Cancel(ctx, 1, n1.ID); err != nil {
				t.Fatal(err)
			}
			if got := claim(); got != "" {
				t.Fatalf("cancel requested but n1 still processing: got %q, want nothing", got)
			}
			if err := s.MarkCanceled(ctx, n1.ID, "w"); err != nil {
				t.Fatal(err)
			}
			if got := claim(); got != n2.ID {
				t.Fatalf("after n1 canceled: got %q, want n2", got)
			}
		})
	}
}

func TestRecoverExpired_RequeuesThenFailsAfterMaxAttempts(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			clk := &clock{now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
			s := openStore(t, b.newDB(t), runs.Options{MaxAttempts: 2, Now: clk.Now})
			ctx := context.Background()
			r := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			next := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			if c, _ := s.Claim(ctx, "dead", time.Minute); c == nil || c.ID != r.ID {
				t.Fatalf("claim: %+v", c)
			}
			clk.Add(59 * time.Second)
			if got, err := s.RecoverExpired(ctx); err != nil || len(got) != 0 {
				t.Fatalf("lease still valid, recovered %d (%v)", len(got), err)
			}
			clk.Add(2 * time.Second)
			got, err := s.RecoverExpired(ctx)
			if err != nil || len(got) != 1 || got[0].Status != runs.StatusWaiting || got[0].Attempts != 1 || got[0].LeaseOwner != nil {
				t.Fatalf("first expiry: %+v %v; want back to waiting, 1 attempt", got, err)
			}
			// The dead worker comes back too late: it cannot touch the run any more.
			if _, err := s.Heartbeat(ctx, r.ID, "dead", time.Minute); !errors.Is(err, runs.ErrLeaseLost) {
				t.Errorf("late heartbeat: %v, want ErrLeaseLost", err)
			}
			if err := s.Finish(ctx, r.ID, "dead", runs.Result{}); !errors.Is(err, runs.ErrLeaseLost) {
				t.Errorf("late finish: %v, want ErrLeaseLost", err)
			}
			// Still the head of its key: the next run of the wallet does not overtake it.
			c, _ := s.Claim(ctx, "second", time.Minute)
			if c == nil || c.ID != r.ID || c.Attempts != 2 {
				t.Fatalf("second claim: %+v; want the same run, attempt 2", c)
			}
			clk.Add(2 * time.Minute)
			got, err = s.RecoverExpired(ctx)
			if err != nil || len(got) != 1 || got[0].Status != runs.StatusFailed || got[0].FinishedAt == nil ||
				got[0].Error == nil || !strings.Contains(*got[0].Error, "stopped responding 2 times") {
				t.Fatalf("second expiry: %+v %v; want failed with a reason", got, err)
			}
			if c, _ := s.Claim(ctx, "third", time.Minute); c == nil || c.ID != next.ID {
				t.Fatalf("after the failure the key moves on: %+v", c)
			}
		})
	}
}

func TestRecoverExpired_CancelRequestedEndsCanceled(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			clk := &clock{now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
			s := openStore(t, b.newDB(t), runs.Options{Now: clk.Now})
			ctx := context.Background()
			r := mustCreate(t, s, newRun(1, "ana", nil))
			if c, _ := s.Claim(ctx, "dead", time.Minute); c == nil {
				t.Fatal("nothing claimed")
			}
			if _, err := s.Cancel(ctx, 1, r.ID); err != nil {
				t.Fatal(err)
			}
			clk.Add(2 * time.Minute)
			if _, err := s.RecoverExpired(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(ctx, 1, r.ID); got.Status != runs.StatusCanceled || got.FinishedAt == nil {
				t.Errorf("got %s, want canceled", got.Status)
			}
		})
	}
}

func TestHeartbeat_ExtendsTheLease(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			clk := &clock{now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
			s := openStore(t, b.newDB(t), runs.Options{Now: clk.Now})
			ctx := context.Background()
			r := mustCreate(t, s, newRun(1, "ana", nil))
			s.Claim(ctx, "w", time.Minute)
			for range 5 { // 5 × 50 s = 250 s, far past the first minute
				clk.Add(50 * time.Second)
				if _, err := s.Heartbeat(ctx, r.ID, "w", time.Minute); err != nil {
					t.Fatal(err)
				}
				if got, _ := s.RecoverExpired(ctx); len(got) != 0 {
					t.Fatal("a heartbeating run was recovered")
				}
			}
			if _, err := s.Heartbeat(ctx, r.ID, "intruder", time.Minute); !errors.Is(err, runs.ErrLeaseLost) {
				t.Errorf("heartbeat by a non-owner: %v, want ErrLeaseLost", err)
			}
		})
	}
}

// Issue 11, point 4: one viewer queued 48 runs and another tenant's short
// report waited for all of them. Tenant A queues 50 runs on 50 wallets;
// tenant B's one run, requested last, starts before A's third.
func TestClaim_IsFairAcrossTenants(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			for i := 0; i < 50; i++ {
				mustCreate(t, s, newRun(1, "ana", ptr(fmt.Sprint(i))))
			}
			tb := mustCreate(t, s, newRun(2, "bia", nil))
			// Two workers: each takes a run, and when one finishes takes the next.
			var order []string
			claim := func(w string) *runs.Run {
				t.Helper()
				r, err := s.Claim(ctx, w, time.Minute)
				if err != nil || r == nil {
					t.Fatalf("claim: %v %v", r, err)
				}
				order = append(order, fmt.Sprint(r.TenantID))
				return r
			}
			first, second := claim("w1"), claim("w2")
			if err := s.Finish(ctx, first.ID, "w1", runs.Result{}); err != nil {
				t.Fatal(err)
			}
			third := claim("w1")
			if first.ID != tb.ID && second.ID != tb.ID && third.ID != tb.ID {
				t.Fatalf("tenant B's run is not among the first three claims: tenants %v", order)
			}
			// Tenant A's runs keep their request order among themselves.
			var prev *runs.Run
			for _, r := range []*runs.Run{first, second, third} {
				if r.TenantID != 1 {
					continue
				}
				if prev != nil {
					if a, b := atoi(*prev.Wallet), atoi(*r.Wallet); b <= a {
						t.Fatalf("tenant A out of order: wallet %d after %d", b, a)
					}
				}
				prev = r
			}
		})
	}
}

// A per-user and a per-tenant cap on waiting runs; a started run frees a place.
func TestCreate_RefusesRunsBeyondTheWaitingCaps(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{MaxWaitingPerUser: 2, MaxWaitingPerTenant: 3})
			ctx := context.Background()
			mustCreate(t, s, newRun(1, "ana", ptr("1")))
			mustCreate(t, s, newRun(1, "ana", ptr("2")))
			var qe *runs.QuotaError
			if _, err := s.Create(ctx, newRun(1, "ana", ptr("3"))); !errors.As(err, &qe) || qe.Scope != "user" || qe.Limit != 2 || qe.RetryAfter <= 0 {
				t.Fatalf("ana's third waiting run: %v", err)
			}
			mustCreate(t, s, newRun(1, "bia", ptr("3"))) // the tenant's third
			if _, err := s.Create(ctx, newRun(1, "caio", ptr("4"))); !errors.As(err, &qe) || qe.Scope != "tenant" || qe.Limit != 3 {
				t.Fatalf("the tenant's fourth waiting run: %v", err)
			}
			mustCreate(t, s, newRun(2, "ana", nil)) // another tenant is not counted
			if r, err := s.Claim(ctx, "w", time.Minute); err != nil || r == nil {
				t.Fatalf("claim: %v %v", r, err)
			}
			// Tenant 1's oldest run started (no tenant had one running, so the
			// oldest request won): 2 wait, and caio's fits.
			if _, err := s.Create(ctx, newRun(1, "caio", ptr("4"))); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestClaim_RunsWithoutAWalletOfDifferentReportsRunInParallel(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			protocols := newRun(1, "ana", nil)
			protocols.ReportID = "service.protocols"
			contacts := newRun(1, "ana", nil)
			contacts.ReportID = "contacts.all_contacts"
			p1 := mustCreate(t, s, protocols)
			p2 := mustCreate(t, s, protocols)
			c1 := mustCreate(t, s, contacts)
			var got []string
			for {
				r, err := s.Claim(ctx, "w", time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if r == nil {
					break
				}
				got = append(got, r.ID)
			}
			// p1 and c1 run at once; p2, the same report, waits for p1.
			if len(got) != 2 || got[0] != p1.ID || got[1] != c1.ID {
				t.Fatalf("claimed %v; want p1 %s and c1 %s (not p2 %s)", got, p1.ID, c1.ID, p2.ID)
			}
		})
	}
}

func TestPlace_TellsThePositionInTheKeyAndTheRunAhead(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newDB(t), runs.Options{})
			ctx := context.Background()
			a1 := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			other := mustCreate(t, s, newRun(1, "ana", ptr("2"))) // another wallet: not in a1's line
			a2 := mustCreate(t, s, newRun(1, "bob", ptr("1")))
			a3 := mustCreate(t, s, newRun(1, "ana", ptr("1")))
			place := func(r *runs.Run) runs.Place {
				t.Helper()
				got, err := s.Get(ctx, 1, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				p, err := s.Place(ctx, got)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			aheadID := func(p runs.Place) string {
				if p.Ahead == nil {
					return ""
				}
				return p.Ahead.ID
			}
			// All waiting: a1 heads wallet 1, a2 is 2nd behind a1, a3 3rd behind a2.
			for _, c := range []struct {
				r     *runs.Run
				pos   int
				ahead string
			}{{a1, 1, ""}, {other, 1, ""}, {a2, 2, a1.ID}, {a3, 3, a2.ID}} {
				if p := place(c.r); p.Position != c.pos || aheadID(p) != c.ahead {
					t.Errorf("run %s: position %d ahead %q; want %d %q", c.r.ID, p.Position, aheadID(p), c.pos, c.ahead)
				}
			}
			// a1 processing: it still counts; a processing run itself has no place.
			for r, _ := s.Claim(ctx, "w", time.Minute); r != nil; r, _ = s.Claim(ctx, "w", time.Minute) {
			}
			if p := place(a1); p.Position != 0 || p.Ahead != nil {
				t.Errorf("processing a1: %+v; want no place", p)
			}
			if p := place(a2); p.Position != 2 || aheadID(p) != a1.ID || p.Ahead.Status != runs.StatusProcessing {
				t.Errorf("a2 behind processing a1: position %d ahead %q", p.Position, aheadID(p))
			}
			// a1 finishes: a2 heads the key, a3 is 2nd behind a2.
			if err := s.Finish(ctx, a1.ID, "w", runs.Result{}); err != nil {
				t.Fatal(err)
			}
			if p := place(a2); p.Position != 1 || p.Ahead != nil {
				t.Errorf("a2 after a1 finished: %+v", p)
			}
			if p := place(a3); p.Position != 2 || aheadID(p) != a2.ID {
				t.Errorf("a3 after a1 finished: position %d ahead %q; want 2, a2", p.Position, aheadID(p))
			}
		})
	}
}
