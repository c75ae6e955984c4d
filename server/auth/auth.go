// Package auth holds users, their API tokens (stored as SHA-256 hashes, never
// in clear) and the audit trail, in the control-plane database (SQLite or
// PostgreSQL). It must not import the HTTP layer.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // postgres:// stores
	_ "modernc.org/sqlite"             // sqlite: stores
)

// Role is what a user may do (DESIGN §4).
type Role string

// Roles, each including the ones before it.
const (
	Viewer  Role = "viewer"  // generates, sees own runs
	Manager Role = "manager" // sees all runs of the tenant; schedules
	Admin   Role = "admin"   // also destinations and plugin entitlements
)

// Allows reports whether r includes need.
func (r Role) Allows(need Role) bool { return rank(r) >= rank(need) }

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
	TenantID uint32
	Name     string
	Role     Role
}

// ErrUnauthenticated means the token is missing, unknown or revoked.
var ErrUnauthenticated = errors.New("invalid or missing token")

// Store keeps users, tokens and audit events.
type Store struct {
	db      *sql.DB
	dialect string
}

const schemaSQL = `
CREATE TABLE IF NOT EXISTS auth_users (
  id TEXT PRIMARY KEY,
  tenant_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES auth_users(id),
  created_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY,
  tenant_id BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  detail TEXT NOT NULL,
  at TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_tenant_at ON audit_events (tenant_id, at)`

// Open connects to dsn (sqlite:<path> or postgres://…) and creates the tables.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.dialect = "postgres"
		s.db, err = sql.Open("pgx", dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		s.dialect = "sqlite"
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		s.db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
		if err == nil {
			s.db.SetMaxOpenConns(1)
		}
	default:
		return nil, fmt.Errorf("auth store: want sqlite:<path> or postgres://…")
	}
	if err != nil {
		return nil, fmt.Errorf("auth store: %w", err)
	}
	for _, stmt := range strings.Split(schemaSQL, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("auth store: creating tables: %w", err)
		}
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

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

// CreateUser adds a user and returns it.
func (s *Store) CreateUser(ctx context.Context, tenant uint32, name string, role Role) (Principal, error) {
	if rank(role) == 0 {
		return Principal{}, fmt.Errorf("role %q: want viewer, manager or admin", role)
	}
	p := Principal{UserID: randomID("u_", 9), TenantID: tenant, Name: name, Role: role}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO auth_users (id, tenant_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)`),
		p.UserID, int64(tenant), name, string(role), time.Now().UTC())
	return p, err
}

// IssueToken creates a bearer token for user; only its hash is stored, so the
// token is returned once and can never be read back.
func (s *Store) IssueToken(ctx context.Context, userID string) (string, error) {
	token := randomID("rlt_", 32)
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO auth_tokens (hash, user_id, created_at) VALUES (?, ?, ?)`), hashToken(token), userID, time.Now().UTC())
	if err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate resolves a bearer token to its user.
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 200 {
		return Principal{}, ErrUnauthenticated
	}
	var p Principal
	var tenant int64
	var role string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT u.id, u.tenant_id, u.name, u.role FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id
		WHERE t.hash = ? AND t.revoked_at IS NULL`), hashToken(token)).Scan(&p.UserID, &tenant, &p.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	p.TenantID, p.Role = uint32(tenant), Role(role)
	return p, nil
}

// RevokeToken stops a token from working.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE auth_tokens SET revoked_at = ? WHERE hash = ?`), time.Now().UTC(), hashToken(token))
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

// Audit records that p did action on object.
func (s *Store) Audit(ctx context.Context, p Principal, action, object, detail string) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO audit_events (id, tenant_id, user_id, action, object, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		randomID("a_", 12), int64(p.TenantID), p.UserID, action, object, detail, time.Now().UTC())
	return err
}

// AuditEvents lists the tenant's most recent audit events, newest first.
func (s *Store) AuditEvents(ctx context.Context, tenant uint32, limit int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, user_id, action, object, detail, at FROM audit_events WHERE tenant_id = ? ORDER BY at DESC, id LIMIT ?`), int64(tenant), limit)
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
