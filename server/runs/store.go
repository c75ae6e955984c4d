package runs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/relato/relato/server/database"
	"github.com/relato/relato/server/runs/migrations"
)

// Options tune a Store; the zero value is fine.
type Options struct {
	// MaxAttempts is how many times a run may be taken by a worker before an
	// expired lease fails it instead of putting it back in the queue. Default 3.
	MaxAttempts int
	// Now is the clock; tests move it. Default time.Now.
	Now func() time.Time
	// MaxWaitingPerUser and MaxWaitingPerTenant cap the runs waiting at once
	// for one user and for one tenant; Create refuses more with a
	// *QuotaError. 0: no cap.
	MaxWaitingPerUser, MaxWaitingPerTenant int
}

// QuotaError means a cap on waiting runs is reached: Scope "user" or
// "tenant", its Limit, and RetryAfter, how long a client should wait before
// asking again.
type QuotaError struct {
	Scope      string
	Limit      int
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("too many runs waiting: at most %d per %s; try again when some have started", e.Limit, e.Scope)
}

// quotaRetryAfter is the Retry-After of a QuotaError: about how soon a worker
// takes the next run of a busy queue.
const quotaRetryAfter = 30 * time.Second

// Store keeps runs in SQLite or PostgreSQL and is the queue's source of truth.
// It is safe for concurrent use, and several processes may share one database.
type Store struct {
	dialect     string
	w           *sql.DB      // writes: the database's one writer connection on SQLite
	r           *sql.DB      // reads: a pool; the same as w on PostgreSQL
	owned       *database.DB // opened by Open, closed by Close; nil after New
	maxAttempts int
	now         func() time.Time
	opt         Options

	mu      sync.Mutex
	subs    map[chan struct{}]struct{} // Subscribe: a run became claimable
	watches map[chan struct{}]struct{} // Watch: any run changed
}

// Migrations is the runs store's schema (table runs), recorded in
// schema_migrations. New applies it; a composition root may apply it earlier
// together with the other stores' sets.
var Migrations = migrations.Set

// New returns a store on db, the process's shared control-plane database, after
// applying Migrations. The store does not own db: Close leaves it open.
func New(ctx context.Context, db *database.DB, opt Options) (*Store, error) {
	if err := db.Migrate(ctx, Migrations); err != nil {
		return nil, fmt.Errorf("open runs store: %w", err)
	}
	s := &Store{dialect: db.Dialect(), w: db.Writer(), r: db.Reader(),
		maxAttempts: opt.MaxAttempts, now: opt.Now, opt: opt, subs: map[chan struct{}]struct{}{}, watches: map[chan struct{}]struct{}{}}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 3
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Open opens dsn with database.Open, applies the migrations and returns a store
// that owns the connection (Close closes it). A process with several stores
// should open one database.DB and call New for each instead.
//
//	sqlite:/var/lib/relato/runs.db   (also sqlite:///abs/path, sqlite:relative.db)
//	postgres://user@host:5432/db?sslmode=disable   (or postgresql://)
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open runs store: %w", err)
	}
	s, err := New(ctx, db, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = db
	return s, nil
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Close releases the connections of a store made by Open; for a store made by
// New it does nothing (the database belongs to the caller).
func (s *Store) Close() error {
	if s.owned == nil {
		return nil
	}
	return s.owned.Close()
}

// Subscribe returns a channel that receives a signal (coalesced) whenever this
// store makes a run claimable: a new run, or a run of a key ending. Other
// processes' changes are seen by polling. Call the returned func to stop.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Watch returns a channel that receives a signal (coalesced) whenever this
// store changes a run: created, claimed, cancel asked, settled, recovered,
// deleted. Followers of a run (the events stream) wait on it instead of
// polling; other processes' changes are not seen, so they also re-read now
// and then. Call the returned func to stop.
func (s *Store) Watch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.watches[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.watches, ch)
		s.mu.Unlock()
	}
}

// notify tells subscribers that a run may be claimable, and watchers that a
// run changed.
func (s *Store) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	signal(s.subs)
	signal(s.watches)
}

// changed tells watchers that a run changed in a way that frees no key.
func (s *Store) changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	signal(s.watches)
}

