package runs_test

import (
	"context"
	"errors"
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
			// Heads of the four keys, oldest first; then nothing: a2 and n2 wait behind a1 and n1.
			for i, want := range []string{a1.ID, b1.ID, n1.ID, other.ID, ""} {
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
