// Package seed creates the warehouse schema and fills it with deterministic
// demo data for every report of the catalog (`relato seed`).
//
// Every row is computed inside ClickHouse by INSERT … SELECT FROM numbers(N),
// each value a pure function of (Options.Seed, tenant, row number) through
// cityHash64 — never rand() or now() — so the same Options give byte-identical
// tables. The package depends only on the schema package, engine/chsql (string
// literals) and a small Execer interface (the chdb backend satisfies it); it
// must not import the server.
//
// Tenant 2 is the leak-test tenant: every text a user could recognise carries
// a marker (see Tenant2NameMarker, Tenant2PhonePrefix, Tenant2EmailDomain), and
// no other tenant's rows ever contain them.
package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // tenant time zones must resolve on machines without /usr/share/zoneinfo

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine/chsql"
)

// Markers carried by tenant 2's data and by no other tenant's, so a leak test
// can grep any output for them.
const (
	// Tenant2NameMarker is part of every tenant-2 contact, user and tenant name.
	Tenant2NameMarker = "TENANT2MARK"
	// Tenant2PhonePrefix starts every tenant-2 phone (contacts, callers, HSM
	// recipients, lines). Other tenants never use area code 99.
	Tenant2PhonePrefix = "+5599999"
	// Tenant2EmailDomain ends every tenant-2 e-mail address.
	Tenant2EmailDomain = "@tenant2-marker.test"
)

// Execer runs one statement that returns no rows.
type Execer interface {
	Exec(ctx context.Context, sql string) error
}

// Options select how much data Seed writes and where in time it lies.
type Options struct {
	// Seed makes the data: the same Options give the same rows.
	Seed uint64
	// Tenants is the number of tenants (default 2); tenant 1 is "Demo".
	Tenants int
	// Calls is the number of voice calls per tenant, the scale knob: the other
	// fact tables are sized in proportion (default 500,000).
	Calls int64
	// End is required: the data covers the Days whole local days before End's
	// date in each tenant's time zone (End's own day is left empty). Callers
	// pass the current time; Seed never reads the clock itself.
	End time.Time
	// Days is the length of the covered window (default 60).
	Days int
}

// Scale returns the Options of a named scale: "test" (a few thousand rows per
// table, seconds), "demo" (~1M calls, well under a minute on 2 cores) or
// "bench" (100M calls, minutes). End is left for the caller to set.
func Scale(name string) (Options, error) {
	switch name {
	case "test":
		return Options{Seed: 1, Tenants: 2, Calls: 3000, Days: 21}, nil
	case "demo":
		return Options{Seed: 1, Tenants: 2, Calls: 500_000, Days: 60}, nil
	case "bench":
		return Options{Seed: 1, Tenants: 2, Calls: 50_000_000, Days: 90}, nil
	}
	return Options{}, fmt.Errorf("unknown seed scale %q (want test, demo or bench)", name)
}

// SchemaStatements are the warehouse DDL statements, in order.
func SchemaStatements() []string { return schema.Statements() }

// ErrNoEnd is returned when Options.End is zero.
var ErrNoEnd = errors.New("seed: Options.End is required (pass the current time)")

func (o Options) withDefaults() (Options, error) {
	if o.End.IsZero() {
		return o, ErrNoEnd
	}
	if o.Tenants == 0 {
		o.Tenants = 2
	}
	if o.Calls == 0 {
		o.Calls = 500_000
	}
	if o.Days == 0 {
		o.Days = 60
	}
	if o.Tenants < 0 || o.Tenants > 999 || o.Calls < 0 || o.Days < 1 || o.Days > 3650 {
		return o, fmt.Errorf("seed: options out of range: tenants %d (1..999), calls %d (>= 0), days %d (1..3650)", o.Tenants, o.Calls, o.Days)
	}
	return o, nil
}

// Seed creates the schema (if missing) and inserts the demo data. It does not
// clear existing rows: seed into an empty warehouse (DROP DATABASE wh first).
func Seed(ctx context.Context, x Execer, opt Options) error {
	opt, err := opt.withDefaults()
	if err != nil {
		return err
	}
	for _, s := range SchemaStatements() {
		if err := x.Exec(ctx, s); err != nil {
			return fmt.Errorf("seed: schema: %w", err)
		}
	}
	for t := 1; t <= opt.Tenants; t++ {
		tg, err := newTenantGen(opt, t)
		if err != nil {
			return err
		}
		for _, st := range tg.statements() {
			if err := x.Exec(ctx, st.sql); err != nil {
				return fmt.Errorf("seed: tenant %d: %s: %w", t, st.table, err)
			}
		}
	}
	return nil
}

type statement struct {
	table string
	sql   string
}

func stringArray(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = chsql.QuoteString(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func intArray[T int | int64 | uint32 | uint64](vals []T) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// weighted is one value of a categorical distribution.
type weighted struct {
	v string
	w int
}

func expand(ws []weighted) []string {
	d := 0
	for _, x := range ws {
		d = gcd(d, x.w)
	}
	var out []string
	for _, x := range ws {
		for i := 0; i < x.w/d; i++ {
			out = append(out, x.v)
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// rnd writes SQL for deterministic pseudo-random values of one row: every
// value hashes (seed, tenant, key, salt), key being the row's identity.
type rnd struct {
	seed   uint64
	tenant int
	key    string
}

func (r rnd) h(salt string) string {
	return fmt.Sprintf("cityHash64(%d, %d, %s, '%s')", r.seed, r.tenant, r.key, salt)
}

// u is uniform in [0, 1).
func (r rnd) u(salt string) string {
	return fmt.Sprintf("(%s %% 1000000 / 1000000.0)", r.h(salt))
}

// mod is uniform in [0, n).
func (r rnd) mod(salt string, n int64) string {
	return fmt.Sprintf("(%s %% %d)", r.h(salt), n)
}

// exp is exponential with the given mean.
func (r rnd) exp(salt string, mean float64) string {
	return fmt.Sprintf("(-log(1 - %s) * %g)", r.u(salt), mean)
}

func (r rnd) pick(salt string, vals []string) string {
	return fmt.Sprintf("arrayElement(%s, 1 + %s)", stringArray(vals), r.mod(salt, int64(len(vals))))
}

func (r rnd) pickW(salt string, ws []weighted) string {
	return r.pick(salt, expand(ws))
}

func (r rnd) with(key string) rnd { return rnd{seed: r.seed, tenant: r.tenant, key: key} }
