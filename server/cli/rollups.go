package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/definitions/schema"
)

// rollupBucket is the length of the coarsest rollup's UTC buckets
// (wh.calls_1h): a rebuild covers whole ones, so no rollup keeps a bucket
// half recomputed.
const rollupBucket = time.Hour

// rollups runs `relato rollups rebuild [--tenant N] [--from T] [--to T]`:
// it recomputes the KPI rollups (schema.RollupTables: wh.calls_15m, and
// wh.calls_1h through its view) from wh.calls for one tenant (or all) over a
// range widened to whole UTC hours, deleting that range from every rollup
// first, so running it twice leaves the same rows. It also creates the
// rollups and their views in a warehouse that predates them. Calls inserted into
// the range while it runs may be counted twice: rebuild ranges that are not
// being written (the past), or rebuild again.
func (a *app) rollups(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return errors.New("rollups: expected a subcommand: relato rollups rebuild [--tenant N] [--from 2024-03-01] [--to 2024-04-01]")
	}
	fs := flag.NewFlagSet("rollups rebuild", flag.ContinueOnError)
	var c common
	c.register(fs)
	tenant := fs.Uint("tenant", 0, "tenant id (default: every tenant)")
	fromFlag := fs.String("from", "", "start, a date (UTC midnight) or an RFC 3339 instant (default: the first call)")
	toFlag := fs.String("to", "", "end (exclusive), a date (UTC midnight) or an RFC 3339 instant (default: after the last call)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("rollups rebuild: unexpected argument %q", pos[0])
	}
	from, to, err := rebuildRange(*fromFlag, *toFlag)
	if err != nil {
		return err
	}
	b, err := c.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	start := time.Now()
	for _, s := range schema.Statements() {
		if strings.Contains(s, "calls_15m") || strings.Contains(s, "calls_1h") || strings.HasPrefix(s, "CREATE DATABASE") {
			if err := b.Exec(ctx, s); err != nil {
				return fmt.Errorf("rollups rebuild: creating %s: %w", schema.RollupTable, err)
			}
		}
	}
	// Only numbers reach the SQL: the tenant id and Unix seconds.
	var bucketWhere, callWhere []string
	if *tenant != 0 {
		t := "tenant_id = " + strconv.FormatUint(uint64(*tenant), 10)
		bucketWhere, callWhere = append(bucketWhere, t), append(callWhere, t)
	}
	if !from.IsZero() {
		bucketWhere = append(bucketWhere, fmt.Sprintf("bucket >= toDateTime(%d)", from.Unix()))
		callWhere = append(callWhere, fmt.Sprintf("entered_queue_at >= toDateTime(%d)", from.Unix()))
	}
	if !to.IsZero() {
		bucketWhere = append(bucketWhere, fmt.Sprintf("bucket < toDateTime(%d)", to.Unix()))
		callWhere = append(callWhere, fmt.Sprintf("entered_queue_at < toDateTime(%d)", to.Unix()))
	}
	and := func(w []string) string {
		if len(w) == 0 {
			return "1"
		}
		return strings.Join(w, " AND ")
	}
	for _, t := range schema.RollupTables {
		if err := b.Exec(ctx, "ALTER TABLE "+t+" DELETE WHERE "+and(bucketWhere)+" SETTINGS mutations_sync = 2"); err != nil {
			return fmt.Errorf("rollups rebuild: clearing the range of %s: %w", t, err)
		}
	}
	if err := b.Exec(ctx, schema.RollupInsert(and(callWhere))); err != nil {
		return fmt.Errorf("rollups rebuild: recomputing from wh.calls: %w", err)
	}
	what := "every tenant"
	if *tenant != 0 {
		what = fmt.Sprintf("tenant %d", *tenant)
	}
	span := "every bucket"
	if !from.IsZero() || !to.IsZero() {
		span = fmt.Sprintf("[%s, %s)", textOr(from, "the first call"), textOr(to, "the last call"))
	}
	fmt.Fprintf(a.stderr, "rebuilt %s from wh.calls for %s, %s, in %s\n", strings.Join(schema.RollupTables, " and "), what, span, time.Since(start).Round(time.Millisecond))
	return nil
}

func textOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// rebuildRange parses --from and --to and widens them to whole rollup
// buckets (from down, to up), so a rebuild never splits a bucket.
func rebuildRange(fromText, toText string) (from, to time.Time, err error) {
	parse := func(flagName, s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("--%s %q: want a date like 2024-03-01 or an instant like 2024-03-01T03:00:00Z", flagName, s)
	}
	if from, err = parse("from", fromText); err != nil {
		return
	}
	if to, err = parse("to", toText); err != nil {
		return
	}
	if !from.IsZero() {
		from = from.Truncate(rollupBucket)
	}
	if !to.IsZero() {
		if t := to.Truncate(rollupBucket); !t.Equal(to) {
			to = t.Add(rollupBucket)
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, fmt.Errorf("--to %s is not after --from %s", toText, fromText)
	}
	return from, to, nil
}
