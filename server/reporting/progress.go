package reporting

import (
	"context"
	"sync"
	"time"

	"github.com/relato/relato/server/runs"
)

// progressEvery is the least time between two signals of one run's progress:
// followers see the count move a few times a second, not once per block.
const progressEvery = 100 * time.Millisecond

// progressHub holds the rows so far of the runs executing in this process and
// tells the run's followers when the count moves, so the events stream waits
// on a signal instead of polling.
type progressHub struct {
	mu       sync.Mutex
	rows     map[string]int64     // run id → rows so far, while executing here
	signaled map[string]time.Time // run id → last signal
	ended    map[string]time.Time // run id → when its execution here ended (its final count is kept a while)
	watchers map[string]map[chan struct{}]struct{}
}

// start begins counting runID and returns the function the snapshot writer
// calls with the rows so far; end stops counting.
func (h *progressHub) start(runID string) (set func(int64), end func()) {
	h.mu.Lock()
	h.init()
	h.sweep(time.Now())
	h.rows[runID] = 0
	delete(h.ended, runID)
	h.mu.Unlock()
	set = func(n int64) {
		h.mu.Lock()
		defer h.mu.Unlock()
		// The query's own count comes first, then the checksum pass counts
		// again from 0: the rows so far never go back.
		if _, over := h.ended[runID]; over {
			return
		}
		if cur, ok := h.rows[runID]; !ok || n <= cur {
			return
		}
		h.rows[runID] = n
		if now := time.Now(); now.Sub(h.signaled[runID]) >= progressEvery {
			h.signaled[runID] = now
			h.signal(runID)
		}
	}
	end = func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		// The final count stays readable a while: the store marks the run
		// finished only after this returns, and until then followers would
		// otherwise see the count drop to nothing (issue 14).
		h.ended[runID] = time.Now()
		delete(h.signaled, runID)
		h.signal(runID)
	}
	return set, end
}

// progressLinger is how long a run's final count stays readable after its
// execution here ended: enough for the runs pool to record the end.
const progressLinger = 30 * time.Second

// sweep forgets the counts of runs whose execution ended more than
// progressLinger ago. Callers hold h.mu.
func (h *progressHub) sweep(now time.Time) {
	for id, at := range h.ended {
		if now.Sub(at) > progressLinger {
			delete(h.ended, id)
			delete(h.rows, id)
		}
	}
}

func (h *progressHub) init() {
	if h.rows == nil {
		h.rows, h.signaled, h.watchers = map[string]int64{}, map[string]time.Time{}, map[string]map[chan struct{}]struct{}{}
		h.ended = map[string]time.Time{}
	}
}

func (h *progressHub) signal(runID string) {
	for ch := range h.watchers[runID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (h *progressHub) get(runID string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.rows[runID]
	return n, ok
}

func (h *progressHub) watch(runID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.init()
	if h.watchers[runID] == nil {
		h.watchers[runID] = map[chan struct{}]struct{}{}
	}
	h.watchers[runID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.watchers[runID], ch)
		if len(h.watchers[runID]) == 0 {
			delete(h.watchers, runID)
		}
	}
}

// WatchProgress returns a channel that receives a signal (coalesced, at most
// every 100 ms) when the rows so far of runID move in this process, and once
// when its execution here ends. Call the returned func to stop.
func (s *Service) WatchProgress(runID string) (<-chan struct{}, func()) {
	return s.progress.watch(runID)
}

// progressSaveEvery is how often an executing run's count is saved in the
// store, for the other instances' API (runs.Store.SaveProgress).
const progressSaveEvery = time.Second

// saveProgress saves run r's rows so far in the store every
// progressSaveEvery while it executes here, when the count moved; call the
// returned func to stop. A failed save is tried again at the next tick.
func (s *Service) saveProgress(ctx context.Context, r *runs.Run) (stop func()) {
	if r.LeaseOwner == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressSaveEvery)
		defer t.Stop()
		var saved int64
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if n, ok := s.progress.get(r.ID); ok && n > saved {
				if err := s.Runs.SaveProgress(ctx, r.ID, *r.LeaseOwner, n); err != nil {
					s.Logger.Warn("saving progress", "run", r.ID, "err", err)
					continue
				}
				saved = n
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
