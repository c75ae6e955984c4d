package delivery

import (
	"context"
	"math/rand/v2"
	"time"
)

// Outcome of one attempt.
const (
	OutcomeDelivered = "delivered"
	OutcomeLinked    = "delivered_linked" // delivered as a download link (e-mail, file too big to attach)
	OutcomeFailed    = "failed"           // will be retried
	OutcomeGaveUp    = "gave_up"          // last attempt, or a permanent error
	OutcomeCanceled  = "canceled"         // the context ended
)

// Attempt is one try at a delivery, for the run's delivery log.
type Attempt struct {
	Kind    string
	Number  int // 1-based
	Start   time.Time
	End     time.Time
	Bytes   int64
	Outcome string
	Err     error
}

// RetryPolicy says how often and how patiently to retry. Zero fields take
// the defaults: 5 attempts, 30 s first wait doubling up to 30 min, ±20% jitter.
type RetryPolicy struct {
	MaxAttempts int
	Initial     time.Duration
	Max         time.Duration
	Multiplier  float64
	Jitter      float64 // fraction of each wait added or removed at random, 0–1; negative: none

	OnAttempt func(Attempt) // called after every attempt

	// For tests: clock, sleep and randomness.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  func() float64 // in [0,1)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.Initial <= 0 {
		p.Initial = 30 * time.Second
	}
	if p.Max <= 0 {
		p.Max = 30 * time.Minute
	}
	if p.Multiplier < 1 {
		p.Multiplier = 2
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = 0.2
	case p.Jitter < 0:
		p.Jitter = 0 // explicitly none
	case p.Jitter > 1:
		p.Jitter = 1
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = sleepContext
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// Backoff is the wait after failed attempt n (1-based), before jitter.
func (p RetryPolicy) Backoff(n int) time.Duration {
	p = p.withDefaults()
	d := float64(p.Initial)
	for i := 1; i < n; i++ {
		d *= p.Multiplier
		if d >= float64(p.Max) {
			return p.Max
		}
	}
	return time.Duration(d)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Retrying is a Destination that retries another with backoff.
type Retrying struct {
	dest   Destination
	policy RetryPolicy
}

var _ Destination = (*Retrying)(nil)

// WithRetry wraps dest so Send retries transient failures. Permanent errors
// (see IsPermanent) end the delivery at once.
func WithRetry(dest Destination, policy RetryPolicy) *Retrying {
	return &Retrying{dest: dest, policy: policy.withDefaults()}
}

// Kind is the wrapped destination's kind.
func (r *Retrying) Kind() string { return kindOf(r.dest) }

// Test passes through to the wrapped destination when it can test.
func (r *Retrying) Test(ctx context.Context) (TestResult, error) {
	if t, ok := r.dest.(Tester); ok {
		return t.Test(ctx)
	}
	return TestResult{}, nil
}

func (r *Retrying) Send(ctx context.Context, f File) (Receipt, error) {
	p := r.policy
	for n := 1; ; n++ {
		start := p.Now()
		rc, err := r.dest.Send(ctx, f)
		a := Attempt{Kind: kindOf(r.dest), Number: n, Start: start, End: p.Now(), Bytes: rc.Bytes, Err: err}
		switch {
		case err == nil && rc.Linked:
			a.Outcome = OutcomeLinked
		case err == nil:
			a.Outcome = OutcomeDelivered
		case ctx.Err() != nil:
			a.Outcome = OutcomeCanceled
		case IsPermanent(err) || n >= p.MaxAttempts:
			a.Outcome = OutcomeGaveUp
		default:
			a.Outcome = OutcomeFailed
		}
		if p.OnAttempt != nil {
			p.OnAttempt(a)
		}
		if a.Outcome != OutcomeFailed {
			return rc, err
		}
		wait := p.Backoff(n)
		if p.Jitter > 0 {
			wait += time.Duration((p.Rand()*2 - 1) * p.Jitter * float64(wait))
		}
		if serr := p.Sleep(ctx, wait); serr != nil {
			return rc, err
		}
	}
}

func kindOf(d Destination) string {
	if k, ok := d.(Kinded); ok {
		return k.Kind()
	}
	return ""
}
