package reporting

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/relato/relato/engine"
)

// DefaultZone is the time zone of a tenant the warehouse does not name one for
// (DESIGN §7: São Paulo is the default).
const DefaultZone = "America/Sao_Paulo"

// Zones reads each tenant's time zone from the warehouse (wh.tenants) and
// keeps it for the life of the process. Concurrent first reads of one
// tenant share one query (1,000 run requests at a start queued 1,000
// queries on the embedded warehouse, which runs one at a time).
type Zones struct {
	Warehouse engine.Backend
	Tables    []string

	cache  sync.Map // tenant → *time.Location
	flight singleflight.Group
}

// UnknownTenantError means the warehouse has no row for the tenant in wh.tenants.
type UnknownTenantError struct{ Tenant uint32 }

func (e UnknownTenantError) Error() string { return fmt.Sprintf("unknown tenant %d", e.Tenant) }

// Zone is the tenant's IANA time zone; a tenant whose row names none gets
// DefaultZone. Errors: UnknownTenantError when the tenant has no row, a
// warehouse error (nothing is cached), or an unknown zone name in the warehouse.
func (z *Zones) Zone(ctx context.Context, tenant uint32) (*time.Location, error) {
	if l, ok := z.cache.Load(tenant); ok {
		return l.(*time.Location), nil
	}
	l, err, _ := z.flight.Do(strconv.FormatUint(uint64(tenant), 10), func() (any, error) { return z.read(ctx, tenant) })
	if err != nil {
		return nil, err
	}
	return l.(*time.Location), nil
}

// read queries the tenant's zone and caches it.
func (z *Zones) read(ctx context.Context, tenant uint32) (*time.Location, error) {
	rows, err := z.Warehouse.Query(ctx, engine.Query{
		SQL:          "SELECT time_zone FROM wh.tenants WHERE tenant_id = {t:UInt32} LIMIT 1",
		Params:       map[string]string{"t": strconv.FormatUint(uint64(tenant), 10)},
		TableFilters: engine.TenantScope(z.Tables, tenant),
	})
	if err != nil {
		return nil, fmt.Errorf("reading the time zone of tenant %d: %w", tenant, err)
	}
	name, found := DefaultZone, false
	if rows.Next() {
		found = true
		if v := string(rows.Values()[0]); v != "" {
			name = v
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the time zone of tenant %d: %w", tenant, err)
	}
	if !found {
		return nil, UnknownTenantError{Tenant: tenant}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("tenant %d: time zone %q: %w", tenant, name, err)
	}
	z.cache.Store(tenant, loc)
	return loc, nil
}

// ZoneOrDefault is Zone for places that must show something (labels, a
// schedule's default zone, a tenant the warehouse does not know yet): on any
// error it returns DefaultZone.
func (z *Zones) ZoneOrDefault(ctx context.Context, tenant uint32) *time.Location {
	if l, err := z.Zone(ctx, tenant); err == nil {
		return l
	}
	l, _ := time.LoadLocation(DefaultZone)
	return l
}
