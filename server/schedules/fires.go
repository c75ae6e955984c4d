package schedules

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Fire states: claimed (due time taken, run not created yet) → queued (run
// created) → delivering → delivered | failed; run_failed when the run could
// not be created or did not finish.
const (
	FireClaimed    = "claimed"
	FireQueued     = "queued"
	FireDelivering = "delivering"
	FireDelivered  = "delivered"
	FireFailed     = "failed"
	FireRunFailed  = "run_failed"
)

// Fire is one due time of a schedule. The pair (schedule, due time) is unique
// in the database: that is what makes firing exactly-once.
type Fire struct {
	ID         string
	ScheduleID string
	TenantID   uint32
	DueAt      time.Time
	Manual     bool
	FiredAt    time.Time
	RunID      *string
	State      string
	Error      *string
}

const fireColumns = `id, schedule_id, tenant_id, due_at, manual, fired_at, run_id, state, error`

func scanFire(sc interface{ Scan(...any) error }) (*Fire, error) {
	var (
		f           Fire
		tenant      int64
		due, fired  int64
		runID, ferr sql.NullString
	)
	if err := sc.Scan(&f.ID, &f.ScheduleID, &tenant, &due, &f.Manual, &fired, &runID, &f.State, &ferr); err != nil {
		return nil, err
	}
	f.TenantID, f.DueAt, f.FiredAt = uint32(tenant), fromMicros(due), fromMicros(fired)
	f.RunID, f.Error = strPtr(runID), strPtr(ferr)
	return &f, nil
}

// ClaimDue takes every schedule whose next fire is at or before now: in one
// transaction per schedule it moves next_fire_at to the first due time after
// now — only if it still holds the value read (compare-and-set), so of several
// instances exactly one wins — and inserts the fire row. Due times missed while
// no instance ran collapse into this one fire. owner and lease mark the fire
// so another instance can take it over if this one dies before creating the run.
func (s *Store) ClaimDue(ctx context.Context, owner string, lease time.Duration) ([]*Fire, error) {
	now := s.now()
	rows, err := s.r.QueryContext(ctx, `SELECT id, tenant_id, next_fire_at, recurrence, time_zone, starts_at, ends_at FROM schedules
		WHERE paused = $1 AND next_fire_at IS NOT NULL AND next_fire_at <= $2 ORDER BY next_fire_at LIMIT 100`, false, micros(now))
	if err != nil {
		return nil, fmt.Errorf("due schedules: %w", err)
	}
	type due struct {
		id, rec, zone string
		tenant, at    int64
		starts, ends  sql.NullInt64
	}
	var dues []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.tenant, &d.at, &d.rec, &d.zone, &d.starts, &d.ends); err != nil {
			rows.Close()
			return nil, err
		}
		dues = append(dues, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*Fire
	for _, d := range dues {
		sch := Schedule{Recurrence: d.rec, TimeZone: d.zone, StartsAt: timePtr(d.starts), EndsAt: timePtr(d.ends)}
		next, err := nextFire(&sch, now)
		if err != nil {
			return out, fmt.Errorf("schedule %s: %w", d.id, err)
		}
		f, err := s.claimOne(ctx, d.id, d.tenant, d.at, next, now, owner, lease)
		if err != nil {
			return out, err
		}
		if f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *Store) claimOne(ctx context.Context, id string, tenant, dueAt int64, next *time.Time, now time.Time, owner string, lease time.Duration) (*Fire, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE schedules SET next_fire_at = $1, last_fire_at = $2 WHERE id = $3 AND next_fire_at = $2`,
		nullMicros(next), dueAt, id)
	if err != nil {
		return nil, fmt.Errorf("claim schedule %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil // another instance took this due time
	}
	f, err := insertFire(ctx, tx, id, tenant, dueAt, false, now, owner, lease)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim schedule %s: %w", id, err)
	}
	return f, nil
}

func insertFire(ctx context.Context, tx *sql.Tx, scheduleID string, tenant, dueAt int64, manual bool, now time.Time, owner string, lease time.Duration) (*Fire, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	f, err := scanFire(tx.QueryRowContext(ctx, `INSERT INTO schedule_fires (id, schedule_id, tenant_id, due_at, manual, fired_at, state, lease_owner, lease_until)
		VALUES ($1, $2, $3, $4, $5, $6, 'claimed', $7, $8) RETURNING `+fireColumns,
		id.String(), scheduleID, tenant, dueAt, manual, micros(now), owner, micros(now.Add(lease))))
	if err != nil {
		return nil, fmt.Errorf("record fire of %s: %w", scheduleID, err)
	}
	return f, nil
}

// FireNow records a manual fire ("run now") at the current time.
func (s *Store) FireNow(ctx context.Context, tenant uint32, id, owner string, lease time.Duration) (*Fire, error) {
	if _, err := s.Get(ctx, tenant, id); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := s.now()
	f, err := insertFire(ctx, tx, id, int64(tenant), micros(now), true, now, owner, lease)
	if err != nil {
		return nil, err
	}
	return f, tx.Commit()
}

// fireConfig is what a fire keeps of its schedule's delivery settings.
type fireConfig struct {
	Destinations string `json:"destinations"` // sealDestinations' JSON, sealed with the fire id
	Format       string `json:"format"`
	FileName     string `json:"file_name"`
}

// FireQueued records the run created for a claimed fire, with sch's delivery
// settings of this moment (destinations, secrets sealed; format; file name):
// the run delivers with them even if the schedule is edited meanwhile.
func (s *Store) FireQueued(ctx context.Context, fireID, runID string, sch *Schedule) error {
	dests, err := s.sealDestinations(fireID, sch.Destinations)
	if err != nil {
		return fmt.Errorf("fire %s queued: %w", fireID, err)
	}
	cfg, _ := json.Marshal(fireConfig{Destinations: dests, Format: sch.Format, FileName: sch.FileName})
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var scheduleID string
	if err := tx.QueryRowContext(ctx, `UPDATE schedule_fires SET run_id = $1, state = 'queued', lease_owner = NULL, lease_until = NULL, config = $3
		WHERE id = $2 AND state = 'claimed' RETURNING schedule_id`, runID, fireID, string(cfg)).Scan(&scheduleID); err != nil {
		return fmt.Errorf("fire %s queued: %w", fireID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schedules SET last_run_id = $1 WHERE id = $2`, runID, scheduleID); err != nil {
		return err
	}
	return tx.Commit()
}

// EndFire ends a fire: delivered, failed or run_failed, and shows the outcome
// on its schedule.
func (s *Store) EndFire(ctx context.Context, fireID, state string, cause error) error {
	var msg *string
	if cause != nil {
		m := cause.Error()
		msg = &m
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var scheduleID string
	if err := tx.QueryRowContext(ctx, `UPDATE schedule_fires SET state = $1, error = $2, lease_owner = NULL, lease_until = NULL
		WHERE id = $3 RETURNING schedule_id`, state, msg, fireID).Scan(&scheduleID); err != nil {
		return fmt.Errorf("end fire %s: %w", fireID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schedules SET last_delivery_outcome = $1, last_delivery_error = $2 WHERE id = $3`,
		state, msg, scheduleID); err != nil {
		return err
	}
	return tx.Commit()
}

// Fires lists fires in a state, oldest first.
func (s *Store) Fires(ctx context.Context, state string, limit int) ([]*Fire, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+fireColumns+` FROM schedule_fires WHERE state = $1 ORDER BY fired_at, id LIMIT $2`, state, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Fire
	for rows.Next() {
		f, err := scanFire(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FiresOf lists a schedule's fires, newest first.
func (s *Store) FiresOf(ctx context.Context, tenant uint32, scheduleID string, limit int) ([]*Fire, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+fireColumns+` FROM schedule_fires WHERE tenant_id = $1 AND schedule_id = $2
		ORDER BY due_at DESC LIMIT $3`, int64(tenant), scheduleID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Fire
	for rows.Next() {
		f, err := scanFire(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// TakeFire leases a fire in state from to owner, moving it to state to; false
// when another instance holds it. A fire whose lease expired may be taken:
// that is how a crashed instance's fire is finished by another.
func (s *Store) TakeFire(ctx context.Context, fireID, from, to, owner string, lease time.Duration) (bool, error) {
	now := s.now()
	res, err := s.w.ExecContext(ctx, `UPDATE schedule_fires SET state = $1, lease_owner = $2, lease_until = $3
		WHERE id = $4 AND state = $5 AND (lease_until IS NULL OR lease_until < $6 OR lease_owner = $2)`,
		to, owner, micros(now.Add(lease)), fireID, from, micros(now))
	if err != nil {
		return false, fmt.Errorf("take fire %s: %w", fireID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RenewFire extends owner's lease on a delivering fire to now+lease; false
// when the fire is no longer owner's (taken over, or ended).
func (s *Store) RenewFire(ctx context.Context, fireID, owner string, lease time.Duration) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE schedule_fires SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'delivering'`,
		micros(s.now().Add(lease)), fireID, owner)
	if err != nil {
		return false, fmt.Errorf("renew fire %s: %w", fireID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeliveredDestinations returns the destinations (indexes) of fire fireID
// that have a successful attempt: a resumed delivery skips them.
func (s *Store) DeliveredDestinations(ctx context.Context, fireID string) (map[int]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT destination FROM deliveries WHERE fire_id = $1 AND outcome = 'delivered'`, fireID)
	if err != nil {
		return nil, fmt.Errorf("deliveries of fire %s: %w", fireID, err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		out[i] = true
	}
	return out, rows.Err()
}

// ExpiredFires lists fires in state whose lease ran out (their instance died).
func (s *Store) ExpiredFires(ctx context.Context, state string) ([]*Fire, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+fireColumns+` FROM schedule_fires WHERE state = $1 AND lease_until < $2 ORDER BY fired_at`, state, micros(s.now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Fire
	for rows.Next() {
		f, err := scanFire(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Delivery is one recorded delivery attempt.
type Delivery struct {
	ID          int64     `json:"id"`
	FireID      string    `json:"fire_id"`
	ScheduleID  string    `json:"schedule_id"`
	RunID       string    `json:"run_id"`
	Destination int       `json:"destination"` // index in the schedule's destinations
	Kind        string    `json:"kind"`
	Attempt     int       `json:"attempt"`
	FileName    string    `json:"file_name"`
	StartedAt   time.Time `json:"started_at"`
	EndedAt     time.Time `json:"ended_at"`
	Bytes       int64     `json:"bytes"`
	Outcome     string    `json:"outcome"` // delivered, failed (retried), gave_up, canceled
	Error       *string   `json:"error,omitempty"`
	Remote      *string   `json:"remote,omitempty"`
	TenantID    uint32    `json:"-"`
}

// RecordDelivery stores one attempt.
func (s *Store) RecordDelivery(ctx context.Context, d Delivery) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO deliveries (fire_id, schedule_id, tenant_id, run_id, destination, kind, attempt, file_name,
		started_at, ended_at, bytes, outcome, error, remote) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		d.FireID, d.ScheduleID, int64(d.TenantID), d.RunID, d.Destination, d.Kind, d.Attempt, d.FileName,
		micros(d.StartedAt), micros(d.EndedAt), d.Bytes, d.Outcome, d.Error, d.Remote)
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	return nil
}

// Deliveries lists the attempts for a run of the tenant, in order.
func (s *Store) Deliveries(ctx context.Context, tenant uint32, runID string) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, fire_id, schedule_id, run_id, destination, kind, attempt, file_name, started_at, ended_at,
		bytes, outcome, error, remote FROM deliveries WHERE tenant_id = $1 AND run_id = $2 ORDER BY id`, int64(tenant), runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var (
			d            Delivery
			start, end   int64
			derr, remote sql.NullString
		)
		if err := rows.Scan(&d.ID, &d.FireID, &d.ScheduleID, &d.RunID, &d.Destination, &d.Kind, &d.Attempt, &d.FileName, &start, &end,
			&d.Bytes, &d.Outcome, &derr, &remote); err != nil {
			return nil, err
		}
		d.StartedAt, d.EndedAt, d.Error, d.Remote, d.TenantID = fromMicros(start), fromMicros(end), strPtr(derr), strPtr(remote), tenant
		out = append(out, d)
	}
	return out, rows.Err()
}

// FireOfRun finds the fire that created a run (nil, nil for unscheduled runs).
func (s *Store) FireOfRun(ctx context.Context, tenant uint32, runID string) (*Fire, error) {
	f, err := scanFire(s.r.QueryRowContext(ctx, `SELECT `+fireColumns+` FROM schedule_fires WHERE tenant_id = $1 AND run_id = $2`, int64(tenant), runID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return f, err
}

// AsFired returns sch with the delivery settings fire f recorded when it
// queued its run (FireQueued); a fire from before they were recorded returns
// sch unchanged.
func (s *Store) AsFired(ctx context.Context, f *Fire, sch *Schedule) (*Schedule, error) {
	var raw sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT config FROM schedule_fires WHERE id = $1`, f.ID).Scan(&raw); err != nil {
		return nil, fmt.Errorf("fire %s settings: %w", f.ID, err)
	}
	if !raw.Valid || raw.String == "" {
		return sch, nil
	}
	var cfg fireConfig
	if err := json.Unmarshal([]byte(raw.String), &cfg); err != nil {
		return nil, fmt.Errorf("fire %s settings: %w", f.ID, err)
	}
	dests, err := s.openDestinations(f.ID, cfg.Destinations)
	if err != nil {
		return nil, fmt.Errorf("fire %s settings: %w", f.ID, err)
	}
	out := *sch
	out.Destinations, out.Format, out.FileName = dests, cfg.Format, cfg.FileName
	return &out, nil
}
