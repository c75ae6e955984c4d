package schedules

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/google/uuid"

	"github.com/relato/relato/server/database"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Options tune a Store.
type Options struct {
	// Sealer encrypts destination secrets; required.
	Sealer *Sealer
	// Now is the clock; tests move it. Default time.Now.
	Now func() time.Time
}

// Store keeps schedules, their fires and delivery attempts in the control-plane
// database, beside the runs store's tables (they do not clash).
type Store struct {
	dialect string
	w, r    *sql.DB      // the database's writer and reader pools
	owned   *database.DB // opened by Open, closed by Close; nil after New
	sealer  *Sealer
	now     func() time.Time
}

// Migrations is the schedules store's schema (schedules, schedule_fires,
// deliveries), recorded in schedules_migrations. New applies it.
var Migrations = database.MigrationSet{Name: "schedules", Table: "schedules_migrations", Files: mustSub(migrationFiles, "migrations")}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant naming an embedded folder
	}
	return sub
}

// New returns a store on db, the process's shared control-plane database, after
// applying Migrations. opt.Sealer is required. The store does not own db: Close
// leaves it open.
func New(ctx context.Context, db *database.DB, opt Options) (*Store, error) {
	if opt.Sealer == nil {
		return nil, errors.New("open schedules store: a secrets key is required (" + KeyEnv + ")")
	}
	if err := db.Migrate(ctx, Migrations); err != nil {
		return nil, fmt.Errorf("open schedules store: %w", err)
	}
	s := &Store{dialect: db.Dialect(), w: db.Writer(), r: db.Reader(), sealer: opt.Sealer, now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Open opens dsn (sqlite:<path> or postgres://…) with database.Open, migrates it
// and returns a store that owns the connection (Close closes it). A process with
// several stores should open one database.DB and call New for each instead.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Sealer == nil {
		return nil, errors.New("open schedules store: a secrets key is required (" + KeyEnv + ")")
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open schedules store: %w", err)
	}
	s, err := New(ctx, db, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = db
	return s, nil
}

// Close releases the connections of a store made by Open; for a store made by
// New it does nothing (the database belongs to the caller).
func (s *Store) Close() error {
	if s.owned == nil {
		return nil
	}
	return s.owned.Close()
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

func strPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

// storedDestination is a destination as the row keeps it: public config,
// secrets sealed.
type storedDestination struct {
	Kind    string                     `json:"kind"`
	Config  map[string]json.RawMessage `json:"config"`
	Secrets string                     `json:"secrets,omitempty"`
}

func (s *Store) sealDestinations(id string, ds []Destination) (string, error) {
	out := make([]storedDestination, len(ds))
	for i, d := range ds {
		pub, sec, err := splitSecrets(d.Kind, d.Config)
		if err != nil {
			return "", fmt.Errorf("destination %d: %w", i, err)
		}
		out[i] = storedDestination{Kind: d.Kind, Config: pub}
		if len(sec) > 0 {
			plain, _ := json.Marshal(sec)
			if out[i].Secrets, err = s.sealer.Seal(plain, id); err != nil {
				return "", err
			}
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func (s *Store) openDestinations(id, raw string) ([]Destination, error) {
	var stored []storedDestination
	if err := json.Unmarshal([]byte(raw), &stored); err != nil {
		return nil, fmt.Errorf("schedule %s destinations: %w", id, err)
	}
	out := make([]Destination, len(stored))
	for i, d := range stored {
		cfg := d.Config
		if cfg == nil {
			cfg = map[string]json.RawMessage{}
		}
		if d.Secrets != "" {
			plain, err := s.sealer.Open(d.Secrets, id)
			if err != nil {
				return nil, fmt.Errorf("schedule %s destination %d: %w", id, i, err)
			}
			var sec map[string]json.RawMessage
			if err := json.Unmarshal(plain, &sec); err != nil {
				return nil, err
			}
			for k, v := range sec {
				cfg[k] = v
			}
		}
		b, _ := json.Marshal(cfg)
		out[i] = Destination{Kind: d.Kind, Config: b}
	}
	return out, nil
}

const scheduleColumns = `id, tenant_id, owner_id, name, report_id, filters, recurrence, time_zone, destinations,
	format, file_name, paused, next_fire_at, created_at, updated_at, last_fire_at, last_run_id,
	last_delivery_outcome, last_delivery_error, starts_at, ends_at`

func (s *Store) scan(sc interface{ Scan(...any) error }) (*Schedule, error) {
	var (
		sch                        Schedule
		filters, dests             string
		next, created, updated, lf sql.NullInt64
		starts, ends               sql.NullInt64
		lastRun, outcome, lastErr  sql.NullString
		tenant                     int64
	)
	if err := sc.Scan(&sch.ID, &tenant, &sch.OwnerID, &sch.Name, &sch.ReportID, &filters, &sch.Recurrence, &sch.TimeZone,
		&dests, &sch.Format, &sch.FileName, &sch.Paused, &next, &created, &updated, &lf, &lastRun, &outcome, &lastErr, &starts, &ends); err != nil {
		return nil, err
	}
	sch.TenantID = uint32(tenant)
	sch.Filters = json.RawMessage(filters)
	sch.NextFireAt, sch.LastFireAt = timePtr(next), timePtr(lf)
	sch.StartsAt, sch.EndsAt = timePtr(starts), timePtr(ends)
	sch.CreatedAt, sch.UpdatedAt = fromMicros(created.Int64), fromMicros(updated.Int64)
	sch.LastRunID, sch.LastDeliveryOutcome, sch.LastDeliveryError = strPtr(lastRun), strPtr(outcome), strPtr(lastErr)
	var err error
	if sch.Destinations, err = s.openDestinations(sch.ID, dests); err != nil {
		return nil, err
	}
	return &sch, nil
}

// nextFire is the next due time after now, or nil when paused or never again.
func nextFire(sch *Schedule, now time.Time) (*time.Time, error) {
	if sch.Paused {
		return nil, nil
	}
	t, err := sch.NextFire(now)
	if err != nil || t.IsZero() {
		return nil, err
	}
	return &t, nil
}

// Create stores a new schedule; ID, times and the next fire are filled in.
func (s *Store) Create(ctx context.Context, sch Schedule) (*Schedule, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	sch.ID = id.String()
	now := s.now()
	next, err := nextFire(&sch, now)
	if err != nil {
		return nil, fmt.Errorf("create schedule: %w", err)
	}
	dests, err := s.sealDestinations(sch.ID, sch.Destinations)
	if err != nil {
		return nil, fmt.Errorf("create schedule: %w", err)
	}
	filters := string(sch.Filters)
	if filters == "" {
		filters = "{}"
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schedules (id, tenant_id, owner_id, name, report_id, filters, recurrence,
		time_zone, destinations, format, file_name, paused, next_fire_at, created_at, updated_at, starts_at, ends_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)`,
		sch.ID, int64(sch.TenantID), sch.OwnerID, sch.Name, sch.ReportID, filters, sch.Recurrence, sch.TimeZone, dests,
		sch.Format, sch.FileName, sch.Paused, nullMicros(next), micros(now), nullMicros(sch.StartsAt), nullMicros(sch.EndsAt)); err != nil {
		return nil, fmt.Errorf("create schedule: %w", err)
	}
	return s.Get(ctx, sch.TenantID, sch.ID)
}

// Get returns the tenant's schedule with its secrets decrypted (for delivery;
// the API redacts them). Another tenant's id is ErrNotFound.
func (s *Store) Get(ctx context.Context, tenant uint32, id string) (*Schedule, error) {
	sch, err := s.scan(s.r.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE tenant_id = $1 AND id = $2`, int64(tenant), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get schedule %s: %w", id, err)
	}
	return sch, nil
}

// List returns the tenant's schedules, oldest first.
func (s *Store) List(ctx context.Context, tenant uint32) ([]*Schedule, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE tenant_id = $1 ORDER BY created_at, id`, int64(tenant))
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	defer rows.Close()
	var out []*Schedule
	for rows.Next() {
		sch, err := s.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		out = append(out, sch)
	}
	return out, rows.Err()
}

// Update replaces the editable fields of a schedule and recomputes its next
// fire from now.
func (s *Store) Update(ctx context.Context, sch Schedule) (*Schedule, error) {
	now := s.now()
	next, err := nextFire(&sch, now)
	if err != nil {
		return nil, fmt.Errorf("update schedule: %w", err)
	}
	dests, err := s.sealDestinations(sch.ID, sch.Destinations)
	if err != nil {
		return nil, fmt.Errorf("update schedule: %w", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE schedules SET name = $3, report_id = $4, filters = $5, recurrence = $6, time_zone = $7,
		destinations = $8, format = $9, file_name = $10, paused = $11, next_fire_at = $12, updated_at = $13,
		starts_at = $14, ends_at = $15
		WHERE tenant_id = $1 AND id = $2`,
		int64(sch.TenantID), sch.ID, sch.Name, sch.ReportID, string(sch.Filters), sch.Recurrence, sch.TimeZone, dests,
		sch.Format, sch.FileName, sch.Paused, nullMicros(next), micros(now), nullMicros(sch.StartsAt), nullMicros(sch.EndsAt))
	if err != nil {
		return nil, fmt.Errorf("update schedule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotFound
	}
	return s.Get(ctx, sch.TenantID, sch.ID)
}

// SetPaused pauses or resumes. Resuming schedules the next due time after
// now: times missed while paused are not made up.
func (s *Store) SetPaused(ctx context.Context, tenant uint32, id string, paused bool) (*Schedule, error) {
	sch, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	sch.Paused = paused
	now := s.now()
	next, err := nextFire(sch, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE schedules SET paused = $3, next_fire_at = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
		int64(tenant), id, paused, nullMicros(next), micros(now)); err != nil {
		return nil, fmt.Errorf("pause schedule: %w", err)
	}
	return s.Get(ctx, tenant, id)
}

// Delete removes a schedule; its fires and delivery records stay for the runs' history.
func (s *Store) Delete(ctx context.Context, tenant uint32, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM schedules WHERE tenant_id = $1 AND id = $2`, int64(tenant), id)
	if err != nil {
		return fmt.Errorf("delete schedule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RawRow returns the stored destinations column as it is on disk (for tests
// and operators checking that no secret is stored in plain text).
func (s *Store) RawRow(ctx context.Context, id string) (string, error) {
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT destinations FROM schedules WHERE id = $1`, id).Scan(&raw)
	return raw, err
}
