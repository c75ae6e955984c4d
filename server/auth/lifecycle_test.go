package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/relato/relato/server/auth"
)

func TestTokens_ExpireAreRevokedByIDAndDieWithTheirUser(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := auth.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			now := time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
			s.Now = func() time.Time { return now }
			ana, _ := s.CreateUser(ctx, 1, "Ana", auth.Admin)
			bia, _ := s.CreateUser(ctx, 2, "Bia", auth.Viewer)

			// A token expiring in 24 h works until then, not at the instant itself.
			exp := now.Add(24 * time.Hour)
			tok, secret, err := s.Issue(ctx, ana.UserID, auth.TokenOptions{Name: "BI", ExpiresAt: &exp})
			if err != nil || tok.UserName != "Ana" || tok.Name != "BI" || tok.TenantID != 1 {
				t.Fatalf("issue: %+v %v", tok, err)
			}
			if p, err := s.Authenticate(ctx, secret); err != nil || p.TokenID != tok.ID || p.UserID != ana.UserID {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
			now = exp.Add(-time.Second)
			if _, err := s.Authenticate(ctx, secret); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			now = exp
			if _, err := s.Authenticate(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatalf("at expiry: %v", err)
			}
			if ok, _ := s.TokenActive(ctx, tok.ID); ok {
				t.Fatal("an expired token is active")
			}
			past := now.Add(-time.Hour)
			if _, _, err := s.Issue(ctx, ana.UserID, auth.TokenOptions{ExpiresAt: &past}); err == nil {
				t.Fatal("a token expiring in the past was issued")
			}

			// Revoked by id; another tenant's scope does not find it.
			tok2, secret2, _ := s.Issue(ctx, ana.UserID, auth.TokenOptions{})
			if _, err := s.Revoke(ctx, auth.Scope{Tenant: 2}, tok2.ID); !errors.Is(err, auth.ErrNotFound) {
				t.Fatalf("tenant 2 revoked tenant 1's token: %v", err)
			}
			if ok, _ := s.TokenActive(ctx, tok2.ID); !ok {
				t.Fatal("a fresh token is not active")
			}
			r, err := s.Revoke(ctx, auth.Scope{Tenant: 1}, tok2.ID)
			if err != nil || r.RevokedAt == nil {
				t.Fatalf("revoke: %+v %v", r, err)
			}
			if _, err := s.Authenticate(ctx, secret2); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatal("a revoked token still works")
			}
			list, err := s.Tokens(ctx, auth.Scope{Tenant: 1}, "")
			if err != nil || len(list) != 2 {
				t.Fatalf("tenant 1 tokens: %+v %v", list, err)
			}

			// Disabling a user stops its tokens; the operator scope sees every tenant.
			_, secret3, _ := s.Issue(ctx, bia.UserID, auth.TokenOptions{})
			if _, err := s.DisableUser(ctx, auth.Scope{Tenant: 1}, bia.UserID); !errors.Is(err, auth.ErrNotFound) {
				t.Fatalf("tenant 1 disabled tenant 2's user: %v", err)
			}
			u, err := s.DisableUser(ctx, auth.Scope{All: true}, bia.UserID)
			if err != nil || u.DisabledAt == nil {
				t.Fatalf("disable: %+v %v", u, err)
			}
			if _, err := s.Authenticate(ctx, secret3); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatal("a disabled user's token still works")
			}
			if _, _, err := s.Issue(ctx, bia.UserID, auth.TokenOptions{}); err == nil {
				t.Fatal("a token was issued to a disabled user")
			}
			all, _ := s.Users(ctx, auth.Scope{All: true})
			mine, _ := s.Users(ctx, auth.Scope{Tenant: 1})
			if len(all) != 2 || len(mine) != 1 || mine[0].Name != "Ana" {
				t.Fatalf("users: all %+v, tenant 1 %+v", all, mine)
			}
		})
	}
}

func TestCreateUser_OperatorsBelongToNoTenant(t *testing.T) {
	ctx := context.Background()
	s, err := auth.Open(ctx, "sqlite:"+t.TempDir()+"/a.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateUser(ctx, 1, "Op", auth.Operator); err == nil {
		t.Fatal("an operator of tenant 1 was created")
	}
	if _, err := s.CreateUser(ctx, 0, "Ana", auth.Admin); err == nil {
		t.Fatal("an admin of no tenant was created")
	}
	if _, err := s.CreateUser(ctx, 0, "Comercial", auth.Operator); err != nil {
		t.Fatal(err)
	}
}

func TestParseExpiry_ReadsSpansDatesAndInstants(t *testing.T) {
	now := time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 UTC; "" = no expiry; "error"
	}{
		{"", ""}, {"never", ""},
		{"90d", "2024-06-18T12:00:00Z"}, // 11 days left in March + 30 + 31 + 18 = 90
		{"12h", "2024-03-21T00:00:00Z"},
		{"2025-01-31", "2025-01-31T00:00:00Z"},
		{"2024-04-01T09:00:00-03:00", "2024-04-01T12:00:00Z"},
		{"-1h", "error"}, {"0d", "error"}, {"soon", "error"}, {"1.5d", "error"}, {"20y", "error"}, {"4000d", "error"},
	} {
		got, err := auth.ParseExpiry(tc.in, now)
		switch {
		case tc.want == "error":
			if err == nil {
				t.Errorf("%q: accepted as %v", tc.in, got)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.want == "" && got != nil, tc.want != "" && (got == nil || got.Format(time.RFC3339) != tc.want):
			t.Errorf("%q: got %v, want %q", tc.in, got, tc.want)
		}
	}
}
