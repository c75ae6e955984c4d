package reporting_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/server/reporting"
)

func TestZones_ReadEachTenantsZoneOnceAndNameWhatIsWrong(t *testing.T) {
	ctx := context.Background()
	wh := enginetest.ChDB(t)
	for _, stmt := range schema.Statements() {
		if err := wh.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := wh.Exec(ctx, "INSERT INTO wh.tenants (tenant_id, name, time_zone) VALUES (31, 'Manaus', 'America/Manaus'), (32, 'Sem fuso', ''), (33, 'Marte', 'Mars/Olympus_Mons')"); err != nil {
		t.Fatal(err)
	}
	z := &reporting.Zones{Warehouse: wh, Tables: schema.Tables()}
	if l, err := z.Zone(ctx, 31); err != nil || l.String() != "America/Manaus" {
		t.Fatalf("tenant 31: %v %v", l, err)
	}
	if l, err := z.Zone(ctx, 32); err != nil || l.String() != reporting.DefaultZone {
		t.Fatalf("a tenant without a zone reads in São Paulo: %v %v", l, err)
	}
	var unknown reporting.UnknownTenantError
	if _, err := z.Zone(ctx, 34); !errors.As(err, &unknown) || unknown.Tenant != 34 {
		t.Fatalf("tenant 34 has no row: %v", err)
	}
	if l := z.ZoneOrDefault(ctx, 34); l.String() != reporting.DefaultZone {
		t.Fatalf("ZoneOrDefault of an unknown tenant: %v", l)
	}
	if _, err := z.Zone(ctx, 33); err == nil || !strings.Contains(err.Error(), "Mars/Olympus_Mons") {
		t.Fatalf("a bad zone name is named: %v", err)
	}
	// Read once: a later change in the warehouse is not seen by this process.
	if err := wh.Exec(ctx, "ALTER TABLE wh.tenants UPDATE time_zone = 'UTC' WHERE tenant_id = 31 SETTINGS mutations_sync = 1"); err != nil {
		t.Fatal(err)
	}
	if l, _ := z.Zone(ctx, 31); l.String() != "America/Manaus" {
		t.Fatalf("the zone was read again: %v", l)
	}
	if l, _ := (&reporting.Zones{Warehouse: wh, Tables: schema.Tables()}).Zone(ctx, 31); l.String() != "UTC" {
		t.Fatalf("a fresh cache sees the change: %v", l)
	}
}

// countingQueries is a warehouse that counts its queries and makes each
// take 50 ms, so concurrent callers overlap.
type countingQueries struct {
	engine.Backend
	n atomic.Int64
}

func (c *countingQueries) Query(ctx context.Context, q engine.Query) (engine.Rows, error) {
	c.n.Add(1)
	time.Sleep(50 * time.Millisecond)
	return c.Backend.Query(ctx, q)
}

func TestZones_ConcurrentFirstReadsShareOneQuery(t *testing.T) {
	ctx := context.Background()
	wh := enginetest.ChDB(t)
	for _, stmt := range schema.Statements() {
		if err := wh.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := wh.Exec(ctx, "INSERT INTO wh.tenants (tenant_id, name, time_zone) VALUES (41, 'Recife', 'America/Recife')"); err != nil {
		t.Fatal(err)
	}
	counting := &countingQueries{Backend: wh}
	z := &reporting.Zones{Warehouse: counting, Tables: schema.Tables()}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l, err := z.Zone(ctx, 41); err != nil || l.String() != "America/Recife" {
				t.Errorf("tenant 41: %v %v", l, err)
			}
		}()
	}
	wg.Wait()
	if n := counting.n.Load(); n != 1 {
		t.Errorf("50 concurrent first reads ran %d queries, want 1", n)
	}
}