func signal(chs map[chan struct{}]struct{}) {
	for ch := range chs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

const runColumns = `seq, id, tenant_id, report_id, report_version, filters_given, filters_resolved,
	user_id, queue_key, wallet, channel, event_type, status, requested_at, started_at, finished_at,
	total_rows, truncated, snapshot_size, snapshot_checksum, error, attempts, cancel_requested,
	lease_owner, lease_expires_at, filter_labels, origin, notify, notify_lang, rows_so_far`

type rowScanner interface{ Scan(dest ...any) error }

func scanRun(sc rowScanner) (*Run, error) {
	var (
		r                                     Run
		given, resolved                       string
		status                                string
		requested                             int64
		started, finished, total, size, lease sql.NullInt64
		wallet, channel, event, sum, msg, own sql.NullString
		labels                                sql.NullString
		notify                                string
		sofar                                 sql.NullInt64
	)
	if err := sc.Scan(&r.Seq, &r.ID, &r.TenantID, &r.ReportID, &r.ReportVersion, &given, &resolved,
		&r.UserID, &r.QueueKey, &wallet, &channel, &event, &status, &requested, &started, &finished,
		&total, &r.Truncated, &size, &sum, &msg, &r.Attempts, &r.CancelRequested, &own, &lease, &labels, &r.Origin, &notify, &r.NotifyLang, &sofar); err != nil {
		return nil, err
	}
	r.FiltersGiven = json.RawMessage(given)
	r.FiltersResolved = json.RawMessage(resolved)
	r.Status = Status(status)
	if notify != "" {
		r.Notify = strings.Split(notify, ",")
	}
	r.RowsSoFar = nullInt(sofar)
	if labels.Valid && labels.String != "" {
		r.FilterLabels = json.RawMessage(labels.String)
	}
	r.RequestedAt = fromMicros(requested)
	r.StartedAt, r.FinishedAt, r.LeaseExpiresAt = nullTime(started), nullTime(finished), nullTime(lease)
	r.TotalRows, r.SnapshotSize = nullInt(total), nullInt(size)
	r.Wallet, r.Channel, r.EventType = nullStr(wallet), nullStr(channel), nullStr(event)
	r.SnapshotSum, r.Error, r.LeaseOwner = nullStr(sum), nullStr(msg), nullStr(own)
	return &r, nil
}

func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}
func nullStr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}
func nullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

func jsonOrEmpty(m json.RawMessage) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	if !json.Valid(m) {
		return "", errors.New("filters are not valid JSON")
	}
	return string(m), nil
}

// Create accepts a run: once it returns, the run is durably waiting in the queue.
func (s *Store) Create(ctx context.Context, nr NewRun) (*Run, error) {
	if nr.ReportID == "" || nr.UserID == "" {
		return nil, errors.New("create run: report id and user id are required")
	}
	given, err := jsonOrEmpty(nr.FiltersGiven)
	if err != nil {
		return nil, fmt.Errorf("create run: given %w", err)
	}
	resolved, err := jsonOrEmpty(nr.FiltersResolved)
	if err != nil {
		return nil, fmt.Errorf("create run: resolved %w", err)
	}
	var labels *string
	if len(nr.FilterLabels) > 0 {
		if !json.Valid(nr.FilterLabels) {
			return nil, errors.New("create run: filter labels are not valid JSON")
		}
		l := string(nr.FilterLabels)
		labels = &l
	}
	origin := nr.Origin
	if origin == "" {
		origin = OriginRequest
	}
	key := nr.QueueKey
	if key == "" {
		key = QueueKey(nr.TenantID, nr.ReportID, nr.Wallet)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("create run: id: %w", err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create run: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == migrations.Postgres {
		// Inserts of one key take turns, so seq order is also commit order within a
		// key: a worker can never see a later run of the key before an earlier one.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
			return nil, fmt.Errorf("create run: lock key: %w", err)
		}
		if s.opt.MaxWaitingPerUser > 0 || s.opt.MaxWaitingPerTenant > 0 {
			// The tenant's inserts take turns too, so two of them cannot both pass a cap.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, fmt.Sprintf("tenant:%d", nr.TenantID)); err != nil {
				return nil, fmt.Errorf("create run: lock tenant: %w", err)
			}
		}
	}
	if err := s.checkQuota(ctx, tx, nr); err != nil {
		return nil, err
	}
	requestedAt := nr.RequestedAt
	if requestedAt.IsZero() {
		requestedAt = s.now()
	}
	row := tx.QueryRowContext(ctx, `INSERT INTO runs (id, tenant_id, report_id, report_version,
		filters_given, filters_resolved, user_id, queue_key, wallet, channel, event_type, status, requested_at, filter_labels,
		origin, notify, notify_lang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'waiting', $12, $13, $14, $15, $16)
		RETURNING `+runColumns,
		id.String(), int64(nr.TenantID), nr.ReportID, nr.ReportVersion, given, resolved, nr.UserID, key,
		nr.Wallet, nr.Channel, nr.EventType, micros(requestedAt), labels, origin, strings.Join(nr.Notify, ","), nr.NotifyLang)
	r, err := scanRun(row)
	if err != nil {
		return nil, fmt.Errorf("create run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create run: commit: %w", err)
	}
	s.notify()
	return r, nil
}

