package reporting

import (
	"context"
	"time"
)

// Retain removes, every interval, runs that ended more than age ago and their
// snapshots, until ctx ends.
func (s *Service) Retain(ctx context.Context, age, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.PurgeOnce(ctx, age)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PurgeOnce removes the runs that ended more than age ago and their snapshots,
// and returns how many runs it removed.
func (s *Service) PurgeOnce(ctx context.Context, age time.Duration) int {
	s.init()
	const batch = 500
	n := 0
	for {
		ids, err := s.Runs.Purge(ctx, s.Now().Add(-age), batch)
		if err != nil {
			s.Logger.Error("retention", "err", err)
			return n
		}
		for _, id := range ids {
			if err := s.Snapshots.Drop(ctx, id); err != nil {
				s.Logger.Error("retention: dropping snapshot", "run", id, "err", err)
			}
		}
		n += len(ids)
		if len(ids) < batch {
			if n > 0 {
				s.Logger.Info("retention", "removed_runs", n, "older_than", age)
			}
			return n
		}
	}
}
