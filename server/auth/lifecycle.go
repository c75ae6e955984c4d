package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/relato/relato/engine/i18n"
)

// ErrNotFound means no user or token with that id in the caller's scope.
var ErrNotFound = errors.New("not found")

// Scope limits the user and token operations to one tenant, or lets an
// operator reach every tenant.
type Scope struct {
	Tenant uint32
	All    bool // operators: every tenant, Tenant ignored
}

// ScopeOf is what p may manage: its tenant, or every tenant for an operator.
func ScopeOf(p Principal) Scope { return Scope{Tenant: p.TenantID, All: p.IsOperator()} }

func (sc Scope) where(column string) (string, []any) {
	if sc.All {
		return "1 = 1", nil
	}
	return column + " = ?", []any{int64(sc.Tenant)}
}

// User is a user as listed.
type User struct {
	ID         string     `json:"id"`
	TenantID   uint32     `json:"tenant_id" doc:"0 for an operator"`
	Name       string     `json:"name" doc:"display name, shown as the requesting user on runs"`
	Role       Role       `json:"role" enum:"viewer,manager,admin,operator"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty" doc:"set once the user is disabled: its tokens no longer work"`
	// PersonalData is the personal_data permission (issue 17).
	PersonalData bool `json:"personal_data" doc:"the personal_data permission: personal columns (names, phones, e-mails, documents, IPs, free text) shown whole and extractions allowed, each such read recorded for the tenant's LGPD audit; without it they are masked and extractions refused"`
	// Email is where run-end notices go (issue 14); empty: none can be asked.
	Email string `json:"email" doc:"where notices of the user's runs go (a run asked with notify: [email]); empty: the user cannot ask for e-mail notices"`
}

// Users lists the users in scope, by tenant then name.
func (s *Store) Users(ctx context.Context, sc Scope) ([]User, error) {
	cond, args := sc.where("tenant_id")
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, tenant_id, name, role, created_at, disabled_at, personal_data, email FROM auth_users WHERE `+cond+` ORDER BY tenant_id, name, id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var tenant int64
	var role string
	var disabled sql.NullTime
	var personal int64
	if err := sc.Scan(&u.ID, &tenant, &u.Name, &role, &u.CreatedAt, &disabled, &personal, &u.Email); err != nil {
		return u, err
	}
	u.TenantID, u.Role, u.PersonalData = uint32(tenant), Role(role), personal != 0
	if disabled.Valid {
		u.DisabledAt = &disabled.Time
	}
	return u, nil
}

// User returns one user in scope. Errors: ErrNotFound.
func (s *Store) User(ctx context.Context, sc Scope, id string) (User, error) {
	cond, args := sc.where("tenant_id")
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT id, tenant_id, name, role, created_at, disabled_at, personal_data, email FROM auth_users WHERE id = ? AND `+cond),
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %q: %w", id, ErrNotFound)
	}
	return u, err
}

// DisableUser stops a user: every token of theirs stops working at once.
// Disabling a disabled user changes nothing. Errors: ErrNotFound.
func (s *Store) DisableUser(ctx context.Context, sc Scope, id string) (User, error) {
	u, err := s.User(ctx, sc, id)
	if err != nil || u.DisabledAt != nil {
		return u, err
	}
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL`), s.now().UTC(), id); err != nil {
		return u, err
	}
	return s.User(ctx, sc, id)
}

// SetPersonalData gives (granted) or takes away the personal_data permission
// of a user in scope and returns the user as it is now. Operators cannot hold
// it: they act above tenants and read no tenant's personal data. Errors:
// ErrNotFound; ErrOperatorPersonalData.
func (s *Store) SetPersonalData(ctx context.Context, sc Scope, id string, granted bool) (User, error) {
	u, err := s.User(ctx, sc, id)
	if err != nil {
		return u, err
	}
	if u.Role == Operator && granted {
		return u, ErrOperatorPersonalData
	}
	v := 0
	if granted {
		v = 1
	}
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_users SET personal_data = ? WHERE id = ?`), v, id); err != nil {
		return u, err
	}
	return s.User(ctx, sc, id)
}

// PersonalDataOf reports whether the user id holds the personal_data
// permission now and is not disabled: what a schedule's delivery checks at
// fire time for its owner. An unknown user holds nothing (false, nil).
func (s *Store) PersonalDataOf(ctx context.Context, id string) (bool, error) {
	var personal int64
	var disabled sql.NullTime
	err := s.r.QueryRowContext(ctx, s.q(`SELECT personal_data, disabled_at FROM auth_users WHERE id = ?`), id).Scan(&personal, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && personal != 0 && !disabled.Valid, err
}

// SetEmail sets the e-mail address of a user in scope ("" removes it) and
// returns the user as it is now. The address is taken as given: callers
// check its form (net/mail). Errors: ErrNotFound.
func (s *Store) SetEmail(ctx context.Context, sc Scope, id, email string) (User, error) {
	if _, err := s.User(ctx, sc, id); err != nil {
		return User{}, err
	}
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_users SET email = ? WHERE id = ?`), email, id); err != nil {
		return User{}, err
	}
	return s.User(ctx, sc, id)
}

