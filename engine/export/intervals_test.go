package export_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/export"
)

// KPI files over clock changes and odd offsets (issue 13), run on the
// embedded ClickHouse with the catalog's kpis.service_level. Calls are
// inserted at UTC instants; expected values are worked out by hand below.

// serviceLevelCSV loads calls (UTC "YYYY-MM-DD hh:mm:ss", outcome, wait in
// ms) for tenant 1, runs kpis.service_level in zone over period at interval
// and returns the CSV's lines without the header, keeping only the interval,
// offered, answered and SL columns. extra adds filter values.
func serviceLevelCSV(t *testing.T, zone, period, interval string, calls [][3]string, extra map[string]any) []string {
	t.Helper()
	b := enginetest.ChDB(t)
	ctx := context.Background()
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		t.Fatal(err)
	}
	def := *cat.Reports["kpis.service_level"]
	filters := map[string]any{"period": period, "interval": interval}
	for k, v := range extra {
		filters[k] = v
	}
	r := engine.FixtureRunner{Backend: b, Warehouse: engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	// The KPI rollup is fed by inserts only: clear it with the calls.
	for _, table := range []string{"wh.calls", "wh.calls_15m"} {
		if err := b.Exec(ctx, "TRUNCATE TABLE "+table); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range calls {
		sql := "INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, entered_queue_at, outcome, wait_ms) VALUES (1, 1, " +
			strings.Repeat("1", i+1) + ", 10, 'inbound', '" + c[0] + "', '" + c[1] + "', " + c[2] + ")"
		if err := b.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := engine.Compile(ctx, &def, filters,
		engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Tables: schema.Tables()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := export.Run(ctx, b, comp, export.CSV, "pt-BR", &buf, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	var out []string
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		out = append(out, strings.Join([]string{f[0], f[1], f[2], f[len(f)-1]}, ","))
	}
	return out
}

func TestServiceLevel_FallBackDayInSaoPauloKeepsTheTwo23hRowsApart(t *testing.T) {
	// São Paulo fell back at 2019-02-17 00:00 -02:00 (02:00 UTC) to
	// 2019-02-16 23:00 -03:00: the hour 23:00–23:59 of the 16th happened twice.
	// Period 2019-02-16 (the whole local day, 25 hours): 02:00 UTC on the
	// 16th to 03:00 UTC on the 17th. T = 20 s, abandons negative.
	calls := [][3]string{
		{"2019-02-16 13:00:00", "answered", "5000"},   // 11:00 -02
		{"2019-02-17 01:10:00", "answered", "5000"},   // 23:10 -02, the first 23h
		{"2019-02-17 02:10:00", "abandoned", "30000"}, // 23:10 -03, the second 23h
		{"2019-02-17 02:20:00", "answered", "30000"},  // 23:20 -03
		{"2019-02-17 03:00:00", "answered", "1000"},   // 00:00 -03 on the 17th: after the period
	}
	got := serviceLevelCSV(t, "America/Sao_Paulo", "2019-02-16..2019-02-16", "1h", calls, map[string]any{"only_with_calls": true})
	want := []string{
		// 11h: 1 offered, answered within 20 s → 1/1 = 100 %.
		"2019-02-16 11:00:00,1,1,100.00",
		// first 23h (-02:00): 1 offered, answered in 5 s → 100 %.
		"2019-02-16 23:00:00-02:00,1,1,100.00",
		// second 23h (-03:00): abandoned after 30 s and answered after 30 s:
		// 2 offered, none within 20 s → 0/2 = 0 %.
		"2019-02-16 23:00:00-03:00,2,1,0.00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The 30-minute bucket is the zone's wall clock: the local hour (toStartOfHour
// follows the session zone, also at +08:45) plus the whole half hours since
// it, as kpis.service_level writes it. ClickHouse's toStartOfInterval(…,
// INTERVAL 30 MINUTE) counts half hours from the Unix epoch in UTC, which in
// Eucla would start buckets at :15 and :45.
func TestServiceLevel_ThirtyMinutesInEuclaAreLocalHalfHours(t *testing.T) {
	// Eucla is +08:45 all year. Local 10:05, 10:20, 10:40 and 11:10 on
	// 2024-03-01 are 01:20, 01:35, 01:55 and 02:25 UTC.
	calls := [][3]string{
		{"2024-03-01 01:20:00", "answered", "5000"},   // 10:05 → 10:00
		{"2024-03-01 01:35:00", "answered", "30000"},  // 10:20 → 10:00
		{"2024-03-01 01:55:00", "abandoned", "10000"}, // 10:40 → 10:30
		{"2024-03-01 02:25:00", "answered", "1000"},   // 11:10 → 11:00
	}
	got := serviceLevelCSV(t, "Australia/Eucla", "2024-03-01..2024-03-01", "30m", calls, map[string]any{"only_with_calls": true})
	want := []string{
		// 10:00: answered in 5 s and in 30 s: 1 of 2 within 20 s = 50 %.
		"2024-03-01 10:00:00,2,2,50.00",
		// 10:30: abandoned after 10 s: offered 1, answered 0, within 0 → 0 %.
		"2024-03-01 10:30:00,1,0,0.00",
		// 11:00: answered in 1 s → 100 %.
		"2024-03-01 11:00:00,1,1,100.00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestServiceLevel_TheFullGridInEuclaIsLocalHalfHours(t *testing.T) {
	// The same calls with the default full grid: a local day of 24 h × 2 = 48
	// half hours from 00:00 to 23:30 local, the three with calls as above.
	calls := [][3]string{
		{"2024-03-01 01:20:00", "answered", "5000"},   // 10:05 → 10:00
		{"2024-03-01 01:35:00", "answered", "30000"},  // 10:20 → 10:00
		{"2024-03-01 01:55:00", "abandoned", "10000"}, // 10:40 → 10:30
		{"2024-03-01 02:25:00", "answered", "1000"},   // 11:10 → 11:00
	}
	got := serviceLevelCSV(t, "Australia/Eucla", "2024-03-01..2024-03-01", "30m", calls, nil)
	if len(got) != 48 {
		t.Fatalf("%d rows, want 48:\n%s", len(got), strings.Join(got, "\n"))
	}
	if got[0] != "2024-03-01 00:00:00,0,0," || got[47] != "2024-03-01 23:30:00,0,0," {
		t.Errorf("first and last half hours: %q, %q", got[0], got[47])
	}
	// 10:00 is the 21st half hour (index 20 = 10 h × 2).
	if got[20] != "2024-03-01 10:00:00,2,2,50.00" || got[21] != "2024-03-01 10:30:00,1,0,0.00" || got[22] != "2024-03-01 11:00:00,1,1,100.00" {
		t.Errorf("rows with calls: %q", got[20:23])
	}
}
