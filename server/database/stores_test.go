package database_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/database"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
)

func sealer(t *testing.T) *schedules.Sealer {
	s, err := schedules.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type storesBundle struct {
	runs      *runs.Store
	schedules *schedules.Store
	auth      *auth.Store
}

func newStores(t *testing.T, db *database.DB) storesBundle {
	t.Helper()
	ctx := context.Background()
	rs, err := runs.New(ctx, db, runs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := schedules.New(ctx, db, schedules.Options{Sealer: sealer(t)})
	if err != nil {
		t.Fatal(err)
	}
	as, err := auth.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return storesBundle{rs, ss, as}
}

func newRun(user string) runs.NewRun {
	return runs.NewRun{TenantID: 1, ReportID: "kpis.service_level", ReportVersion: 3, UserID: user,
		FiltersGiven: json.RawMessage(`{"period":"yesterday"}`)}
}

func newSchedule(name string) schedules.Schedule {
	return schedules.Schedule{TenantID: 1, OwnerID: "u_owner", Name: name, ReportID: "kpis.service_level",
		Filters: json.RawMessage(`{}`), Recurrence: "0 7 * * *", TimeZone: "America/Sao_Paulo", Format: "csv"}
}

func TestStores_ShareTheOneSQLiteWriter(t *testing.T) {
	ctx := context.Background()
	db := open(t, "sqlite:"+t.TempDir()+"/relato.db")
	s := newStores(t, db)

	// While something holds the writer's one connection, no store can write: all
	// three wait for that same connection.
	held, err := db.Writer().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writes := map[string]func(context.Context) error{
		"runs": func(ctx context.Context) error { _, err := s.runs.Create(ctx, newRun("ana")); return err },
		"schedules": func(ctx context.Context) error {
			_, err := s.schedules.Create(ctx, newSchedule("daily"))
			return err
		},
		"auth": func(ctx context.Context) error { _, err := s.auth.CreateUser(ctx, 1, "Ana", auth.Viewer); return err },
	}
	for name, write := range writes {
		short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		err := write(short)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s wrote while the writer was held (err %v): it has a connection of its own", name, err)
		}
	}
	held.Close()

	// Released, writes of all three from many goroutines take turns on it: no
	// "database is locked", nothing lost.
	const each = 12
	var wg sync.WaitGroup
	errs := make(chan error, 3*each)
	for i := range each {
		for name, write := range writes {
			wg.Go(func() {
				if err := write(ctx); err != nil {
					errs <- fmt.Errorf("%s #%d: %w", name, i, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for table, want := range map[string]int{"runs": each, "schedules": each, "auth_users": each} {
		if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
	if n := db.Writer().Stats().OpenConnections; n != 1 {
		t.Errorf("writer has %d open connections, want 1", n)
	}

	// Stores made by New leave the shared database open.
	s.runs.Close()
	s.schedules.Close()
	s.auth.Close()
	if err := db.Writer().PingContext(ctx); err != nil {
		t.Errorf("closing a store closed the shared database: %v", err)
	}
}

// A database written by the releases before this runner (schema_migrations,
// schedules_migrations, auth's unrecorded tables; testdata/legacy_*.sql is their
// exact DDL) opens and migrates with its rows intact.
func TestStores_AdoptADatabaseFromEarlierReleases(t *testing.T) {
	for name, newDSN := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dsn := newDSN(t)
			db := open(t, dsn)
			ddl, err := os.ReadFile("testdata/legacy_" + name + ".sql")
			if err != nil {
				t.Fatal(err)
			}
			w := db.Writer()
			if _, err := w.ExecContext(ctx, string(ddl)); err != nil {
				t.Fatalf("legacy schema: %v", err)
			}
			at := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // Unix 1700000000
			const us = int64(1700000000000000)
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO runs (id, tenant_id, report_id, report_version, filters_given, filters_resolved, user_id, queue_key, status, requested_at)
					VALUES ('legacy-run', 1, 'kpis.service_level', 3, '{}', '{}', 'u_legacy', '1', 'finished', $1)`, []any{us}},
				{`INSERT INTO schedules (id, tenant_id, owner_id, name, report_id, filters, recurrence, time_zone, destinations, format, file_name, paused, created_at, updated_at)
					VALUES ('legacy-schedule', 1, 'u_legacy', 'Diário', 'kpis.service_level', '{}', '0 7 * * *', 'America/Sao_Paulo', '[]', 'csv', 'sl.csv', $1, $2, $2)`, []any{true, us}},
				{`INSERT INTO auth_users (id, tenant_id, name, role, created_at) VALUES ('u_legacy', 1, 'Ana', 'admin', $1)`, []any{at}},
				// sha256("rlt_legacy")
				{`INSERT INTO auth_tokens (hash, user_id, created_at) VALUES ('3de8ec78838c9363cc6baa9258050f7e7b2b8f05aba70d4510b122b84e242239', 'u_legacy', $1)`, []any{at}},
				{`INSERT INTO audit_events (id, tenant_id, user_id, action, object, detail, at) VALUES ('a_legacy', 1, 'u_legacy', 'run.generate', 'legacy-run', 'kpis.service_level', $1)`, []any{at}},
			} {
				if _, err := w.ExecContext(ctx, q.sql, q.args...); err != nil {
					t.Fatalf("%s: %v", strings.Fields(q.sql)[2], err)
				}
			}
			db.Close()

			db = open(t, dsn)
			s := newStores(t, db)
			r, err := s.runs.Get(ctx, 1, "legacy-run")
			if err != nil || r.Status != runs.StatusFinished || !r.RequestedAt.Equal(at) || r.UserID != "u_legacy" {
				t.Errorf("legacy run: %+v, %v", r, err)
			}
			sch, err := s.schedules.Get(ctx, 1, "legacy-schedule")
			if err != nil || sch.Name != "Diário" || !sch.Paused || !sch.CreatedAt.Equal(at) || len(sch.Destinations) != 0 {
				t.Errorf("legacy schedule: %+v, %v", sch, err)
			}
			p, err := s.auth.Authenticate(ctx, "rlt_legacy")
			if err != nil || p.UserID != "u_legacy" || p.Role != auth.Admin || p.TenantID != 1 {
				t.Errorf("legacy token: %+v, %v", p, err)
			}
			ev, err := s.auth.AuditEvents(ctx, 1, 10)
			if err != nil || len(ev) != 1 || ev[0].ID != "a_legacy" || !ev[0].At.Equal(at) {
				t.Errorf("legacy audit: %+v, %v", ev, err)
			}
			// The adopted first step is recorded as before; the steps added since
			// (issue 11: schedules 0002_fire_config, auth 0002_lifecycle; issue 14:
			// schedules 0003_start_end, runs 0002_names_and_notices, auth
			// 0004_email; issue 17: auth 0003_personal_data; issue 18: runs
			// 0003_claim_order) are applied after it.
			for table, want := range map[string]struct {
				first string
				steps int
			}{"schema_migrations": {"1 runs", 3}, "schedules_migrations": {"1 0001_schedules.sql", 3}, "auth_migrations": {"1 auth", 4}} {
				var v int
				var n string
				rows := count(t, db, "SELECT COUNT(*) FROM "+table)
				if err := db.Reader().QueryRowContext(ctx, "SELECT version, name FROM "+table+" ORDER BY version LIMIT 1").Scan(&v, &n); err != nil || rows != want.steps || fmt.Sprintf("%d %s", v, n) != want.first {
					t.Errorf("%s: %d rows, first %d %s (%v); want %d, first %s", table, rows, v, n, err, want.steps, want.first)
				}
			}
			// The adopted database keeps working.
			if _, err := s.runs.Create(ctx, newRun("bia")); err != nil {
				t.Error(err)
			}
			if _, err := s.schedules.Create(ctx, newSchedule("weekly")); err != nil {
				t.Error(err)
			}
			if _, err := s.auth.CreateUser(ctx, 1, "Bia", auth.Viewer); err != nil {
				t.Error(err)
			}
		})
	}
}