// checkQuota refuses a run beyond the caps on waiting runs (Options).
func (s *Store) checkQuota(ctx context.Context, tx *sql.Tx, nr NewRun) error {
	for _, c := range []struct {
		scope, where string
		limit        int
		args         []any
	}{
		{"user", "tenant_id = $1 AND user_id = $2", s.opt.MaxWaitingPerUser, []any{int64(nr.TenantID), nr.UserID}},
		{"tenant", "tenant_id = $1", s.opt.MaxWaitingPerTenant, []any{int64(nr.TenantID)}},
	} {
		if c.limit <= 0 {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE status = 'waiting' AND `+c.where, c.args...).Scan(&n); err != nil {
			return fmt.Errorf("create run: count waiting: %w", err)
		}
		if n >= c.limit {
			return &QuotaError{Scope: c.scope, Limit: c.limit, RetryAfter: quotaRetryAfter}
		}
	}
	return nil
}

// Get returns the tenant's run; a run of another tenant is ErrNotFound.
func (s *Store) Get(ctx context.Context, tenant uint32, id string) (*Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE tenant_id = $1 AND id = $2`, int64(tenant), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	return r, nil
}

// ListQuery selects runs of one tenant, newest first.
type ListQuery struct {
	TenantID uint32
	UserID   string // "mine": only this user's runs; empty: all of the tenant
	Status   Status // empty: any
	ReportID string // empty: any
	// RequestedFrom and RequestedTo keep runs requested at or after From and
	// before To; zero: no bound.
	RequestedFrom, RequestedTo time.Time
	Limit                      int    // default 50, at most 500
	Cursor                     string // Page.Next of the previous page
}

// Page is one page of runs and the cursor of the next ("" on the last page).
type Page struct {
	Runs []*Run
	Next string
	// Total is how many runs match the query, over all pages.
	Total int64
}

// List returns a page of the tenant's runs, newest first, keyed on request order
// so pages stay stable while new runs arrive.
func (s *Store) List(ctx context.Context, q ListQuery) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	where := []string{"tenant_id = $1"}
	args := []any{int64(q.TenantID)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.UserID != "" {
		add("user_id = ?", q.UserID)
	}
	if q.Status != "" {
		if !q.Status.Valid() {
			return Page{}, fmt.Errorf("list runs: unknown status %q", q.Status)
		}
		add("status = ?", string(q.Status))
	}
	if q.ReportID != "" {
		add("report_id = ?", q.ReportID)
	}
	if !q.RequestedFrom.IsZero() {
		add("requested_at >= ?", micros(q.RequestedFrom))
	}
	if !q.RequestedTo.IsZero() {
		add("requested_at < ?", micros(q.RequestedTo))
	}
	var p Page
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE `+strings.Join(where, " AND "), args...).Scan(&p.Total); err != nil {
		return Page{}, fmt.Errorf("list runs: count: %w", err)
	}
	if q.Cursor != "" {
		before, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || before <= 0 {
			return Page{}, fmt.Errorf("list runs: cursor %q: %w", q.Cursor, ErrBadCursor)
		}
		add("seq < ?", before)
	}
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE `+strings.Join(where, " AND ")+
		` ORDER BY seq DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page{}, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return Page{}, fmt.Errorf("list runs: %w", err)
		}
		p.Runs = append(p.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list runs: %w", err)
	}
	if len(p.Runs) > limit {
		p.Runs = p.Runs[:limit]
		p.Next = strconv.FormatInt(p.Runs[limit-1].Seq, 10)
	}
	return p, nil
}

// Active counts the runs of queue key waiting or processing now: a new run
// of the key would be at position Active+1.
func (s *Store) Active(ctx context.Context, key string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE queue_key = $1 AND status IN ('waiting', 'processing')`, key).Scan(&n); err != nil {
		return 0, fmt.Errorf("active runs of %s: %w", key, err)
	}
	return n, nil
}

// Place tells where a waiting run stands in its queue key: its position
// (1 + the key's earlier runs still waiting or processing) and the run just
// ahead of it. A run that is not waiting has Position 0.
func (s *Store) Place(ctx context.Context, r *Run) (Place, error) {
	if r.Status != StatusWaiting {
		return Place{}, nil
	}
	var p Place
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE queue_key = $1 AND seq < $2
		AND status IN ('waiting', 'processing')`, r.QueueKey, r.Seq).Scan(&p.Position); err != nil {
		return Place{}, fmt.Errorf("place of run %s: %w", r.ID, err)
	}
	p.Position++
	if p.Position == 1 {
		return p, nil
	}
	ahead, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE queue_key = $1 AND seq < $2
		AND status IN ('waiting', 'processing') ORDER BY seq DESC LIMIT 1`, r.QueueKey, r.Seq))
	switch {
	case errors.Is(err, sql.ErrNoRows): // it ended between the two reads
		return Place{Position: 1}, nil
	case err != nil:
		return Place{}, fmt.Errorf("place of run %s: %w", r.ID, err)
	}
	p.Ahead = ahead
	return p, nil
}

