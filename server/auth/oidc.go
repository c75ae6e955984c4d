package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDCConfig connects relato to the platform's OpenID Connect provider, whose
// users already sign in there: relato accepts the provider's signed JWTs as
// bearer tokens. Claim names may be dotted paths into nested objects
// ("ext.tenant_id" for ORY Hydra's access tokens).
type OIDCConfig struct {
	Issuer      string // the provider's issuer URL; discovery and JWKS come from it
	Audience    string // the aud the tokens must carry (relato's client id); "" accepts any
	TenantClaim string // default "tenant_id": a number, or a numeric string
	RoleClaim   string // default "role": viewer, manager, admin or operator
	NameClaim   string // default "name": the display name; else the subject
}

// OIDC verifies the provider's tokens (go-oidc: signature against the JWKS,
// issuer, audience, expiry) and maps their claims to a Principal.
type OIDC struct {
	cfg      OIDCConfig
	verifier *oidc.IDTokenVerifier
	store    *Store
}

// NewOIDC discovers the issuer (its /.well-known/openid-configuration) and
// returns a verifier whose users are recorded in store, so runs and the audit
// show their names. Errors: the issuer cannot be reached or is not a provider.
func NewOIDC(ctx context.Context, cfg OIDCConfig, store *Store) (*OIDC, error) {
	if cfg.TenantClaim == "" {
		cfg.TenantClaim = "tenant_id"
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "role"
	}
	if cfg.NameClaim == "" {
		cfg.NameClaim = "name"
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID Connect issuer %s: %w", cfg.Issuer, err)
	}
	v := p.Verifier(&oidc.Config{ClientID: cfg.Audience, SkipClientIDCheck: cfg.Audience == "", Now: store.now})
	return &OIDC{cfg: cfg, verifier: v, store: store}, nil
}

// LooksLikeJWT tells a JWT (three dot-separated parts) from relato's own
// tokens (rlt_…), so each goes to its verifier.
func LooksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

// Authenticate verifies a JWT and maps its claims. Errors: ErrUnauthenticated
// (wrapping the reason) for a token that is badly signed, expired, for
// another issuer or audience, or whose claims do not name a known role and a
// tenant that fits it.
func (o *OIDC) Authenticate(ctx context.Context, raw string) (Principal, error) {
	tok, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	p, err := o.principal(tok.Subject, claims)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	if err := o.store.ensureUser(ctx, p); err != nil {
		return Principal{}, err
	}
	return p, nil
}

func (o *OIDC) principal(sub string, claims map[string]any) (Principal, error) {
	if sub == "" || len(sub) > 200 {
		return Principal{}, errors.New("the token has no usable subject")
	}
	roleText, _ := claim(claims, o.cfg.RoleClaim).(string)
	role, err := ParseRole(roleText)
	if err != nil {
		return Principal{}, fmt.Errorf("claim %s: %w", o.cfg.RoleClaim, err)
	}
	var tenant uint64
	switch v := claim(claims, o.cfg.TenantClaim).(type) {
	case nil:
	case float64:
		if v < 0 || v > 1<<32-1 || v != float64(uint64(v)) {
			return Principal{}, fmt.Errorf("claim %s: not a tenant number", o.cfg.TenantClaim)
		}
		tenant = uint64(v)
	case string:
		if tenant, err = strconv.ParseUint(v, 10, 32); err != nil {
			return Principal{}, fmt.Errorf("claim %s: not a tenant number", o.cfg.TenantClaim)
		}
	default:
		return Principal{}, fmt.Errorf("claim %s: not a tenant number", o.cfg.TenantClaim)
	}
	if (role == Operator) != (tenant == uint64(OperatorTenant)) {
		return Principal{}, fmt.Errorf("claim %s: an operator has no tenant, every other role one", o.cfg.TenantClaim)
	}
	name, _ := claim(claims, o.cfg.NameClaim).(string)
	if name = strings.TrimSpace(name); name == "" {
		name = sub
	}
	// The personal_data permission comes from a boolean claim of that name
	// (issue 17); an operator never holds it.
	personal, _ := claim(claims, "personal_data").(bool)
	return Principal{UserID: "oidc:" + sub, TenantID: uint32(tenant), Name: name, Role: role, PersonalData: personal && role != Operator}, nil
}

// claim follows a dotted path into the claims.
func claim(claims map[string]any, path string) any {
	var v any = claims
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return f
	}
	return v
}

// ensureUser records (or refreshes) a provider's user, so that its name
// shows on runs and in the audit like a local user's.
func (s *Store) ensureUser(ctx context.Context, p Principal) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE auth_users SET tenant_id = ?, name = ?, role = ? WHERE id = ?`), int64(p.TenantID), p.Name, string(p.Role), p.UserID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO auth_users (id, tenant_id, name, role, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		p.UserID, int64(p.TenantID), p.Name, string(p.Role), s.now().UTC())
	return err
}
