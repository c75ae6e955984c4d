// Package extraction_test checks the extraction reports' row caps, which need
// more rows than a hand-written fixture holds.
package extraction_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/export"
)

func TestContactPhones_StopsAtTenThousandRowsAndSaysSo(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		t.Fatalf("catalog does not load:\n%v", err)
	}
	def := cat.Reports["extraction.contact_phones"]
	if def == nil {
		t.Fatal("extraction.contact_phones is not in the catalog")
	}
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		t.Fatal(err)
	}
	r := &engine.FixtureRunner{Backend: b, Warehouse: engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	env := engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Date(2024, 4, 1, 12, 0, 0, 0, loc), Tables: schema.Tables(),
		Lookups: engine.BackendLookups{Backend: b, Scope: func(t uint32) map[string]string { return engine.TenantScope(schema.Tables(), t) }}}

	for _, tc := range []struct {
		name      string
		contacts  int    // contacts of tenant 1, one a second from 2024-03-10 00:00 UTC
		noPhone   int    // the contact number (0-based) left without a phone, -1 = none
		wantRows  int64  // rows written
		truncated bool   // the run says it was cut
		wantLast  string // the last row's phone: the cut keeps the oldest
	}{
		{"exactly the cap is complete", 10000, -1, 10000, false, "+5511900009999"},
		{"one over the cap is cut at the cap", 10001, -1, 10000, true, "+5511900009999"},
		{"a contact without a phone is not a row and does not count", 10001, 0, 10000, false, "+5511900010000"},
		{"a much larger extraction is cut at the same place", 25000, -1, 10000, true, "+5511900009999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := b.Exec(ctx, "TRUNCATE TABLE wh.contacts"); err != nil {
				t.Fatal(err)
			}
			// Tenant 2 holds contacts older than all of tenant 1's: if they leaked
			// they would fill the first rows.
			ins := fmt.Sprintf(`INSERT INTO wh.contacts (tenant_id, wallet_id, contact_id, name, phone, created_at)
				SELECT 1, 1, number + 1, concat('c', toString(number)),
				       if(number = %d, '', concat('+55119', leftPad(toString(number), 8, '0'))),
				       toDateTime('2024-03-10 00:00:00', 'UTC') + number
				FROM numbers(%d)
				UNION ALL
				SELECT 2, 9, number + 1, 'TENANT2MARK', '+999', toDateTime('2024-01-01 00:00:00', 'UTC') + number
				FROM numbers(100)`, tc.noPhone, tc.contacts)
			if err := b.Exec(ctx, ins); err != nil {
				t.Fatal(err)
			}
			comp, err := engine.Compile(ctx, def, map[string]any{}, env)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			res, err := export.Run(ctx, b, comp, export.CSV, "en", &buf, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != tc.wantRows || res.Truncated != tc.truncated {
				t.Fatalf("rows = %d, truncated = %v; want %d, %v", res.Rows, res.Truncated, tc.wantRows, tc.truncated)
			}
			lines := strings.Split(strings.TrimRight(buf.String(), "\r\n"), "\n")
			if int64(len(lines)) != tc.wantRows+1 {
				t.Fatalf("CSV has %d lines, want %d (header + rows)", len(lines), tc.wantRows+1)
			}
			if strings.Contains(buf.String(), "TENANT2MARK") {
				t.Fatal("tenant 2's contacts are in tenant 1's extraction")
			}
			if last := lines[len(lines)-1]; !strings.Contains(last, tc.wantLast) {
				t.Fatalf("last row %q does not hold phone %s", last, tc.wantLast)
			}
		})
	}
}
