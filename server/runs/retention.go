package runs

import (
	"context"
	"fmt"
	"time"
)

// Purge deletes the runs of every tenant that ended before cutoff and returns
// their ids, so the caller can drop their snapshots. Runs still waiting or
// processing are never purged.
func (s *Store) Purge(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT id FROM runs WHERE status IN ('finished', 'failed', 'canceled')
		AND finished_at < $1 ORDER BY finished_at LIMIT $2`, micros(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("purge runs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := s.w.ExecContext(ctx, `DELETE FROM runs WHERE id = $1 AND status IN ('finished', 'failed', 'canceled')`, id); err != nil {
			return nil, fmt.Errorf("purge run %s: %w", id, err)
		}
	}
	return ids, nil
}
