package definitions_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/export"
)

// TestKPIRollups_GiveTheRawRowsOverSeededData runs every report that declares
// a rollup over seeded calls (240 a day for 250 days, both tenants) twice,
// raw forced and as the engine chooses, and requires byte-identical CSV.
// The zones cover a whole-hour zone without DST (São Paulo), quarter-hour
// offsets (Kathmandu +05:45, Chatham +12:45/+13:45 across its DST change), a
// half-hour DST shift (Lord Howe) and New York's two DST days; the filters
// rotate through thresholds, short abandons, abandons, wallets, queues,
// tenants and the full grid.
func TestKPIRollups_GiveTheRawRowsOverSeededData(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	cat := loadCatalog(t)
	opt := seed.Options{Seed: 7, Tenants: 2, Calls: 60_000, Days: 250, End: time.Date(2024, 11, 10, 12, 0, 0, 0, time.UTC)}
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		t.Fatal(err)
	}
	if err := seed.Seed(ctx, b, opt); err != nil {
		t.Fatal(err)
	}
	wallet := firstValue(t, b, "SELECT toString(wallet_id) FROM wh.wallets ORDER BY wallet_id LIMIT 1", 1)
	queues := firstValue(t, b, "SELECT arrayStringConcat(groupArray(toString(queue_id)), ',') FROM (SELECT queue_id FROM wh.queues ORDER BY queue_id LIMIT 2)", 1)

	zones := []string{"America/Sao_Paulo", "Asia/Kathmandu", "Pacific/Chatham", "Australia/Lord_Howe", "America/New_York"}
	// New York springs forward on 03-10 and falls back on 11-03; Chatham
	// (+12:45 → +13:45) changes on 09-29, Lord Howe (+10:30 → +11:00) on 10-06.
	periods := []string{"2024-03-01..2024-03-31", "2024-09-25..2024-10-10", "2024-10-20..2024-11-09"}
	intervals := []string{"15m", "30m", "1h", "1d"}
	thresholds := []string{"20s", "1s", "37s", "10m"}
	shorts := []string{"0s", "5s", "7s", "2m"}
	abandons := []string{"negative", "ignore", "positive"}
	now := time.Date(2024, 11, 10, 12, 0, 0, 0, time.UTC)

	reports := 0
	for _, def := range cat.List() {
		if def.Rollup == nil {
			continue
		}
		reports++
		t.Run(def.ID, func(t *testing.T) {
			i, nonEmpty, hourly := 0, 0, 0
			for _, zone := range zones {
				loc := mustLoad(t, zone)
				for _, period := range periods {
					for _, interval := range intervals {
						i++
						filters := map[string]any{"period": period, "interval": interval, "only_with_calls": i%2 == 0}
						if def.Filter("threshold") != nil {
							filters["threshold"] = thresholds[i%len(thresholds)]
						}
						if def.Filter("short_abandon") != nil {
							filters["short_abandon"] = shorts[(i/2)%len(shorts)]
						}
						if def.Filter("abandons") != nil {
							filters["abandons"] = abandons[i%len(abandons)]
						}
						if i%5 == 1 {
							filters["wallet"] = wallet
						}
						if i%3 == 2 {
							filters["queues"] = queues
						}
						tenant := uint32(1 + i%7/6) // tenant 2 now and then
						name := fmt.Sprintf("%s %v tenant %d", zone, filters, tenant)
						raw, rawPath, _ := kpiCSV(t, b, def, filters, loc, now, tenant, engine.PathRaw)
						got, path, why := kpiCSV(t, b, def, filters, loc, now, tenant, "")
						if rawPath != engine.PathRaw || path != engine.PathRollup {
							t.Fatalf("%s: paths %s and %s, want raw and rollup", name, rawPath, path)
						}
						// The hourly table serves 1 h and 1 d intervals where the
						// zone is whole hours from UTC all period long: São Paulo
						// and New York always, Lord Howe at +11:00 (March,
						// late October) but not across 10-06, when it leaves
						// +10:30; never Kathmandu or Chatham.
						wholeHours := zone == "America/Sao_Paulo" || zone == "America/New_York" ||
							zone == "Australia/Lord_Howe" && period != "2024-09-25..2024-10-10"
						wantTable := "wh.calls_15m"
						if wholeHours && (interval == "1h" || interval == "1d") {
							wantTable = "wh.calls_1h"
							hourly++
						}
						if why != "rollup "+wantTable {
							t.Fatalf("%s: %q, want the rollup %s", name, why, wantTable)
						}
						if got != raw {
							t.Fatalf("%s: the rollup's rows differ from the raw rows:\n%s", name, firstDifference(raw, got))
						}
						if hasCounts(raw) {
							nonEmpty++
						}
					}
				}
			}
			// (2 zones × 3 periods + Lord Howe's 2 periods) × 2 intervals.
			if hourly != 16 {
				t.Errorf("%d results read the hourly rollup, want 16", hourly)
			}
			if nonEmpty < i/2 {
				t.Errorf("only %d of %d results had rows with calls: the comparison proves little", nonEmpty, i)
			}
		})
	}
	if reports != 5 {
		t.Errorf("%d reports declare a rollup, want the 5 interval KPIs over wh.calls", reports)
	}
}

func mustLoad(t *testing.T, zone string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// kpiCSV runs def as CSV on the given path ("" = the engine's choice) and
// returns the file and the path taken.
func kpiCSV(t *testing.T, b engine.Backend, def *engine.Definition, filters map[string]any, loc *time.Location, now time.Time, tenant uint32, path engine.Path) (string, engine.Path, string) {
	t.Helper()
	ctx := context.Background()
	comp, err := engine.Compile(ctx, def, filters, engine.CompileEnv{Tenant: tenant, Location: loc, Now: now, Tables: schema.Tables(), Path: path})
	if err != nil {
		t.Fatalf("%v: %v", filters, err)
	}
	var buf bytes.Buffer
	if _, err := export.Run(ctx, b, comp, export.CSV, "en", &buf, nil); err != nil {
		t.Fatalf("%v (%s): %v", filters, comp.Path, err)
	}
	return buf.String(), comp.Path, comp.PathReason
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n raw:    %q\n rollup: %q", i+1, a, b)
		}
	}
	return "(same lines)"
}

// hasCounts reports whether a CSV has a data line whose first count (the
// column after the interval) is not zero.
func hasCounts(csv string) bool {
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	for _, l := range lines[1:] {
		if f := strings.Split(l, ","); len(f) > 1 && f[1] != "0" && f[1] != "" {
			return true
		}
	}
	return false
}
