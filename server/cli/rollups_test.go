package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/relato/relato/definitions/schema"
)

func TestRollupsRebuild_RecomputesOneTenantsRangeIdempotently(t *testing.T) {
	needWarehouse(t)
	wh := filepath.Join(t.TempDir(), "wh")
	sql := func(stmt string) string {
		t.Helper()
		out, errOut, code := runRelato(t, nil, "sql", "--data", wh, "--format", "TabSeparated", "--", stmt)
		if code != 0 {
			t.Fatalf("sql %.60q: exit %d: %s", stmt, code, errOut)
		}
		return out
	}
	for _, s := range schema.Statements() {
		sql(s)
	}
	// Times in UTC. Waits: 20 s → rank 40; 3.5 s → rank 2·3 + 1 = 7.
	sql(`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, entered_queue_at, outcome, wait_ms)
		SELECT c.1, 1, c.2, 10, 'inbound', toDateTime(c.3, 'UTC'), c.4, c.5 FROM (SELECT arrayJoin([
			(1, 1, '2024-03-01 10:00:00', 'answered', 20000),
			(1, 2, '2024-03-01 10:14:59', 'abandoned', 3500),
			(1, 3, '2024-03-01 10:15:00', 'answered', 1000),
			(1, 4, '2024-03-02 00:00:00', 'answered', 5000),
			(2, 5, '2024-03-01 10:05:00', 'answered', 7000)]) AS c)`)
	// Damage the rollup: +100 answered in tenant 1's 10:00 bucket, +7 in its
	// 03-02 bucket (outside the range rebuilt first), +50 in tenant 2's 10:00.
	sql(`INSERT INTO wh.calls_15m (tenant_id, wallet_id, queue_id, bucket, answered)
		SELECT d.1, 1, 10, toDateTime(d.2, 'UTC'), d.3 FROM (SELECT arrayJoin([
			(1, '2024-03-01 10:00:00', 100), (1, '2024-03-02 00:00:00', 7), (2, '2024-03-01 10:00:00', 50)]) AS d)`)
	state := func() string {
		return sql(`SELECT tenant_id, toString(toDateTime(bucket, 'UTC')), sum(answered), sumMap(answered_waits), sumMap(abandoned_waits)
			FROM wh.calls_15m GROUP BY tenant_id, bucket ORDER BY tenant_id, bucket`)
	}
	// wh.calls_1h is fed from wh.calls_15m (the damage reached it too).
	hourly := func() string {
		return sql(`SELECT tenant_id, toString(toDateTime(bucket, 'UTC')), sum(answered), sumMap(answered_waits), sumMap(abandoned_waits)
			FROM wh.calls_1h GROUP BY tenant_id, bucket ORDER BY tenant_id, bucket`)
	}
	rebuild := func(args ...string) {
		t.Helper()
		_, errOut, code := runRelato(t, nil, append([]string{"rollups", "rebuild", "--data", wh}, args...)...)
		if code != 0 || !strings.Contains(errOut, "rebuilt wh.calls_15m") {
			t.Fatalf("rebuild %v: exit %d: %s", args, code, errOut)
		}
	}
	// 10:07 widens down to the 10:00 bucket, 12:00 is a boundary already.
	rebuild("--tenant", "1", "--from", "2024-03-01T10:07:00Z", "--to", "2024-03-01T12:00:00Z")
	want := strings.Join([]string{
		"1\t2024-03-01 10:00:00\t1\t{40:1}\t{7:1}", // calls 1 and 2
		"1\t2024-03-01 10:15:00\t1\t{2:1}\t{}",     // call 3: 1 s → rank 2
		"1\t2024-03-02 00:00:00\t8\t{10:1}\t{}",    // outside the range: 1 + 7 damaged
		"2\t2024-03-01 10:00:00\t51\t{14:1}\t{}",   // another tenant: 1 + 50 damaged
	}, "\n") + "\n"
	if got := state(); got != want {
		t.Fatalf("after rebuilding tenant 1's 10:00–12:00:\n%s\nwant:\n%s", got, want)
	}
	wantHourly := strings.Join([]string{
		"1\t2024-03-01 10:00:00\t2\t{2:1,40:1}\t{7:1}", // calls 1, 2 and 3
		"1\t2024-03-02 00:00:00\t8\t{10:1}\t{}",        // outside the range: 1 + 7 damaged
		"2\t2024-03-01 10:00:00\t51\t{14:1}\t{}",       // another tenant: 1 + 50 damaged
	}, "\n") + "\n"
	if got := hourly(); got != wantHourly {
		t.Fatalf("wh.calls_1h after rebuilding tenant 1's 10:00–12:00:\n%s\nwant:\n%s", got, wantHourly)
	}
	rebuild("--tenant", "1", "--from", "2024-03-01T10:07:00Z", "--to", "2024-03-01T12:00:00Z")
	if got := state(); got != want {
		t.Fatalf("a second rebuild changed the rollup:\n%s\nwant:\n%s", got, want)
	}
	rebuild()
	want = strings.Join([]string{
		"1\t2024-03-01 10:00:00\t1\t{40:1}\t{7:1}",
		"1\t2024-03-01 10:15:00\t1\t{2:1}\t{}",
		"1\t2024-03-02 00:00:00\t1\t{10:1}\t{}",
		"2\t2024-03-01 10:00:00\t1\t{14:1}\t{}",
	}, "\n") + "\n"
	if got := state(); got != want {
		t.Fatalf("after rebuilding everything:\n%s\nwant:\n%s", got, want)
	}
	wantHourly = strings.Join([]string{
		"1\t2024-03-01 10:00:00\t2\t{2:1,40:1}\t{7:1}",
		"1\t2024-03-02 00:00:00\t1\t{10:1}\t{}",
		"2\t2024-03-01 10:00:00\t1\t{14:1}\t{}",
	}, "\n") + "\n"
	if got := hourly(); got != wantHourly {
		t.Fatalf("wh.calls_1h after rebuilding everything:\n%s\nwant:\n%s", got, wantHourly)
	}

	for _, tc := range []struct{ args []string }{
		{[]string{"rollups"}},
		{[]string{"rollups", "rebuild", "--data", wh, "--from", "yesterday"}},
		{[]string{"rollups", "rebuild", "--data", wh, "--from", "2024-03-02", "--to", "2024-03-01"}},
	} {
		_, errOut, code := runRelato(t, nil, tc.args...)
		if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "relato: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one clear line", tc.args, code, errOut)
		}
	}
}

