package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/export"
)

// Benchmarks print ratios against a reference measured in the same run; they
// never assert on time. Run with `make bench`.

const listingDef = `id: bench.calls_listing
version: 1
title: {pt-BR: "Bench: chamadas", en: "Bench: calls"}
category: bench
filters:
  - {name: period, type: period, required: true, label: {pt-BR: Período}}
  - {name: rows, type: int, required: true, label: {pt-BR: Linhas}}
limits: {max_rows: 100000000, timeout: 30m}
query: |
  SELECT call_id, caller, entered_queue_at, wait_ms / 1000 AS wait, outcome
  FROM wh.calls
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
  LIMIT {rows}
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
  - {name: caller, type: string, label: {pt-BR: Origem}}
  - {name: entered_queue_at, type: datetime, label: {pt-BR: Entrada}}
  - {name: wait, type: number, label: {pt-BR: Espera}}
  - {name: outcome, type: string, label: {pt-BR: Resultado}}
`

// runMeasured runs the relato binary and returns its wall time and peak RSS.
func runMeasured(b *testing.B, args ...string) (time.Duration, int64) {
	b.Helper()
	m := runMeasuredCPU(b, args...)
	return m.wall, m.rss
}

// measured is one run of the relato binary: wall time, peak RSS (bytes) and
// CPU time in user space and in the kernel.
type measured struct {
	wall, user, sys time.Duration
	rss             int64
}

