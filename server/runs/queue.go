package runs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/relato/relato/server/runs/migrations"
)

// Claim takes a waiting run that heads its queue key (no earlier run of the
// key is waiting or processing, and none is processing at all) and marks it
// processing for workerID until now+lease. It returns nil, nil when nothing is
// ready.
//
// Among the heads it is fair across tenants (issue 11: one tenant's 48 runs
// made another's wait 10 s): first the tenant with the fewest runs processing,
// then the tenant whose last run started longest ago (round-robin), then the
// oldest request. Within a key nothing changes: only the head can be taken.
//
// Exactly one caller wins each run, across processes: PostgreSQL locks the chosen
// row with FOR UPDATE SKIP LOCKED, so concurrent claimers pass over it, and the
// later runs of its key are not heads while it is still waiting; SQLite runs the
// statement under its single writer lock. Underneath both, a unique index on
// queue_key for processing rows refuses a second processing run of a key.
func (s *Store) Claim(ctx context.Context, workerID string, lease time.Duration) (*Run, error) {
	lock := ""
	if s.dialect == migrations.Postgres {
		lock = "FOR UPDATE OF r SKIP LOCKED"
	}
	now := s.now()
	row := s.w.QueryRowContext(ctx, claimSQL(lock), micros(now), workerID, micros(now.Add(lease)))
	r, err := scanRun(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case isUniqueViolation(err):
		// Lost a race for the key to another process; the next poll tries again.
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("claim run: %w", err)
	}
	s.changed()
	return r, nil
}

// claimSQL is Claim's statement ($1 now, $2 worker, $3 lease end); lock is
// the row-locking clause of the dialect. The capacity benchmark EXPLAINs it.
func claimSQL(lock string) string {
	return `UPDATE runs SET status = 'processing', started_at = $1,
		attempts = attempts + 1, lease_owner = $2, lease_expires_at = $3
	WHERE status = 'waiting' AND seq = (
		SELECT r.seq FROM runs r
		WHERE r.status = 'waiting'
		  AND NOT EXISTS (SELECT 1 FROM runs e WHERE e.queue_key = r.queue_key AND e.seq < r.seq
		                  AND e.status IN ('waiting', 'processing'))
		  AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.queue_key = r.queue_key AND p.status = 'processing')
		ORDER BY (SELECT COUNT(*) FROM runs t WHERE t.tenant_id = r.tenant_id AND t.status = 'processing'),
		         (SELECT COALESCE(MAX(t.started_at), 0) FROM runs t WHERE t.tenant_id = r.tenant_id),
		         r.seq
		LIMIT 1 ` + lock + `)
	RETURNING ` + runColumns
}

// Heartbeat extends workerID's lease on a processing run and tells whether a
// cancel was asked for. ErrLeaseLost means the worker must stop: the run was
// recovered by someone else or is no longer processing.
func (s *Store) Heartbeat(ctx context.Context, id, workerID string, lease time.Duration) (cancelRequested bool, err error) {
	err = s.w.QueryRowContext(ctx, `UPDATE runs SET lease_expires_at = $1
		WHERE id = $2 AND status = 'processing' AND lease_owner = $3 RETURNING cancel_requested`,
		micros(s.now().Add(lease)), id, workerID).Scan(&cancelRequested)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("heartbeat run %s: %w", id, ErrLeaseLost)
	}
	if err != nil {
		return false, fmt.Errorf("heartbeat run %s: %w", id, err)
	}
	return cancelRequested, nil
}

// settle moves workerID's processing run to a terminal status (or back to waiting).
func (s *Store) settle(ctx context.Context, op, id, workerID, set string, args ...any) error {
	args = append(args, id, workerID)
	n := len(args)
	res, err := s.w.ExecContext(ctx, `UPDATE runs SET `+set+`, lease_owner = NULL, lease_expires_at = NULL
		WHERE id = $`+fmt.Sprint(n-1)+` AND status = 'processing' AND lease_owner = $`+fmt.Sprint(n), args...)
	if err != nil {
		return fmt.Errorf("%s run %s: %w", op, id, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return fmt.Errorf("%s run %s: %w", op, id, ErrLeaseLost)
	}
	s.notify()
	return nil
}

// Finish records the result of workerID's run and ends it.
func (s *Store) Finish(ctx context.Context, id, workerID string, res Result) error {
	var sum *string
	if res.SnapshotSum != "" {
		sum = &res.SnapshotSum
	}
	return s.settle(ctx, "finish", id, workerID, `status = 'finished', finished_at = $1, total_rows = $2,
		truncated = $3, snapshot_size = $4, snapshot_checksum = $5, error = NULL`,
		micros(s.now()), res.TotalRows, res.Truncated, res.SnapshotSize, sum)
}

// Fail ends workerID's run as failed. Users see cause's UserMessage if it has one,
// a generic message otherwise; the caller logs the detail.
func (s *Store) Fail(ctx context.Context, id, workerID string, cause error) error {
	return s.settle(ctx, "fail", id, workerID, `status = 'failed', finished_at = $1, error = $2`,
		micros(s.now()), userMessage(cause))
}

// MarkCanceled ends workerID's run as canceled once its work has stopped.
func (s *Store) MarkCanceled(ctx context.Context, id, workerID string) error {
	return s.settle(ctx, "cancel", id, workerID, `status = 'canceled', finished_at = $1`, micros(s.now()))
}

// Release gives workerID's run back to the queue without counting the attempt,
// for a worker shutting down before the run ended. It stays the head of its key;
// if a cancel was asked meanwhile, it ends canceled instead.
func (s *Store) Release(ctx context.Context, id, workerID string) error {
	return s.settle(ctx, "release", id, workerID, `attempts = attempts - 1,
		status = CASE WHEN cancel_requested THEN 'canceled' ELSE 'waiting' END,
		finished_at = CASE WHEN cancel_requested THEN CAST($1 AS BIGINT) ELSE NULL END`, micros(s.now()))
}

// RecoverExpired settles processing runs whose lease has expired (their worker
// died or hung): a run whose cancel was asked becomes canceled, one taken
// MaxAttempts times becomes failed with a reason, any other goes back to waiting
// at the head of its key. It returns the runs it changed.
func (s *Store) RecoverExpired(ctx context.Context) ([]*Run, error) {
	now := micros(s.now())
	rows, err := s.w.QueryContext(ctx, `UPDATE runs SET
		status = CASE WHEN cancel_requested THEN 'canceled' WHEN attempts >= $1 THEN 'failed' ELSE 'waiting' END,
		finished_at = CASE WHEN cancel_requested OR attempts >= $1 THEN CAST($2 AS BIGINT) ELSE NULL END,
		error = CASE WHEN cancel_requested THEN NULL WHEN attempts >= $1 THEN $3 ELSE error END,
		lease_owner = NULL, lease_expires_at = NULL
	WHERE status = 'processing' AND lease_expires_at < $2
	RETURNING `+runColumns, s.maxAttempts, now,
		fmt.Sprintf("the worker processing this report stopped responding %d times; giving up", s.maxAttempts))
	if err != nil {
		return nil, fmt.Errorf("recover expired runs: %w", err)
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("recover expired runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recover expired runs: %w", err)
	}
	if len(out) > 0 {
		s.notify()
	}
	return out, nil
}