func TestRun_SaysWhichQueryAKPIRan(t *testing.T) {
	needWarehouse(t)
	base := []string{"run", "kpis.service_level", "--data", data, "--tz", "America/Sao_Paulo", "--filter", "period=2024-03-01..2024-03-02"}
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		// The default interval is 1 h and São Paulo is whole hours from UTC:
		// the hourly rollup serves it; 15-minute intervals need wh.calls_15m.
		{"whole local days read the hourly rollup", nil, ", from the rollup wh.calls_1h"},
		{"15-minute intervals read the 15-minute rollup", []string{"--filter", "interval=15m"}, ", from the rollup wh.calls_15m"},
		{"hourly intervals in Kathmandu (+05:45) read the 15-minute rollup", []string{"--tz", "Asia/Kathmandu"}, ", from the rollup wh.calls_15m"},
		{"a threshold of 20.5 s reads the raw rows", []string{"--filter", "threshold=20500ms"}, ", raw: the filters need the raw rows (rollup.when:"},
		{"a period ending at 10:07 reads the raw rows", []string{"--filter", "period=2024-03-01T00:00..2024-03-01T10:07"}, ", raw: the period's end 2024-03-01T10:07:00-03:00 is not on a 15m boundary in UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runRelato(t, nil, append(append([]string{}, base...), tc.extra...)...)
			if code != 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want it to contain %q", code, errOut, tc.want)
			}
		})
	}
}