func runMeasuredCPU(b *testing.B, args ...string) measured {
	b.Helper()
	cmd := exec.Command(relato, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("relato %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	el := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return measured{wall: el, rss: ru.Maxrss * 1024, user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano())}
}

func BenchmarkExportCSV_VersusClickHouseOutfile(b *testing.B) {
	needWarehouseB(b)
	dir := b.TempDir()
	data := filepath.Join(dir, "wh")
	defs := filepath.Join(dir, "defs", "bench")
	os.MkdirAll(defs, 0o755)
	os.WriteFile(filepath.Join(defs, "calls_listing.yaml"), []byte(listingDef), 0o644)
	// RELATO_BENCH_EXPORT_ROWS lists the sizes to export (make bench-quick:
	// 1000000); the table holds the largest.
	sizes := []int{1_000_000, 10_000_000}
	if v := os.Getenv("RELATO_BENCH_EXPORT_ROWS"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			var n int
			if _, err := fmt.Sscan(f, &n); err != nil || n <= 0 {
				b.Fatalf("RELATO_BENCH_EXPORT_ROWS: %q is not a number of rows", f)
			}
			sizes = append(sizes, n)
		}
	}
	total := slices.Max(sizes)
	// One tenant, 10M calls: every row of the listing is a call of tenant 1.
	runMeasured(b, "sql", "--data", data, "CREATE DATABASE IF NOT EXISTS wh")
	for _, s := range schema.Statements() {
		runMeasured(b, "sql", "--data", data, "--", s)
	}
	runMeasured(b, "sql", "--data", data, fmt.Sprintf(`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, caller, arrived_at, entered_queue_at, ended_at, outcome, wait_ms)
		SELECT 1, 101 + number %% 6, number, 1 + number %% 10, 'inbound', concat('+55119', leftPad(toString(cityHash64(number) %% 100000000), 8, '0')),
		       toDateTime('2024-01-01 00:00:00', 'UTC') + intDiv(number * 2592000, %d) AS t, t, t,
		       if(cityHash64(number, 1) %% 10 = 0, 'abandoned', 'answered'), cityHash64(number, 2) %% 120000
		FROM numbers(%d)`, total, total))
	runMeasured(b, "sql", "--data", data, "INSERT INTO wh.tenants (tenant_id, name, time_zone) VALUES (1, 'Bench', 'UTC')")
	// Merged first, as background merges would have done: a process that
	// opens the warehouse while parts are still to merge merges them while it
	// runs, and the run it shares the cores with took up to 6× longer.
	runMeasured(b, "sql", "--data", data, "OPTIMIZE TABLE wh.calls FINAL")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rss := map[int]int64{}
		for _, n := range sizes {
			// Three runs of each, interleaved, so a burst of load on the
			// machine falls on both sides; medians are printed.
			var engineTs, rawTs []time.Duration
			var engineRSS, rawRSS []int64
			var engineCPU, rawCPU []string // user+sys seconds of each run
			var es, rs int64
			out := filepath.Join(dir, "engine.csv")
			raw := filepath.Join(dir, "raw.csv")
			// Each run starts right after the other side's file of the same
			// size was removed and the disk has taken every write (sync, then a
			// second): on this virtual machine a process that needs page cache
			// memory the guest has not just freed spends seconds in the kernel
			// getting it (sys time 7–9 s for a 600 MB file, against 0.5 s), so a
			// run that follows no removal was up to 6× slower, whichever side.
			// A first reference run, not counted, provides the first file.
			quiesce := func(prev string) {
				os.Remove(prev)
				syscall.Sync()
				time.Sleep(time.Second)
			}
			refSQL := fmt.Sprintf("SELECT call_id, caller, entered_queue_at, wait_ms / 1000 AS wait, outcome FROM wh.calls WHERE tenant_id = 1 AND entered_queue_at >= '2024-01-01 00:00:00' AND entered_queue_at < '2024-01-31 00:00:00' LIMIT %d INTO OUTFILE '%s' FORMAT CSVWithNames", n, raw)
			quiesce(raw)
			runMeasured(b, "sql", "--data", data, "--format", "TabSeparated", refSQL)
			for k := 0; k < 3; k++ {
				quiesce(raw)
				em := runMeasuredCPU(b, "run", "bench.calls_listing", "--definitions", filepath.Join(dir, "defs"), "--data", data,
					"--tenant", "1", "--tz", "UTC", "--filter", "period=2024-01-01..2024-01-31", "--filter", fmt.Sprintf("rows=%d", n), "-o", out)
				st1, _ := os.Stat(out)
				quiesce(out)
				rm := runMeasuredCPU(b, "sql", "--data", data, "--format", "TabSeparated", refSQL)
				st2, _ := os.Stat(raw)
				es, rs = st1.Size(), st2.Size()
				engineTs, rawTs = append(engineTs, em.wall), append(rawTs, rm.wall)
				engineRSS, rawRSS = append(engineRSS, em.rss), append(rawRSS, rm.rss)
				engineCPU = append(engineCPU, fmt.Sprintf("%.2f+%.2f", em.user.Seconds(), em.sys.Seconds()))
				rawCPU = append(rawCPU, fmt.Sprintf("%.2f+%.2f", rm.user.Seconds(), rm.sys.Seconds()))
			}
			os.Remove(raw)
			engineT, rawT := median(engineTs), median(rawTs)
			rss[n] = slices.Max(engineRSS)
			fmt.Printf("ratio export-csv-%s relato/clickhouse: %.2f (medians of 3 interleaved runs: relato run %.2f s, %.2f M rows/s, %d MB, peak RSS %d MB | INTO OUTFILE … CSVWithNames %.2f s, %.2f M rows/s, %d MB, peak RSS %d MB; each run %s vs %s, CPU user+sys %s vs %s; goal >= 1.0)\n",
				rowsName(n), rawT.Seconds()/engineT.Seconds(), engineT.Seconds(), float64(n)/engineT.Seconds()/1e6, es>>20, rss[n]>>20,
				rawT.Seconds(), float64(n)/rawT.Seconds()/1e6, rs>>20, slices.Max(rawRSS)>>20, secondsList(engineTs), secondsList(rawTs),
				strings.Join(engineCPU, "/"), strings.Join(rawCPU, "/"))
		}
		if lo, hi := slices.Min(sizes), slices.Max(sizes); hi > lo {
			fmt.Printf("ratio peak-rss-%s/%s: %.2f (%d MB vs %d MB; goal <= 1.1)\n", rowsName(hi), rowsName(lo),
				float64(rss[hi])/float64(rss[lo]), rss[hi]>>20, rss[lo]>>20)
		}
	}
}

// secondsList is durations as "0.51/0.49/0.50 s".
func secondsList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(parts, "/") + " s"
}

// rowsName is a row count as people say it: 1M, 10M, 500k.
func rowsName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func needWarehouseB(b *testing.B) {
	if data == "" {
		b.Skip("libchdb.so not available")
	}
}

