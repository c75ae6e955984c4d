package definitions_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/export"
)

func warehouse() engine.Warehouse {
	return engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}
}

func loadCatalog(t *testing.T) *engine.Catalog {
	t.Helper()
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		t.Fatalf("catalog does not load:\n%v", err)
	}
	return cat
}

// The tests of this package share one embedded warehouse and rebuild its
// contents as they need, so they run one after the other.

func TestCatalog_LintIsCleanAgainstTheWarehouse(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	cat := loadCatalog(t)
	r := engine.FixtureRunner{Backend: b, Warehouse: warehouse()}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if ps := engine.LintAgainstWarehouse(ctx, b, cat, warehouse()); len(ps) > 0 {
		t.Fatalf("lint problems:\n%v", ps)
	}
}

func TestCatalog_EveryReportHasAPassingFixture(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	cat := loadCatalog(t)
	r := &engine.FixtureRunner{Backend: b, Warehouse: warehouse()}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	for _, def := range cat.List() {
		t.Run(def.ID, func(t *testing.T) {
			path, ok := cat.Fixtures[def.ID]
			if !ok {
				t.Fatalf("no fixture beside %s", def.File)
			}
			results, err := r.RunFile(ctx, def, definitions.FS, path, "definitions/"+path)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) == 0 {
				t.Fatal("fixture has no cases")
			}
			for _, res := range results {
				if res.Err != nil {
					t.Errorf("%s: %s:\n\t%v", res.Pos, res.Case, res.Err)
				}
			}
		})
	}
}

// seedTwoTenants loads the test scale: tenant 1 "Demo" and tenant 2 whose
// every name, phone and e-mail carries a marker.
func seedTwoTenants(t *testing.T, b interface {
	Exec(context.Context, string) error
}) time.Time {
	t.Helper()
	ctx := context.Background()
	end := time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
	opt, err := seed.Scale("test")
	if err != nil {
		t.Fatal(err)
	}
	opt.End = end
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		t.Fatal(err)
	}
	if err := seed.Seed(ctx, b, opt); err != nil {
		t.Fatal(err)
	}
	return end
}

// inputsFor fills a report's filters for a leak run: a period over the seeded
// window and, for required lookups, the first id tenant 1 has.
func inputsFor(t *testing.T, b engine.Backend, def *engine.Definition, tenant uint32) map[string]any {
	in := map[string]any{}
	for _, f := range def.Filters {
		if f.Computed() || !f.Required {
			continue
		}
		switch f.Type {
		case "period":
			in[f.Name] = "2024-02-28..2024-03-19"
		default:
			in[f.Name] = engine.SampleValue(f)
			for _, lk := range engine.Lookups() {
				if lk.Name == f.Type && lk.Table != "" {
					in[f.Name] = firstValue(t, b, fmt.Sprintf("SELECT toString(%s) FROM %s ORDER BY %s LIMIT 1", lk.Column, lk.Table, lk.Column), tenant)
				}
			}
		}
	}
	return in
}

func firstValue(t *testing.T, b engine.Backend, sql string, tenant uint32) string {
	t.Helper()
	rows, err := b.Query(context.Background(), engine.Query{SQL: sql, TableFilters: engine.TenantScope(schema.Tables(), tenant)})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("no value for %s", sql)
	}
	return string(rows.Values()[0])
}

