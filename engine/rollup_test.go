package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestRollupMisfit_ServesPeriodsOnQuarterHoursInZonesOfWholeQuarterHours(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name     string
		zone     *time.Location
		from, to string
		want     string // "" = served; else a part of the reason
	}{
		{"a São Paulo day (-03:00) is served", mustZone(t, "America/Sao_Paulo"), "2024-03-01T03:00:00Z", "2024-03-02T03:00:00Z", ""},
		// Kathmandu's day starts at 18:15 UTC: a quarter hour, so every local
		// 15m/30m/1h/1d interval is a union of 15-minute UTC buckets.
		{"a Kathmandu day (+05:45) is served", mustZone(t, "Asia/Kathmandu"), "2024-02-29T18:15:00Z", "2024-03-01T18:15:00Z", ""},
		{"a Chatham month across its DST change (+13:45 → +12:45) is served", mustZone(t, "Pacific/Chatham"), "2024-03-31T10:15:00Z", "2024-04-30T11:15:00Z", ""},
		{"Kathmandu across its 1986 change from +05:30 to +05:45 is served", mustZone(t, "Asia/Kathmandu"), "1985-12-31T18:30:00Z", "1986-01-02T18:15:00Z", ""},
		{"a New York month across the spring-forward day is served", mustZone(t, "America/New_York"), "2024-03-01T05:00:00Z", "2024-04-01T04:00:00Z", ""},
		{"a start off the quarter hour is not", time.UTC, "2024-03-01T10:07:00Z", "2024-03-02T00:00:00Z", "period's start"},
		{"an end off the quarter hour is not", time.UTC, "2024-03-01T00:00:00Z", "2024-03-01T10:00:01Z", "period's end"},
		{"Monrovia in 1971 (-00:44:30) is not, even on aligned bounds", mustZone(t, "Africa/Monrovia"), "1971-06-01T00:00:00Z", "1971-06-02T00:00:00Z", "UTC-00:44:30"},
		{"a period reaching back before Monrovia's 1972 change is not", mustZone(t, "Africa/Monrovia"), "1972-01-01T00:00:00Z", "1972-01-10T00:00:00Z", "UTC-00:44:30"},
		{"Monrovia after its 1972 change (GMT) is served", mustZone(t, "Africa/Monrovia"), "1972-01-08T00:00:00Z", "1972-01-10T00:00:00Z", ""},
		{"a fixed zone of +05:10:07 is not", time.FixedZone("ODD", 5*3600+10*60+7), "2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", "UTC+05:10:07"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rollupMisfit(Period{From: utc(tc.from), To: utc(tc.to)}, 15*time.Minute, tc.zone)
			if tc.want == "" && got != "" {
				t.Fatalf("not served: %s", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("reason %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

const rollupDef = `id: test.rollup
version: 1
title: {pt-BR: T, en: T}
category: test
filters:
  - {name: period, type: period, required: true}
  - {name: threshold, type: duration, default: 20s}
limits: {max_rows: 10, timeout: 1m}
rollup:
  table: wh.calls_15m
  bucket: 15m
  when: "threshold.Milliseconds() % 1000 == 0"
  query: |
    SELECT count() AS n FROM wh.calls_15m WHERE bucket >= {period.from} AND bucket < {period.to} AND {threshold} > 0
query: |
  SELECT count() AS n FROM wh.calls WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to} AND {threshold} > 0
columns:
  - {name: n, type: int, label: {pt-BR: N, en: N}}
`

func TestCompile_ChoosesTheRollupOnlyWhenItIsExact(t *testing.T) {
	t.Parallel()
	d, ps := ParseDefinition("rollup.yaml", []byte(rollupDef))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	sp := mustZone(t, "America/Sao_Paulo")
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, sp)
	for _, tc := range []struct {
		name    string
		zone    *time.Location
		filters map[string]any
		force   Path
		want    Path
		why     string
	}{
		{"whole local days in São Paulo read the rollup", sp, map[string]any{"period": "2024-03-01..2024-03-02"}, "", PathRollup, "rollup wh.calls_15m"},
		{"a period ending at 10:07 reads the raw rows", sp, map[string]any{"period": "2024-03-01T00:00..2024-03-01T10:07"}, "", PathRaw, "period's end"},
		{"a threshold of 20.5 s fails rollup.when and reads the raw rows", sp, map[string]any{"period": "2024-03-01..2024-03-02", "threshold": "20500ms"}, "", PathRaw, "rollup.when"},
		{"Monrovia in 1971 reads the raw rows", mustZone(t, "Africa/Monrovia"), map[string]any{"period": "1971-06-01..1971-06-01"}, "", PathRaw, "not on a 15m boundary"},
		{"raw can be forced", sp, map[string]any{"period": "2024-03-01..2024-03-02"}, PathRaw, PathRaw, "requested"},
		{"the rollup can be forced where it is not exact", sp, map[string]any{"period": "2024-03-01..2024-03-02", "threshold": "20500ms"}, PathRollup, PathRollup, "requested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compile(context.Background(), d, tc.filters, CompileEnv{Tenant: 1, Location: tc.zone, Now: now, Path: tc.force})
			if err != nil {
				t.Fatal(err)
			}
			if c.Path != tc.want || !strings.Contains(c.PathReason, tc.why) {
				t.Fatalf("path %s (%s), want %s (%s)", c.Path, c.PathReason, tc.want, tc.why)
			}
			table := "wh.calls "
			if tc.want == PathRollup {
				table = "wh.calls_15m "
			}
			if !strings.Contains(c.Query.SQL, "FROM "+table) {
				t.Errorf("query does not read %s: %s", table, c.Query.SQL)
			}
		})
	}
	if _, err := Compile(context.Background(), d, map[string]any{"period": "2024-03-01..2024-03-02"}, CompileEnv{Tenant: 1, Location: sp, Now: now, Path: "fast"}); err == nil || !strings.Contains(err.Error(), `unknown query path "fast"`) {
		t.Errorf("an unknown path gave %v", err)
	}
	// A rule that fails while running costs speed, not the run.
	broken := *d
	r := *d.Rollup
	r.When = "threshold.Milliseconds() % 0 == 0"
	broken.Rollup = &r
	c, err := Compile(context.Background(), &broken, map[string]any{"period": "2024-03-01..2024-03-02"}, CompileEnv{Tenant: 1, Location: sp, Now: now})
	if err != nil {
		t.Fatalf("a failing rollup.when failed the compile: %v", err)
	}
	if c.Path != PathRaw || !strings.Contains(c.PathReason, "could not be evaluated") {
		t.Errorf("a failing rollup.when gave path %q (%s); want the raw query", c.Path, c.PathReason)
	}
}

func TestParseDefinition_RollupProblemsPointAtTheirToken(t *testing.T) {
	t.Parallel()
	bad := strings.NewReplacer(
		"  bucket: 15m\n", "  bucket: 7m\n",
		"FROM wh.calls_15m WHERE", "FROM wh.calls WHERE",
		"AND {threshold} > 0\nquery", "AND {treshold} > 0\nquery",
		`when: "threshold.Milliseconds() % 1000 == 0"`, `when: "threshold +"`,
	).Replace(rollupDef)
	_, ps := ParseDefinition("bad.yaml", []byte(bad))
	got := ps.Error()
	for _, want := range []string{
		`bad.yaml:11:11: rollup.bucket "7m" must be a whole number of minutes that divides a day`,
		`bad.yaml:12:9: rollup.when:`,
		`bad.yaml:14:5: rollup.query: must read wh.calls_15m (rollup.table)`,
		`bad.yaml:14:98: rollup.query: unknown placeholder {treshold}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// coarserDef is rollupDef with an hourly table for a "grain" filter's 1h.
var coarserDef = strings.NewReplacer(
	"  - {name: threshold, type: duration, default: 20s}\n",
	"  - {name: threshold, type: duration, default: 20s}\n  - {name: grain, type: enum, values: [15m, 1h], default: 1h}\n",
	"  bucket: 15m\n",
	"  bucket: 15m\n  coarser:\n    - {table: wh.calls_1h, bucket: 1h, when: 'grain == \"1h\"'}\n",
	"AND {threshold} > 0\n", "AND {threshold} > 0 AND {grain} != ''\n",
).Replace(rollupDef)

func TestCompile_TakesTheCoarserRollupWhereItsBucketsFit(t *testing.T) {
	t.Parallel()
	d, ps := ParseDefinition("coarser.yaml", []byte(coarserDef))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	sp := mustZone(t, "America/Sao_Paulo")
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, sp)
	for _, tc := range []struct {
		name    string
		zone    *time.Location
		filters map[string]any
		want    string // the table the query reads
	}{
		// São Paulo's days start at 03:00 UTC: whole UTC hours.
		{"hourly grain in São Paulo reads wh.calls_1h", sp, map[string]any{"period": "2024-03-01..2024-03-02"}, "wh.calls_1h"},
		{"15-minute grain reads wh.calls_15m", sp, map[string]any{"period": "2024-03-01..2024-03-02", "grain": "15m"}, "wh.calls_15m"},
		// Kathmandu's days start at 18:15 UTC: on 15-minute boundaries only.
		{"Kathmandu (+05:45) reads wh.calls_15m", mustZone(t, "Asia/Kathmandu"), map[string]any{"period": "2024-03-01..2024-03-02"}, "wh.calls_15m"},
		{"a period ending at 10:15 reads wh.calls_15m", sp, map[string]any{"period": "2024-03-01T00:00..2024-03-01T10:15"}, "wh.calls_15m"},
		// rollup.when fails: neither rollup.
		{"a threshold of 20.5 s reads wh.calls", sp, map[string]any{"period": "2024-03-01..2024-03-02", "threshold": "20500ms"}, "wh.calls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compile(context.Background(), d, tc.filters, CompileEnv{Tenant: 1, Location: tc.zone, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Query.SQL, "FROM "+tc.want+" ") {
				t.Errorf("query does not read %s (%s): %s", tc.want, c.PathReason, c.Query.SQL)
			}
			if tc.want != "wh.calls" && c.PathReason != "rollup "+tc.want {
				t.Errorf("reason %q, want %q", c.PathReason, "rollup "+tc.want)
			}
		})
	}
}

func TestParseDefinition_CoarserRollupProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ from, to, want string }{
		{"table: wh.calls_1h, bucket: 1h", "table: wh.calls_15m, bucket: 1h", `coarser.yaml:14:7: rollup.coarser.table "wh.calls_15m" must be another warehouse table`},
		{"table: wh.calls_1h, bucket: 1h", "table: wh.calls_1h, bucket: 20m", `coarser.yaml:14:7: rollup.coarser.bucket 20m must be a multiple of rollup.bucket 15m`},
		{"table: wh.calls_1h, bucket: 1h", "table: wh.calls_1h, bucket: 5m", `rollup.coarser.bucket 5m must be a multiple of rollup.bucket 15m, longer than it`},
		{"table: wh.calls_1h, bucket: 1h", "table: wh.calls_1h", `coarser.yaml:14:7: rollup.coarser: missing required field "bucket"`},
		{"when: 'grain == \"1h\"'", "when: 'grian == \"1h\"'", `coarser.yaml:14:46: rollup.coarser.when:`},
		{"bucket: 1h,", "bucket: 1h, buckte: 2h,", `rollup.coarser: unknown field "buckte"`},
	} {
		_, ps := ParseDefinition("coarser.yaml", []byte(strings.Replace(coarserDef, tc.from, tc.to, 1)))
		if !strings.Contains(ps.Error(), tc.want) {
			t.Errorf("%s → %s: problems lack %q:\n%s", tc.from, tc.to, tc.want, ps.Error())
		}
	}
}

func TestReplaceName_ReplacesOnlyTheWholeName(t *testing.T) {
	t.Parallel()
	got := replaceName("SELECT 1 FROM wh.calls_15m JOIN wh.calls_15m_mv ON x.wh.calls_15m = 1 WHERE (wh.calls_15m.a)", "wh.calls_15m", "wh.calls_1h")
	want := "SELECT 1 FROM wh.calls_1h JOIN wh.calls_15m_mv ON x.wh.calls_15m = 1 WHERE (wh.calls_1h.a)"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
