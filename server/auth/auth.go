package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/database"
)

// Role is what a user may do (DESIGN §4).
type Role string

// Tenant roles, each including the ones before it.
const (
	Viewer  Role = "viewer"  // generates, sees own runs
	Manager Role = "manager" // sees all runs of the tenant; schedules
	Admin   Role = "admin"   // also destinations, the tenant's users and its audit
)

// Operator is the platform's own staff and commercial team (DESIGN §4): above
// tenants, it manages plugins and which tenants are entitled to paid reports.
// An operator belongs to no tenant (TenantID 0) and holds no tenant role, so
// it neither includes nor is included by Viewer, Manager or Admin.
const Operator Role = "operator"

// Allows reports whether r includes need: tenant roles include the ones
// before them; Operator allows only Operator.
func (r Role) Allows(need Role) bool {
	if r == Operator || need == Operator {
		return r == need
	}
	return rank(r) >= rank(need)
}

// Valid reports whether r is a role relato knows.
func (r Role) Valid() bool { return r == Operator || rank(r) > 0 }

// ParseRole reads a role name as users type it (case and surrounding spaces
// ignored). Error: the name is not operator, admin, manager or viewer.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", i18n.Errorf(i18n.AuthRole, s)
	}
	return r, nil
}

func rank(r Role) int {
	switch r {
	case Viewer:
		return 1
	case Manager:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// Principal is the authenticated caller.
type Principal struct {
	UserID   string
	TenantID uint32 // 0 for an operator
	Name     string
	Role     Role
	// PersonalData is the personal_data permission (issue 17): personal
	// columns are shown whole, extractions may run, and each such read is
	// recorded for the tenant's LGPD audit. Without it they are masked.
	PersonalData bool
	// TokenID is the id of the token the caller authenticated with ("" for
	// callers that used none, such as the command line); a stream checks it
	// to end when the token is revoked.
	TokenID string
}

// IsOperator reports whether p acts above tenants.
func (p Principal) IsOperator() bool { return p.Role == Operator }

// OperatorTenant is the TenantID of operators and of the operator audit trail.
const OperatorTenant uint32 = 0

// ErrUnauthenticated means the token is missing, unknown or revoked.
var ErrUnauthenticated = errors.New("invalid or missing token")

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the auth store's schema (auth_users, auth_tokens, audit_events),
// recorded in auth_migrations. New applies it.
var Migrations = database.MigrationSet{Name: "auth", Table: "auth_migrations", Files: mustSub(migrationFiles, "migrations")}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant naming an embedded folder
	}
	return sub
}

// Store keeps users, tokens and audit events.
type Store struct {
	w, r    *sql.DB      // the database's writer and reader pools
	owned   *database.DB // opened by Open, closed by Close; nil after New
	dialect string
	// Now is the store's clock for token expiry and the times of users and
	// tokens (the audit trail keeps real time); nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Clock is the store's current time (Now, else time.Now), for callers that
// compute expiries.
func (s *Store) Clock() time.Time { return s.now() }

// New returns a store on db, the process's shared control-plane database, after
// applying Migrations. The store does not own db: Close leaves it open.
func New(ctx context.Context, db *database.DB) (*Store, error) {
	if err := db.Migrate(ctx, Migrations); err != nil {
		return nil, fmt.Errorf("auth store: %w", err)
	}
	return &Store{w: db.Writer(), r: db.Reader(), dialect: db.Dialect()}, nil
}

// Open opens dsn (sqlite:<path> or postgres://…) with database.Open, migrates it
// and returns a store that owns the connection (Close closes it). A process with
// several stores should open one database.DB and call New for each instead.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("auth store: %w", err)
	}
	s, err := New(ctx, db)
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

// q rewrites ? placeholders as $n for PostgreSQL.
func (s *Store) q(query string) string {
	if s.dialect != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func randomID(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// CreateUser adds a user and returns it. An operator has tenant
// OperatorTenant (0); every other role a tenant ≥ 1. Errors: an unknown role,
// or a tenant that does not fit the role.
func (s *Store) CreateUser(ctx context.Context, tenant uint32, name string, role Role) (Principal, error) {
	if !role.Valid() {
		return Principal{}, fmt.Errorf("role %q: want viewer, manager, admin or operator", role)
	}
	if role == Operator && tenant != OperatorTenant {
		return Principal{}, fmt.Errorf("an operator belongs to no tenant (tenant 0), not tenant %d", tenant)
	}
	if role != Operator && tenant == OperatorTenant {
		return Principal{}, fmt.Errorf("a %s belongs to a tenant (1 or more)", role)
	}
	p := Principal{UserID: randomID("u_", 9), TenantID: tenant, Name: name, Role: role}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO auth_users (id, tenant_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)`),
		p.UserID, int64(tenant), name, string(role), s.now().UTC())
	return p, err
}

// IssueToken creates a bearer token for user that never expires; see Issue.
func (s *Store) IssueToken(ctx context.Context, userID string) (string, error) {
	_, tok, err := s.Issue(ctx, userID, TokenOptions{})
	return tok, err
}

// Authenticate resolves a bearer token to its user. Errors: ErrUnauthenticated
// for a token that is unknown, revoked or expired, or whose user is disabled.
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 200 {
		return Principal{}, ErrUnauthenticated
	}
	var p Principal
	var tenant int64
	var role string
	var expires, disabled sql.NullTime
	var personal int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT u.id, u.tenant_id, u.name, u.role, t.id, t.expires_at, u.disabled_at, u.personal_data FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id
		WHERE t.hash = ? AND t.revoked_at IS NULL`), hashToken(token)).Scan(&p.UserID, &tenant, &p.Name, &role, &p.TokenID, &expires, &disabled, &personal)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	// Compared here, not in SQL: SQLite keeps times as text of varying width.
	if disabled.Valid || (expires.Valid && !s.now().Before(expires.Time)) {
		return Principal{}, ErrUnauthenticated
	}
	p.TenantID, p.Role, p.PersonalData = uint32(tenant), Role(role), personal != 0
	return p, nil
}

// RevokeToken stops a token from working, given the token itself.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	_, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_tokens SET revoked_at = ? WHERE hash = ?`), s.now().UTC(), hashToken(token))
	return err
}

// Event is one audit record.
type Event struct {
	ID       string    `json:"id"`
	UserID   string    `json:"user_id"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	Detail   string    `json:"detail"`
	At       time.Time `json:"at"`
	TenantID uint32    `json:"-"`
}

// Audit records that p did action on object, in p's tenant's trail (the
// operator trail, tenant 0, for an operator).
func (s *Store) Audit(ctx context.Context, p Principal, action, object, detail string) error {
	return s.AuditIn(ctx, p.TenantID, p, action, object, detail)
}

// AuditIn records that p did action on object in tenant's trail: how an
// operator's change to a tenant (an entitlement) reaches that tenant's admins.
func (s *Store) AuditIn(ctx context.Context, tenant uint32, p Principal, action, object, detail string) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO audit_events (id, tenant_id, user_id, action, object, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		randomID("a_", 12), int64(tenant), p.UserID, action, object, detail, time.Now().UTC()) // real time: the trail's order
	return err
}

// AuditEvents lists the tenant's most recent audit events, newest first.
func (s *Store) AuditEvents(ctx context.Context, tenant uint32, limit int) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, user_id, action, object, detail, at FROM audit_events WHERE tenant_id = ? ORDER BY at DESC, id LIMIT ?`), int64(tenant), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{TenantID: tenant}
		if err := rows.Scan(&e.ID, &e.UserID, &e.Action, &e.Object, &e.Detail, &e.At); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