// BenchmarkKPIs_100MCalls_EngineVersusRawSQL times every KPI report that
// reads wh.calls through the engine (compile, tenant scope, typed parameters,
// CSV writer) against its own compiled SQL run by hand with the values written
// in as literals, over 100M calls in one month.
// It forces the raw query: the rollup has its own benchmark
// (bench_rollup_test.go).
func BenchmarkKPIs_100MCalls_EngineVersusRawSQL(b *testing.B) {
	needWarehouseB(b)
	calls := int64(100_000_000)
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
	runMeasured(b, "sql", "--data", data, fmt.Sprintf(`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, caller, arrived_at, entered_queue_at, ended_at, outcome, wait_ms, talk_ms, hold_ms, wrap_ms, queue_position, ivr_path)
		SELECT 1, 101 + number %% 6, number, 1 + number %% 10, 'inbound', '+5511999990000',
		       toDateTime('2024-01-01 03:00:00', 'UTC') + intDiv(number * 2678400, %d) AS t, t, t,
		       multiIf(cityHash64(number, 1) %% 100 < 3, 'ivr_abandoned', cityHash64(number, 1) %% 100 < 13, 'abandoned', 'answered'),
		       cityHash64(number, 2) %% 60000, cityHash64(number, 3) %% 600000, cityHash64(number, 4) %% 30000, cityHash64(number, 5) %% 60000,
		       1 + number %% 20, 'menu>1'
		FROM numbers(%d)`, calls, calls))
	runMeasured(b, "sql", "--data", data, "OPTIMIZE TABLE wh.calls FINAL")
	fmt.Printf("loaded %d calls in %s\n", calls, time.Since(start).Round(time.Second))
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
	b.ResetTimer()
	for _, def := range cat.List() {
		if def.Category != "kpis" || !strings.Contains(def.Query, "wh.calls") || def.Filter("period") == nil {
			continue
		}
		comp, err := engine.Compile(ctx, def, map[string]any{"period": "2024-01-01..2024-01-31"},
			engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables(), Path: engine.PathRaw})
		if err != nil {
			b.Fatal(err)
		}
		// The reference is the SQL a person would write: the values as
		// literals and the tenant as a predicate on the calls.
		raw := withTenantPredicate(b, inlineParams(comp.Query), 1) + "\nSETTINGS session_timezone = 'America/Sao_Paulo'"
		var engineTimes, rawTimes []time.Duration
		for i := 0; i < 5*b.N; i++ {
			t0 := time.Now()
			comp, _ := engine.Compile(ctx, def, map[string]any{"period": "2024-01-01..2024-01-31"},
				engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables(), Path: engine.PathRaw})
			res, err := export.Run(ctx, be, comp, export.CSV, "pt-BR", io.Discard, nil)
			if err != nil {
				b.Fatal(err)
			}
			engineTimes = append(engineTimes, time.Since(t0))
			t1 := time.Now()
			out, err := be.QueryText(ctx, raw, "CSV")
			if err != nil {
				b.Fatalf("%s raw: %v", def.ID, err)
			}
			rawTimes = append(rawTimes, time.Since(t1))
			if lines := int64(bytes.Count(out, []byte("\n"))); lines != res.Rows && !res.Truncated {
				b.Fatalf("%s: engine gave %d rows, raw SQL %d", def.ID, res.Rows, lines)
			}
		}
		e, r := median(engineTimes), median(rawTimes)
		fmt.Printf("ratio kpi-raw-path %s engine/sql: %.3f (over %d calls: engine %s, its SQL with literal values and the tenant predicate %s, medians of %d; overhead %+.1f%%, goal <= 5%%)\n",
			def.ID, e.Seconds()/r.Seconds(), calls, e.Round(time.Millisecond), r.Round(time.Millisecond), len(engineTimes), (e.Seconds()/r.Seconds()-1)*100)
	}
}

// inlineParams writes each {name:Type} parameter as a typed literal, giving
// the SQL a person would write by hand for the same values.
func inlineParams(q engine.Query) string {
	sql := q.SQL
	for name, text := range q.Params {
		i := strings.Index(sql, "{"+name+":")
		for i >= 0 {
			j := strings.IndexByte(sql[i:], '}')
			typ := sql[i+len(name)+2 : i+j]
			sql = sql[:i] + "CAST(" + chsql.QuoteString(text) + " AS " + typ + ")" + sql[i+j+1:]
			i = strings.Index(sql, "{"+name+":")
		}
	}
	return sql
}

var callsTable = regexp.MustCompile(`FROM wh\.calls(?:\s+AS\s+(\w+))?`)

// withTenantPredicate adds "tenant_id = tenant AND" at the start of the WHERE
// that follows the query's FROM wh.calls (qualified by its alias).
func withTenantPredicate(b *testing.B, sql string, tenant uint32) string {
	m := callsTable.FindStringSubmatchIndex(sql)
	if m == nil {
		b.Fatalf("no FROM wh.calls in %s", sql)
	}
	w := strings.Index(sql[m[1]:], "WHERE ")
	if w < 0 {
		b.Fatalf("no WHERE after FROM wh.calls in %s", sql)
	}
	col := "tenant_id"
	if m[2] >= 0 {
		col = sql[m[2]:m[3]] + ".tenant_id"
	}
	at := m[1] + w + len("WHERE ")
	return sql[:at] + fmt.Sprintf("%s = %d AND ", col, tenant) + sql[at:]
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
