package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
)

// The tenant's event type labels come from the lookup cache that checks
// filter values: scoped to the tenant, loaded once per TTL.
func TestCachedLookups_LabelsAreTheTenantsAndCachedForTheTTL(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS wh",
		"DROP TABLE IF EXISTS wh.event_types",
		"CREATE TABLE wh.event_types (tenant_id UInt32, event_type LowCardinality(String), label String) ENGINE = MergeTree ORDER BY (tenant_id, event_type)",
		"INSERT INTO wh.event_types VALUES (1, 'sale', 'Venda'), (1, 'callback', 'Retornar contato'), (2, 'sale', 'TENANT2MARK')",
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var lk engine.Lookup
	for _, l := range engine.Lookups() {
		if l.Name == "event_type" {
			lk = l
		}
	}
	c := &engine.CachedLookups{Backend: b, TTL: time.Hour, Scope: func(tenant uint32) map[string]string {
		return map[string]string{"wh.event_types": fmt.Sprintf("tenant_id = %d", tenant)}
	}}
	got, err := c.Labels(ctx, lk, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["sale"] != "Venda" || got["callback"] != "Retornar contato" {
		t.Fatalf("tenant 1's labels %v", got)
	}
	if unknown, err := c.Unknown(ctx, lk, 1, []any{"sale", "nope"}); err != nil || fmt.Sprint(unknown) != "[nope]" {
		t.Fatalf("unknown %v, %v", unknown, err)
	}
	// Within the TTL a renamed event type is not read again.
	if err := b.Exec(ctx, "INSERT INTO wh.event_types VALUES (1, 'no_interest', 'Sem interesse')"); err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Labels(ctx, lk, 1); len(again) != 2 {
		t.Errorf("read again within the TTL: %v", again)
	}
	if t2, _ := c.Labels(ctx, lk, 2); len(t2) != 1 || t2["sale"] != "TENANT2MARK" {
		t.Errorf("tenant 2's labels %v", t2)
	}
}
