package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/relato/relato/delivery"
)

// scripted fails with the given errors in order, then succeeds.
type scripted struct {
	errs  []error
	calls int
}

func (s *scripted) Kind() string { return "delivery.test" }
func (s *scripted) Send(_ context.Context, f delivery.File) (delivery.Receipt, error) {
	s.calls++
	if s.calls <= len(s.errs) {
		return delivery.Receipt{Bytes: 10}, s.errs[s.calls-1]
	}
	return delivery.Receipt{Bytes: f.Size}, nil
}

func TestRetry_BacksOffExponentiallyWithJitterUpToMax(t *testing.T) {
	t.Parallel()
	transient := errors.New("connection reset")
	dest := &scripted{errs: []error{transient, transient, transient, transient}}
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var waits []time.Duration
	var attempts []delivery.Attempt
	r := delivery.WithRetry(dest, delivery.RetryPolicy{
		MaxAttempts: 5, Initial: 10 * time.Second, Max: 30 * time.Second, Multiplier: 2, Jitter: 0.5,
		Rand:      func() float64 { return 1 }, // the top of the jitter range: +50%
		Now:       func() time.Time { clock = clock.Add(time.Second); return clock },
		Sleep:     func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
		OnAttempt: func(a delivery.Attempt) { attempts = append(attempts, a) },
	})
	rc, err := r.Send(context.Background(), csvFile("a.csv", make([]byte, 1234)))
	if err != nil || rc.Bytes != 1234 {
		t.Fatalf("send = %+v, %v", rc, err)
	}
	// 10s, 20s, 30s (capped), 30s, each +50%.
	want := []time.Duration{15 * time.Second, 30 * time.Second, 45 * time.Second, 45 * time.Second}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	if len(attempts) != 5 || attempts[4].Outcome != delivery.OutcomeDelivered || attempts[0].Outcome != delivery.OutcomeFailed ||
		attempts[0].Kind != "delivery.test" || attempts[0].End.Sub(attempts[0].Start) != time.Second || attempts[0].Bytes != 10 {
		t.Errorf("attempts = %+v", attempts)
	}
}

func TestRetry_StopsAtPermanentErrorsAndAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		errs      []error
		max       int
		wantCalls int
	}{
		{"auth failure is not retried", []error{fmt.Errorf("login: %w", delivery.ErrAuth)}, 5, 1},
		{"host key mismatch is not retried", []error{delivery.ErrHostKeyMismatch}, 5, 1},
		{"certificate mismatch is not retried", []error{delivery.ErrCertificateMismatch}, 5, 1},
		{"permission denied is not retried", []error{delivery.ErrPermissionDenied}, 5, 1},
		{"transient errors stop at max attempts", []error{errors.New("a"), errors.New("b"), errors.New("c")}, 3, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest := &scripted{errs: c.errs}
			var last delivery.Attempt
			r := delivery.WithRetry(dest, delivery.RetryPolicy{MaxAttempts: c.max,
				Sleep:     func(context.Context, time.Duration) error { return nil },
				OnAttempt: func(a delivery.Attempt) { last = a }})
			_, err := r.Send(context.Background(), csvFile("a.csv", []byte("x")))
			if err == nil || dest.calls != c.wantCalls || last.Outcome != delivery.OutcomeGaveUp || last.Err != err {
				t.Fatalf("calls = %d (want %d), last attempt %+v, err %v", dest.calls, c.wantCalls, last, err)
			}
		})
	}
}

func TestRetry_CanceledContextEndsTheWait(t *testing.T) {
	t.Parallel()
	dest := &scripted{errs: []error{errors.New("down"), errors.New("down")}}
	ctx, cancel := context.WithCancel(context.Background())
	r := delivery.WithRetry(dest, delivery.RetryPolicy{MaxAttempts: 5, Initial: time.Hour,
		Sleep: func(ctx context.Context, d time.Duration) error { cancel(); <-ctx.Done(); return ctx.Err() }})
	if _, err := r.Send(ctx, csvFile("a.csv", []byte("x"))); err == nil || dest.calls != 1 {
		t.Fatalf("err = %v after %d calls, want the first error and no second call", err, dest.calls)
	}
}
