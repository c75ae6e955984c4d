package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/runs/runstest"
)

// The same tests run on SQLite and on a real PostgreSQL.
func stores(t *testing.T) map[string]string {
	pg := runstest.StartPostgres(t)
	return map[string]string{"sqlite": runstest.NewSQLite(t), "postgres": pg.NewDatabase(t)}
}

func TestAuth_TokensAreStoredHashedAndResolveToTheirUser(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := auth.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			u, err := s.CreateUser(ctx, 7, "Ana", auth.Manager)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s.IssueToken(ctx, u.UserID)
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Authenticate(ctx, tok)
			if err != nil || p.UserID != u.UserID || p.TenantID != 7 || p.Role != auth.Manager {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
			if _, err := s.Authenticate(ctx, tok+"x"); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatalf("a wrong token authenticated: %v", err)
			}
			// The token itself is nowhere in the database.
			raw := rawRows(t, dsn, "SELECT hash FROM auth_tokens")
			if len(raw) != 1 || strings.Contains(raw[0], tok) || len(raw[0]) != 64 {
				t.Fatalf("stored %q", raw)
			}
			if err := s.RevokeToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatal("a revoked token still works")
			}
			if _, err := s.CreateUser(ctx, 7, "X", auth.Role("root")); err == nil {
				t.Fatal("an unknown role was accepted")
			}
		})
	}
}

func TestAuth_AuditEventsStayInTheirTenant(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := auth.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			a, _ := s.CreateUser(ctx, 1, "A", auth.Admin)
			b, _ := s.CreateUser(ctx, 2, "B", auth.Admin)
			s.Audit(ctx, a, "run.generate", "r1", "kpis.service_level")
			s.Audit(ctx, b, "run.download", "r2", "csv")
			ev, err := s.AuditEvents(ctx, 1, 10)
			if err != nil || len(ev) != 1 || ev[0].Action != "run.generate" || ev[0].Object != "r1" {
				t.Fatalf("tenant 1 events: %+v %v", ev, err)
			}
		})
	}
}

func TestRole_Includes(t *testing.T) {
	for _, tc := range []struct {
		r, need auth.Role
		ok      bool
	}{{auth.Viewer, auth.Manager, false}, {auth.Manager, auth.Viewer, true}, {auth.Admin, auth.Manager, true}, {auth.Manager, auth.Admin, false}, {"", auth.Viewer, false},
		{auth.Operator, auth.Operator, true}, {auth.Operator, auth.Viewer, false}, {auth.Admin, auth.Operator, false}} {
		if tc.r.Allows(tc.need) != tc.ok {
			t.Errorf("%q allows %q = %v", tc.r, tc.need, !tc.ok)
		}
	}
}

func rawRows(t *testing.T, dsn, q string) []string {
	driver, src := "pgx", dsn
	if strings.HasPrefix(dsn, "sqlite:") {
		driver, src = "sqlite", "file:"+strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}