// Cancel cancels a waiting run at once. A processing run gets CancelRequested and
// stays processing until its worker has stopped the work (or its lease expires),
// so the next run of the key never overlaps it. Canceling a canceled run is a
// no-op; a finished or failed run is ErrConflict.
func (s *Store) Cancel(ctx context.Context, tenant uint32, id string) (*Run, error) {
	now := micros(s.now())
	res, err := s.w.ExecContext(ctx, `UPDATE runs SET status = 'canceled', finished_at = $1
		WHERE tenant_id = $2 AND id = $3 AND status = 'waiting'`, now, int64(tenant), id)
	if err != nil {
		return nil, fmt.Errorf("cancel run %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		s.notify()
		return s.Get(ctx, tenant, id)
	}
	res, err = s.w.ExecContext(ctx, `UPDATE runs SET cancel_requested = $1
		WHERE tenant_id = $2 AND id = $3 AND status = 'processing'`, true, int64(tenant), id)
	if err != nil {
		return nil, fmt.Errorf("cancel run %s: %w", id, err)
	}
	r, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		s.changed()
	}
	if n, _ := res.RowsAffected(); n == 1 || r.Status == StatusCanceled || r.Status == StatusProcessing && r.CancelRequested {
		return r, nil
	}
	return r, fmt.Errorf("cancel run %s: it is %s: %w", id, r.Status, ErrConflict)
}

// Delete removes a run that has ended; a waiting or processing run is ErrConflict
// (cancel it first). Removing its snapshot is the caller's business.
func (s *Store) Delete(ctx context.Context, tenant uint32, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM runs WHERE tenant_id = $1 AND id = $2
		AND status IN ('finished', 'failed', 'canceled')`, int64(tenant), id)
	if err != nil {
		return fmt.Errorf("delete run %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		s.changed()
		return nil
	}
	r, err := s.Get(ctx, tenant, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("delete run %s: it is %s: %w", id, r.Status, ErrConflict)
}

// SaveProgress records rows, the result rows produced so far, on run id
// while workerID holds it processing; a count lower than the one saved is
// ignored (a resumed run starts counting again). It signals no watcher: the
// instance executing the run tells its own followers.
func (s *Store) SaveProgress(ctx context.Context, id, workerID string, rows int64) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE runs SET rows_so_far = $1 WHERE id = $2 AND lease_owner = $3
		AND status = 'processing' AND (rows_so_far IS NULL OR rows_so_far < $1)`, rows, id, workerID); err != nil {
		return fmt.Errorf("save progress of run %s: %w", id, err)
	}
	return nil
}

// ClaimNotice takes the sending of run id's end notices for the caller: true
// the first time it is asked for an ended run, false ever after (another
// instance, or an earlier call, took it) and for a run still waiting or
// processing. Notices are thus sent at most once.
func (s *Store) ClaimNotice(ctx context.Context, id string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE runs SET notified_at = $1 WHERE id = $2 AND notified_at IS NULL
		AND status IN ('finished', 'failed', 'canceled')`, micros(s.now()), id)
	if err != nil {
		return false, fmt.Errorf("claim notice of run %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// isUniqueViolation reports a unique-index conflict in either dialect.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		const sqliteConstraintUnique = 2067
		return lite.Code() == sqliteConstraintUnique
	}
	return false
}