// SetName renames a user in scope and returns the user as it is now; runs
// and tokens keep following the user by id. Errors: ErrNotFound.
func (s *Store) SetName(ctx context.Context, sc Scope, id, name string) (User, error) {
	if _, err := s.User(ctx, sc, id); err != nil {
		return User{}, err
	}
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_users SET name = ? WHERE id = ?`), name, id); err != nil {
		return User{}, err
	}
	return s.User(ctx, sc, id)
}

// ContactOf is the display name and e-mail address of user id as they are
// now, for a notice; an unknown or disabled user has neither ("", "", nil).
func (s *Store) ContactOf(ctx context.Context, id string) (name, email string, err error) {
	var disabled sql.NullTime
	err = s.r.QueryRowContext(ctx, s.q(`SELECT name, email, disabled_at FROM auth_users WHERE id = ?`), id).Scan(&name, &email, &disabled)
	if errors.Is(err, sql.ErrNoRows) || disabled.Valid {
		return "", "", nil
	}
	return name, email, err
}

// ErrOperatorPersonalData refuses the personal_data permission to an operator.
var ErrOperatorPersonalData = errors.New("operators act above tenants and cannot hold the personal_data permission")

// TokenOptions are the optional settings of a new token.
type TokenOptions struct {
	Name      string     // what it is for, e.g. "BI export"; at most 100 characters
	ExpiresAt *time.Time // nil: never expires
}

// Token is a token as listed: never the secret, which only Issue returns.
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	UserName  string     `json:"user_name"`
	TenantID  uint32     `json:"tenant_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Issue creates a bearer token for user and returns it with its secret, the
// one time the secret exists outside the caller: only its SHA-256 is stored.
// Errors: ErrNotFound for no such user, a disabled user, an expiry in the past,
// or a name over 100 characters.
func (s *Store) Issue(ctx context.Context, userID string, opt TokenOptions) (Token, string, error) {
	var u User
	var err error
	if u, err = scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT id, tenant_id, name, role, created_at, disabled_at, personal_data, email FROM auth_users WHERE id = ?`), userID)); errors.Is(err, sql.ErrNoRows) {
		return Token{}, "", fmt.Errorf("user %q: %w", userID, ErrNotFound)
	} else if err != nil {
		return Token{}, "", err
	}
	if u.DisabledAt != nil {
		return Token{}, "", i18n.Errorf(i18n.AuthUserDisabled, userID)
	}
	name := strings.TrimSpace(opt.Name)
	if len([]rune(name)) > 100 {
		return Token{}, "", i18n.Errorf(i18n.AuthTokenNameLength)
	}
	now := s.now().UTC()
	if opt.ExpiresAt != nil && !opt.ExpiresAt.After(now) {
		return Token{}, "", i18n.Errorf(i18n.AuthExpiryPast, opt.ExpiresAt.UTC().Format(time.RFC3339))
	}
	secret := randomID("rlt_", 32)
	t := Token{ID: randomID("tk_", 12), UserID: u.ID, UserName: u.Name, TenantID: u.TenantID, Name: name, CreatedAt: now}
	var expires any
	if opt.ExpiresAt != nil {
		e := opt.ExpiresAt.UTC()
		t.ExpiresAt, expires = &e, e
	}
	if _, err := s.w.ExecContext(ctx, s.q(`INSERT INTO auth_tokens (hash, id, user_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		hashToken(secret), t.ID, u.ID, name, now, expires); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

const tokenColumns = `t.id, t.user_id, u.name, u.tenant_id, t.name, t.created_at, t.expires_at, t.revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var tenant int64
	var expires, revoked sql.NullTime
	if err := sc.Scan(&t.ID, &t.UserID, &t.UserName, &tenant, &t.Name, &t.CreatedAt, &expires, &revoked); err != nil {
		return t, err
	}
	t.TenantID = uint32(tenant)
	if expires.Valid {
		t.ExpiresAt = &expires.Time
	}
	if revoked.Valid {
		t.RevokedAt = &revoked.Time
	}
	return t, nil
}

// Tokens lists the tokens in scope, of one user when userID is not "",
// newest first, revoked and expired ones included.
func (s *Store) Tokens(ctx context.Context, sc Scope, userID string) ([]Token, error) {
	cond, args := sc.where("u.tenant_id")
	if userID != "" {
		cond += " AND t.user_id = ?"
		args = append(args, userID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+tokenColumns+` FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id WHERE `+cond+` ORDER BY t.created_at DESC, t.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Revoke stops the token with this id from working; revoking a revoked token
// changes nothing. Errors: ErrNotFound.
func (s *Store) Revoke(ctx context.Context, sc Scope, id string) (Token, error) {
	cond, args := sc.where("u.tenant_id")
	get := func() (Token, error) {
		t, err := scanToken(s.r.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id WHERE t.id = ? AND `+cond),
			append([]any{id}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			return t, fmt.Errorf("token %q: %w", id, ErrNotFound)
		}
		return t, err
	}
	t, err := get()
	if err != nil || t.RevokedAt != nil {
		return t, err
	}
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), s.now().UTC(), id); err != nil {
		return t, err
	}
	return get()
}

// TokenActive reports whether the token with this id still authenticates:
// not revoked, not expired, its user not disabled. A stream calls it to end
// when its token stops working.
func (s *Store) TokenActive(ctx context.Context, id string) (bool, error) {
	var expires, revoked, disabled sql.NullTime
	err := s.r.QueryRowContext(ctx, s.q(`SELECT t.expires_at, t.revoked_at, u.disabled_at FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id WHERE t.id = ?`), id).
		Scan(&expires, &revoked, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !revoked.Valid && !disabled.Valid && (!expires.Valid || s.now().Before(expires.Time)), nil
}

// ParseExpiry reads when a token should expire, as people type it: a span
// from now ("90d", "12h", "30m": Go durations plus d for days of 24 h), an
// RFC 3339 instant ("2025-01-31T23:59:00-03:00"), or a date ("2025-01-31":
// its start, UTC). "" or "never" is no expiry (nil). Errors: anything else,
// a span that is not positive, or more than 10 years.
func ParseExpiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "never") {
		return nil, nil
	}
	var at time.Time
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else if t, err := time.Parse(time.DateOnly, s); err == nil {
		at = t
	} else {
		span, err := parseSpan(s)
		if err != nil {
			return nil, i18n.Errorf(i18n.AuthExpiryForm, s)
		}
		if span <= 0 {
			return nil, i18n.Errorf(i18n.AuthExpiryPositive, s)
		}
		at = now.Add(span)
	}
	if at.After(now.AddDate(10, 0, 0)) {
		return nil, i18n.Errorf(i18n.AuthExpiryTenYears, s)
	}
	at = at.UTC()
	return &at, nil
}

func parseSpan(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || fmt.Sprint(n) != days {
			return 0, errors.New("not a number of days")
		}
		if n > 3660 {
			return 0, errors.New("too many days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// TenantSettings are what a tenant's admins set about the tenant itself.
type TenantSettings struct {
	// PurposeRequired makes a purpose mandatory for a run or download that
	// shows personal columns whole (issue 17).
	PurposeRequired bool `json:"purpose_required" doc:"a purpose is required to run or download a report whose personal columns the caller sees whole"`
}

// TenantSettings returns tenant's settings; a tenant that never set any has
// the defaults (no purpose required).
func (s *Store) TenantSettings(ctx context.Context, tenant uint32) (TenantSettings, error) {
	var req int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT purpose_required FROM auth_tenant_settings WHERE tenant_id = ?`), int64(tenant)).Scan(&req)
	if errors.Is(err, sql.ErrNoRows) {
		return TenantSettings{}, nil
	}
	return TenantSettings{PurposeRequired: req != 0}, err
}

// SetTenantSettings stores tenant's settings.
func (s *Store) SetTenantSettings(ctx context.Context, tenant uint32, ts TenantSettings) error {
	v := 0
	if ts.PurposeRequired {
		v = 1
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO auth_tenant_settings (tenant_id, purpose_required) VALUES (?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET purpose_required = excluded.purpose_required`), int64(tenant), v)
	return err
}
