package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/export"
)

// BenchmarkKPIRollup_10MCalls_RawVersusRollup is the quick check (`make
// bench-quick`): kpis.service_level over 10M calls in one month, the raw query
// forced against the rollup the engine chooses, both through the engine and
// the CSV writer, in the same run. It fails if the two files differ.
func BenchmarkKPIRollup_10MCalls_RawVersusRollup(b *testing.B) {
	benchKPIRollups(b, 10_000_000, []string{"kpis.service_level"})
}

// BenchmarkKPIRollups_100MCalls_RawVersusRollup is the full measure (`make
// bench`): the five interval KPIs over 100M calls in one month, raw forced
// against the rollup, each file compared byte for byte. RELATO_BENCH_CALLS
// overrides the number of calls.
func BenchmarkKPIRollups_100MCalls_RawVersusRollup(b *testing.B) {
	benchKPIRollups(b, 100_000_000, nil)
}

// benchKPIRollups loads calls into a fresh embedded warehouse (the view fills
// the rollup as they are inserted; both tables are then merged, as background
// merges would) and prints, per report, the median of 5 runs of each path and
// a `ratio` line.
func benchKPIRollups(b *testing.B, calls int64, only []string) {
	needWarehouseB(b)
	if s := os.Getenv("RELATO_BENCH_CALLS"); s != "" {
		fmt.Sscan(s, &calls)
	}
	dir := b.TempDir()
	data := filepath.Join(dir, "wh")
	runMeasured(b, "sql", "--data", data, "CREATE DATABASE IF NOT EXISTS wh")
	for _, s := range schema.Statements() {
		runMeasured(b, "sql", "--data", data, "--", s)
	}
	start := time.Now()
	// The same calls as BenchmarkKPIs_100MCalls_EngineVersusRawSQL: one tenant,
	// 6 wallets, 10 queues, 3 % IVR hang-ups, 10 % abandons, waits up to 60 s.
	runMeasured(b, "sql", "--data", data, fmt.Sprintf(`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, caller, arrived_at, entered_queue_at, ended_at, outcome, wait_ms, talk_ms, hold_ms, wrap_ms, queue_position, ivr_path)
		SELECT 1, 101 + number %% 6, number, 1 + number %% 10, 'inbound', '+5511999990000',
		       toDateTime('2024-01-01 03:00:00', 'UTC') + intDiv(number * 2678400, %d) AS t, t, t,
		       multiIf(cityHash64(number, 1) %% 100 < 3, 'ivr_abandoned', cityHash64(number, 1) %% 100 < 13, 'abandoned', 'answered'),
		       cityHash64(number, 2) %% 60000, cityHash64(number, 3) %% 600000, cityHash64(number, 4) %% 30000, cityHash64(number, 5) %% 60000,
		       1 + number %% 20, 'menu>1'
		FROM numbers(%d)`, calls, calls))
	loaded := time.Since(start)
	runMeasured(b, "sql", "--data", data, "OPTIMIZE TABLE wh.calls FINAL")
	runMeasured(b, "sql", "--data", data, "OPTIMIZE TABLE wh.calls_15m FINAL")
	runMeasured(b, "sql", "--data", data, "OPTIMIZE TABLE wh.calls_1h FINAL")
	fmt.Printf("loaded %d calls (rollup filled by the view) in %s, merged in %s\n", calls, loaded.Round(time.Second), (time.Since(start) - loaded).Round(time.Second))
	be, err := chdb.Open(data)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	ctx := context.Background()
	filters := map[string]any{"period": "2024-01-01..2024-01-31"}
	why := ""
	run := func(def *engine.Definition, path engine.Path) (time.Duration, []byte, engine.Path) {
		t0 := time.Now()
		comp, err := engine.Compile(ctx, def, filters, engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables(), Path: path})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := export.Run(ctx, be, comp, export.CSV, "pt-BR", &buf, nil); err != nil {
			b.Fatalf("%s (%s): %v", def.ID, comp.Path, err)
		}
		if comp.Path == engine.PathRollup {
			why = comp.PathReason
		}
		return time.Since(t0), buf.Bytes(), comp.Path
	}
	b.ResetTimer()
	for _, def := range cat.List() {
		if def.Rollup == nil || (only != nil && !containsString(only, def.ID)) {
			continue
		}
		var rawTimes, rollupTimes []time.Duration
		for i := 0; i < 5*b.N; i++ {
			rt, raw, _ := run(def, engine.PathRaw)
			ut, rolled, path := run(def, "")
			if path != engine.PathRollup {
				b.Fatalf("%s: the engine chose %s, want the rollup", def.ID, path)
			}
			if !bytes.Equal(raw, rolled) {
				b.Fatalf("%s: the rollup's CSV differs from the raw query's", def.ID)
			}
			rawTimes, rollupTimes = append(rawTimes, rt), append(rollupTimes, ut)
		}
		r, u := median(rawTimes), median(rollupTimes)
		fmt.Printf("%-32s over %d calls, one month: raw %7s, rollup %7s (%s; median of %d, identical CSV)\n",
			def.ID, calls, r.Round(time.Millisecond), u.Round(time.Millisecond), why, len(rawTimes))
		fmt.Printf("ratio kpi rollup/raw %-24s %.3f (rollup %.1f× faster; goal: rollup < 100 ms)\n", def.ID, u.Seconds()/r.Seconds(), r.Seconds()/u.Seconds())
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