func runToCSV(t *testing.T, b engine.Backend, def *engine.Definition, in map[string]any, tenant uint32, now time.Time) (string, export.Result) {
	t.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	env := engine.CompileEnv{Tenant: tenant, Location: loc, Now: now, Tables: schema.Tables(),
		Lookups: engine.BackendLookups{Backend: b, Scope: func(t uint32) map[string]string { return engine.TenantScope(schema.Tables(), t) }}}
	comp, err := engine.Compile(ctx, def, in, env)
	if err != nil {
		t.Fatalf("compile %v: %v", in, err)
	}
	var buf bytes.Buffer
	res, err := export.Run(ctx, b, comp, export.CSV, "pt-BR", &buf, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return buf.String(), res
}

func TestCatalog_NoReportShowsAnotherTenantsRows(t *testing.T) {
	b := enginetest.ChDB(t)
	now := seedTwoTenants(t, b)
	cat := loadCatalog(t)
	markers := []string{seed.Tenant2NameMarker, seed.Tenant2PhonePrefix, seed.Tenant2EmailDomain}
	for _, def := range cat.List() {
		t.Run(def.ID, func(t *testing.T) {
			out, res := runToCSV(t, b, def, inputsFor(t, b, def, 1), 1, now)
			if res.Rows == 0 {
				t.Fatalf("tenant 1 got no rows: the leak check would prove nothing")
			}
			for _, m := range markers {
				if strings.Contains(out, m) {
					t.Fatalf("tenant 1's result contains tenant 2's marker %q", m)
				}
			}
			// The same report for tenant 2 does show its markers, so the check can fail.
			out2, _ := runToCSV(t, b, def, inputsFor(t, b, def, 2), 2, now)
			if showsPeople(def) && !containsAny(out2, markers) {
				t.Fatalf("tenant 2's own result shows none of its markers, so this check could not catch a leak")
			}
		})
	}
}

func TestCatalog_AWalletFilterShowsOnlyThatWallet(t *testing.T) {
	b := enginetest.ChDB(t)
	now := seedTwoTenants(t, b)
	cat := loadCatalog(t)
	walletID := firstValue(t, b, "SELECT toString(wallet_id) FROM wh.wallets ORDER BY wallet_id LIMIT 1", 1)
	walletName := firstValue(t, b, "SELECT name FROM wh.wallets WHERE wallet_id = "+walletID, 1)
	foreign := firstValue(t, b, "SELECT toString(wallet_id) FROM wh.wallets ORDER BY wallet_id LIMIT 1", 2)
	for _, def := range cat.List() {
		f := def.Filter("wallet")
		if f == nil || f.Type != "wallet" {
			continue
		}
		t.Run(def.ID, func(t *testing.T) {
			in := inputsFor(t, b, def, 1)
			in["wallet"] = walletID
			out, res := runToCSV(t, b, def, in, 1, now)
			col := -1
			for i, c := range def.Columns {
				if c.Name == "wallet_name" {
					col = i
				}
			}
			if col >= 0 {
				if res.Rows == 0 {
					t.Fatal("no rows for the wallet: the check would prove nothing")
				}
				for i, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
					if !strings.Contains(line, walletName) {
						t.Fatalf("row %d is not of wallet %q: %s", i+1, walletName, line)
					}
				}
			}
			// Tenant 2's wallet id is unknown to tenant 1.
			if foreign != walletID {
				in["wallet"] = foreign
				loc, _ := time.LoadLocation("America/Sao_Paulo")
				_, err := engine.Compile(context.Background(), def, in, engine.CompileEnv{Tenant: 1, Location: loc, Now: now, Tables: schema.Tables(),
					Lookups: engine.BackendLookups{Backend: b, Scope: func(t uint32) map[string]string { return engine.TenantScope(schema.Tables(), t) }}})
				if err == nil || !strings.Contains(err.Error(), `filter "wallet": unknown wallet`) {
					t.Fatalf("tenant 2's wallet %s accepted for tenant 1: %v", foreign, err)
				}
			}
		})
	}
}

func TestContactEmails_StopsAtTheCapAndSaysSo(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	cat := loadCatalog(t)
	def := cat.Reports["extraction.contact_emails"]
	r := &engine.FixtureRunner{Backend: b, Warehouse: warehouse()}
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		t.Fatal(err)
	}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		contacts  int
		wantRows  int64
		truncated bool
	}{
		{"exactly the cap is complete", 10000, 10000, false},
		{"one over the cap is cut at the cap", 10001, 10000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := b.Exec(ctx, "TRUNCATE TABLE wh.contacts"); err != nil {
				t.Fatal(err)
			}
			ins := fmt.Sprintf(`INSERT INTO wh.contacts (tenant_id, wallet_id, contact_id, name, email, created_at)
				SELECT 1, 1, number + 1, concat('c', toString(number)), concat('c', toString(number), '@example.com'),
				       toDateTime('2024-03-10 00:00:00', 'UTC') + number
				FROM numbers(%d)`, tc.contacts)
			if err := b.Exec(ctx, ins); err != nil {
				t.Fatal(err)
			}
			out, res := runToCSV(t, b, def, map[string]any{"period": "2024-03-01..2024-03-30"}, 1, now)
			if res.Rows != tc.wantRows || res.Truncated != tc.truncated {
				t.Fatalf("rows = %d, truncated = %v; want %d, %v", res.Rows, res.Truncated, tc.wantRows, tc.truncated)
			}
			if lines := strings.Count(out, "\n"); int64(lines) != tc.wantRows+1 {
				t.Fatalf("CSV has %d lines, want %d (header + rows)", lines, tc.wantRows+1)
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, m := range subs {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// showsPeople reports whether a report lists names, phones or e-mails, the
// values tenant 2's markers live in.
func showsPeople(def *engine.Definition) bool {
	for _, c := range def.Columns {
		if strings.HasSuffix(c.Name, "name") || strings.Contains(c.Name, "phone") || strings.Contains(c.Name, "email") {
			return true
		}
	}
	return false
}

// Every catalog column whose name suggests personal data declares its kind
// (issue 17), and the extractions, whose purpose is personal data, carry it.
func TestCatalog_EveryPersonalColumnIsAnnotated(t *testing.T) {
	cat := loadCatalog(t)
	if ps := engine.LintPersonalData(cat); len(ps) != 0 {
		t.Errorf("unannotated personal columns:\n%v", ps)
	}
	for _, id := range []string{"extraction.contact_phones", "extraction.contact_emails"} {
		d := cat.Reports[id]
		if d == nil || !d.RequiresPersonalData() || !d.HasPersonalColumns() {
			t.Errorf("%s: not marked as a personal-data extraction", id)
		}
	}
}
