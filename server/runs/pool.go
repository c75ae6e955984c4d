package runs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Pool works the queue: Workers goroutines claim runs from Store and call Execute,
// keeping their leases alive while it runs. Several pools (in one or several
// processes) may share a store; each run is executed by one of them at a time.
type Pool struct {
	Store *Store
	// Execute does the work. Its ctx is canceled when the run is canceled through
	// the store, when the pool loses the run's lease, or on a hard stop; it should
	// return promptly then. An error with a UserMessage shows that message to users.
	Execute func(ctx context.Context, r *Run) (Result, error)
	Workers int           // concurrent runs; default 1
	Poll    time.Duration // idle claim poll, cancel poll and recovery sweep; default 1s
	Lease   time.Duration // how long a run stays ours without a heartbeat; default 30s
	ID      string        // worker id prefix; default host-pid-random
	Logger  *slog.Logger  // default slog.Default()
	// Ended, when set, is called with a run as stored right after this pool
	// ended it (finished, failed, canceled), also when its recovery sweep
	// fails or cancels an abandoned run: where run-end notices start. It runs
	// on the worker's goroutine and should not block for long.
	Ended func(ctx context.Context, r *Run)

	mu       sync.Mutex
	started  bool
	stopping chan struct{}      // closed by Stop: claim nothing more
	hard     context.CancelFunc // cancels running Executes (Stop's ctx expired)
	wake     chan struct{}
	wg       sync.WaitGroup
}

var (
	errCanceledByUser = errors.New("run canceled")
	errShutdown       = errors.New("worker pool stopping")
)

// Start launches the workers and the recovery sweep. ctx only bounds Start itself;
// the pool runs until Stop.
func (p *Pool) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return errors.New("worker pool already started")
	}
	if p.Store == nil || p.Execute == nil {
		return errors.New("worker pool: Store and Execute are required")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.Workers <= 0 {
		p.Workers = 1
	}
	if p.Poll <= 0 {
		p.Poll = time.Second
	}
	if p.Lease <= 0 {
		p.Lease = 30 * time.Second
	}
	if p.ID == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		p.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	p.started = true
	p.stopping = make(chan struct{})
	p.wake = make(chan struct{}, p.Workers)
	base, hard := context.WithCancelCause(context.Background())
	p.hard = func() { hard(errShutdown) }

	sub, unsubscribe := p.Store.Subscribe()
	p.wg.Add(1)
	go func() { // fan the store's signals out to the workers
		defer p.wg.Done()
		defer unsubscribe()
		for {
			select {
			case <-p.stopping:
				return
			case <-sub:
				p.Wake()
			}
		}
	}()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.recoverLoop(base)
	}()
	for i := range p.Workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.workLoop(base, fmt.Sprintf("%s/%d", p.ID, i))
		}()
	}
	return nil
}

// Wake makes idle workers look for work now instead of at the next poll.
func (p *Pool) Wake() {
	for range cap(p.wake) {
		select {
		case p.wake <- struct{}{}:
		default:
			return
		}
	}
}

// Stop claims nothing more and waits for running Executes to end. When ctx ends
// first, it cancels them and gives their runs back to the queue.
func (p *Pool) Stop(ctx context.Context) error {
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return nil
	}
	select {
	case <-p.stopping:
	default:
		close(p.stopping)
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		p.hard()
		return nil
	case <-ctx.Done():
		p.hard()
		<-done
		return ctx.Err()
	}
}

func (p *Pool) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.stopping:
		return false
	case <-p.wake:
		return true
	case <-t.C:
		return true
	}
}

func (p *Pool) recoverLoop(ctx context.Context) {
	for {
		recovered, err := p.Store.RecoverExpired(ctx)
		if err != nil {
			p.Logger.Error("recover expired runs", "err", err)
		}
		for _, r := range recovered {
			p.Logger.Warn("run lease expired", "run_id", r.ID, "tenant_id", r.TenantID,
				"report_id", r.ReportID, "attempts", r.Attempts, "status", r.Status)
			if r.Status.Terminal() && p.Ended != nil {
				p.Ended(context.WithoutCancel(ctx), r)
			}
		}
		t := time.NewTimer(p.Poll)
		select {
		case <-p.stopping:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (p *Pool) workLoop(ctx context.Context, workerID string) {
	for {
		select {
		case <-p.stopping:
			return
		default:
		}
		r, err := p.Store.Claim(ctx, workerID, p.Lease)
		if err != nil {
			p.Logger.Error("claim run", "worker", workerID, "err", err)
		}
		if r == nil {
			if !p.sleep(p.Poll) {
				return
			}
			continue
		}
		p.work(ctx, workerID, r)
	}
}

// work executes one claimed run and settles it.
func (p *Pool) work(base context.Context, workerID string, r *Run) {
	log := p.Logger.With("run_id", r.ID, "tenant_id", r.TenantID, "report_id", r.ReportID,
		"queue_key", r.QueueKey, "attempt", r.Attempts, "worker", workerID)
	log.Info("run started")
	began := time.Now()
	ctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		p.heartbeat(ctx, cancel, log, r.ID, workerID)
	}()
	res, err := p.execute(ctx, r)
	cause := context.Cause(ctx)
	cancel(nil)
	<-beatDone

	// Settle even when the pool's context is gone: the run must not stay processing.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(base), 10*time.Second)
	defer scancel()
	var serr error
	switch {
	case err == nil:
		serr = p.Store.Finish(sctx, r.ID, workerID, res)
		log.Info("run finished", "duration", time.Since(began), "rows", res.TotalRows, "truncated", res.Truncated)
	case errors.Is(cause, ErrLeaseLost):
		log.Warn("run abandoned: lease lost", "duration", time.Since(began))
		return
	case errors.Is(cause, errCanceledByUser):
		serr = p.Store.MarkCanceled(sctx, r.ID, workerID)
		log.Info("run canceled", "duration", time.Since(began))
	case errors.Is(cause, errShutdown):
		serr = p.Store.Release(sctx, r.ID, workerID)
		log.Info("run released for another worker", "duration", time.Since(began))
	default:
		serr = p.Store.Fail(sctx, r.ID, workerID, err)
		log.Error("run failed", "duration", time.Since(began), "err", err)
	}
	if serr != nil {
		log.Error("settle run", "err", serr)
		return
	}
	if p.Ended != nil && (err == nil || !errors.Is(cause, errShutdown)) {
		ended, gerr := p.Store.Get(sctx, r.TenantID, r.ID)
		if gerr != nil {
			log.Error("read ended run", "err", gerr)
			return
		}
		if ended.Status.Terminal() {
			p.Ended(sctx, ended)
		}
	}
}

func (p *Pool) execute(ctx context.Context, r *Run) (res Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in report execution: %v", v)
		}
	}()
	return p.Execute(ctx, r)
}

// heartbeat renews the lease and polls for a cancel until ctx ends.
func (p *Pool) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, log *slog.Logger, id, workerID string) {
	every := min(p.Poll, p.Lease/3)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		canceled, err := p.Store.Heartbeat(ctx, id, workerID, p.Lease)
		switch {
		case errors.Is(err, ErrLeaseLost):
			cancel(ErrLeaseLost)
			return
		case err != nil:
			if ctx.Err() == nil {
				log.Warn("heartbeat", "err", err) // the lease absorbs short outages
			}
		case canceled:
			cancel(errCanceledByUser)
			return
		}
	}
}
