package seed_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine/backend/chdb"
)

// One chDB directory per process: every test shares wh, which holds the
// "test" scale seeded with testOptions unless a test says otherwise (and puts
// it back).
var wh *chdb.Backend

// testEnd is 2025-03-15 11:30 in São Paulo, so the 21-day window is the local
// days 2025-02-22 .. 2025-03-14, i.e. [2025-02-22 03:00, 2025-03-15 03:00) UTC.
var testEnd = time.Date(2025, 3, 15, 14, 30, 0, 0, time.UTC)

const (
	windowStart = "toDateTime('2025-02-22 03:00:00', 'UTC')"
	windowEnd   = "toDateTime('2025-03-15 03:00:00', 'UTC')"
)

func testOptions() seed.Options {
	o, err := seed.Scale("test")
	if err != nil {
		panic(err)
	}
	o.End = testEnd
	return o
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relato-seed-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wh, err = chdb.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed tests need libchdb (make chdb; CHDB_LIB_PATH):", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	if err := reseed(context.Background(), testOptions()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		wh.Close()
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	wh.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func reseed(ctx context.Context, o seed.Options) error {
	if err := wh.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		return err
	}
	return seed.Seed(ctx, wh, o)
}

// query returns the TSV rows of sql as fields.
func query(t testing.TB, sql string) [][]string {
	t.Helper()
	out, err := wh.QueryText(context.Background(), sql, "TSV")
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}

func queryFloat(t testing.TB, sql string) float64 {
	t.Helper()
	rows := query(t, sql)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: want one value, got %q", sql, rows)
	}
	v, err := strconv.ParseFloat(rows[0][0], 64)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func tables(t testing.TB) []string {
	var out []string
	// The materialized view feeding the KPI rollup is no table of its own.
	for _, r := range query(t, "SELECT name FROM system.tables WHERE database = 'wh' AND engine != 'MaterializedView' ORDER BY name") {
		out = append(out, r[0])
	}
	return out
}

// checksums is one order-independent hash of every table's rows. Rows are
// hashed through their TSV text because cityHash64(*) is NULL for any row
// with a NULL column, and groupBitXor would skip those rows.
func checksums(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, tb := range tables(t) {
		from := "wh." + tb
		if tb == "calls_15m" {
			// The rollup's rows depend on how inserts were split into blocks and
			// merged; its content is the sum per key.
			from = `(SELECT tenant_id, wallet_id, queue_id, bucket, sum(answered), sum(answered_wait_ms), sum(answered_talk_ms),
				sum(answered_hold_ms), sum(answered_wrap_ms), sum(abandoned), sum(abandoned_wait_total_ms), sumMap(answered_waits), sumMap(abandoned_waits), sumMap(abandoned_wait_ms)
				FROM wh.calls_15m GROUP BY tenant_id, wallet_id, queue_id, bucket)`
		}
		out[tb] = query(t, fmt.Sprintf("SELECT concat(toString(groupBitXor(h)), '/', toString(sum(h)), '/', toString(count())) FROM (SELECT cityHash64(formatRow('TSV', *)) AS h FROM %s)", from))[0][0]
	}
	return out
}

func TestSchema_CreatesEveryTableAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	stmts := seed.SchemaStatements()
	creates := 0
	for _, s := range stmts {
		if strings.Contains(s, "CREATE TABLE IF NOT EXISTS wh.") {
			creates++
		}
	}
	for round := 0; round < 2; round++ { // the second round finds everything there
		for _, s := range stmts {
			if err := wh.Exec(ctx, s); err != nil {
				t.Fatalf("round %d: %v\n%s", round, err, s)
			}
		}
	}
	if got := len(tables(t)); got != creates || creates < 20 {
		t.Fatalf("wh has %d tables, schema creates %d", got, creates)
	}
	for _, tb := range []string{"calls", "conversations", "contacts"} {
		key := query(t, fmt.Sprintf("SELECT sorting_key FROM system.tables WHERE database = 'wh' AND name = '%s'", tb))[0][0]
		if !strings.HasPrefix(key, "tenant_id, ") {
			t.Errorf("wh.%s sorting key %q does not start with tenant_id", tb, key)
		}
	}
}

func TestSchema_FixedTablesHaveTheAgreedColumns(t *testing.T) {
	want := map[string]string{
		"calls": "tenant_id UInt32, wallet_id UInt32, call_id UInt64, queue_id UInt32, user_id UInt32, direction LowCardinality(String), caller String, " +
			"arrived_at DateTime, entered_queue_at DateTime, answered_at Nullable(DateTime), ended_at DateTime, " +
			"outcome LowCardinality(String), wait_ms UInt32, talk_ms UInt32, hold_ms UInt32, wrap_ms UInt32, queue_position UInt16, ivr_path String",
		"conversations": "tenant_id UInt32, wallet_id UInt32, conversation_id UInt64, contact_id UInt64, channel LowCardinality(String), " +
			"direction LowCardinality(String), handled_by LowCardinality(String), user_id UInt32, bot_id UInt32, started_at DateTime, " +
			"first_response_at Nullable(DateTime), ended_at Nullable(DateTime), status LowCardinality(String), protocol String, " +
			"event_type LowCardinality(String)",
		"contacts": "tenant_id UInt32, wallet_id UInt32, contact_id UInt64, name String, phone String, email String, created_at DateTime, " +
			"origin_channel LowCardinality(String), loyal_user_id UInt32, updated_at DateTime",
	}
	keys := map[string]string{
		"calls": "tenant_id, entered_queue_at, call_id", "conversations": "tenant_id, started_at, conversation_id", "contacts": "tenant_id, contact_id",
	}
	for tb, cols := range want {
		var got []string
		for _, r := range query(t, fmt.Sprintf("SELECT name, type FROM system.columns WHERE database = 'wh' AND table = '%s' ORDER BY position", tb)) {
			got = append(got, r[0]+" "+r[1])
		}
		if g := strings.Join(got, ", "); !strings.HasPrefix(g, cols) {
			t.Errorf("wh.%s columns\n got: %s\nwant prefix: %s", tb, g, cols)
		}
		if k := query(t, fmt.Sprintf("SELECT sorting_key FROM system.tables WHERE database = 'wh' AND name = '%s'", tb))[0][0]; k != keys[tb] {
			t.Errorf("wh.%s ORDER BY %q, want %q", tb, k, keys[tb])
		}
	}
}

func TestSeed_SameOptionsGiveIdenticalDataAndAnotherSeedDiffers(t *testing.T) {
	ctx := context.Background()
	first := checksums(t)
	if err := reseed(ctx, testOptions()); err != nil {
		t.Fatal(err)
	}
	again := checksums(t)
	for tb, sum := range first {
		if again[tb] != sum {
			t.Errorf("wh.%s: checksum %s after reseeding, was %s", tb, again[tb], sum)
		}
	}
	other := testOptions()
	other.Seed = 2
	if err := reseed(ctx, other); err != nil {
		t.Fatal(err)
	}
	changed := checksums(t)
	for _, tb := range []string{"calls", "conversations", "contacts", "hsm_sends", "user_sessions", "nps_answers", "audit_events"} {
		if changed[tb] == first[tb] {
			t.Errorf("wh.%s: seed 2 gives the same checksum as seed 1", tb)
		}
	}
	if err := reseed(ctx, testOptions()); err != nil {
		t.Fatal(err)
	}
}

func TestSeed_RequiresEnd(t *testing.T) {
	o := testOptions()
	o.End = time.Time{}
	if err := seed.Seed(context.Background(), wh, o); err != seed.ErrNoEnd {
		t.Fatalf("got %v, want ErrNoEnd", err)
	}
}

func TestScale_NamesAndUnknown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		calls int64 // total over the tenants
	}{{"test", 6000}, {"demo", 1_000_000}, {"bench", 100_000_000}} {
		o, err := seed.Scale(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Calls * int64(o.Tenants); got != tc.calls {
			t.Errorf("%s: %d calls in total, want %d", tc.name, got, tc.calls)
		}
	}
	if _, err := seed.Scale("huge"); err == nil {
		t.Error("unknown scale accepted")
	}
}

func TestSeed_EveryTableHasRowsForEveryTenant(t *testing.T) {
	for _, tb := range tables(t) {
		for _, r := range query(t, fmt.Sprintf("SELECT t, countIf(tenant_id = t) FROM wh.%s, (SELECT arrayJoin([1, 2]) AS t) AS tenants GROUP BY t ORDER BY t", tb)) {
			if r[1] == "0" {
				t.Errorf("wh.%s has no rows for tenant %s", tb, r[0])
			}
		}
	}
}

// The seed inserts calls after creating the schema, so the materialized view
// fills the KPI rollup: its totals per tenant are the raw counts and sums.
func TestSeed_FillsTheKPIRollupFromTheCalls(t *testing.T) {
	raw := query(t, `SELECT tenant_id, countIf(outcome = 'answered'), sumIf(wait_ms, outcome = 'answered'), sumIf(talk_ms, outcome = 'answered'),
		countIf(outcome = 'abandoned'), sumIf(wait_ms, outcome = 'abandoned'), countIf(outcome = 'abandoned' AND wait_ms >= 5000),
		countIf(outcome = 'abandoned'), sumIf(wait_ms, outcome = 'abandoned')
		FROM wh.calls WHERE direction = 'inbound' AND queue_id != 0 AND outcome IN ('answered', 'abandoned') GROUP BY tenant_id ORDER BY tenant_id`)
	rollup := query(t, `SELECT tenant_id, sum(answered), sum(answered_wait_ms), sum(answered_talk_ms),
		arraySum(mapValues(sumMap(abandoned_waits))), arraySum(mapValues(sumMap(abandoned_wait_ms))),
		arraySum(mapValues(mapFilter((r, n) -> r >= 10, sumMap(abandoned_waits)))),
		sum(abandoned), sum(abandoned_wait_total_ms)
		FROM wh.calls_15m GROUP BY tenant_id ORDER BY tenant_id`)
	if len(raw) != 2 || fmt.Sprint(raw) != fmt.Sprint(rollup) {
		t.Fatalf("per tenant (answered, Σ wait, Σ talk, abandoned, Σ wait, abandoned ≥ 5 s, and the last two again from the plain columns):\n raw    %v\n rollup %v", raw, rollup)
	}
	if raw[0][1] == "0" || raw[0][4] == "0" {
		t.Fatalf("tenant 1 has no answered or abandoned calls: %v", raw)
	}
}

func TestSeed_CallDistributions(t *testing.T) {
	for tenant := 1; tenant <= 2; tenant++ {
		where := fmt.Sprintf("FROM wh.calls WHERE tenant_id = %d", tenant)
		for _, tc := range []struct {
			name     string
			sql      string
			min, max float64
		}{
			// 10 % of inbound calls abandon in queue, 3 % in the IVR: 10/97.
			{"abandon share of queued calls", "SELECT countIf(outcome = 'abandoned') / countIf(queue_id != 0) " + where, 0.05, 0.15},
			{"IVR hang-up share of inbound calls", "SELECT countIf(outcome = 'ivr_abandoned') / countIf(direction = 'inbound') " + where, 0.01, 0.06},
			// hour weights put 152 of 188 in 08–17 local.
			{"business-hours share (08–18 São Paulo)", "SELECT countIf(toHour(arrived_at, 'America/Sao_Paulo') BETWEEN 8 AND 17) / count() " + where, 0.70, 0.90},
			// weekday weights 10, Saturday 4, Sunday 2: 6/56 of a week.
			{"weekend share", "SELECT countIf(toDayOfWeek(arrived_at, 0, 'America/Sao_Paulo') >= 6) / count() " + where, 0.05, 0.17},
			{"short abandons (< 5 s) among abandons", "SELECT countIf(wait_ms < 5000) / count() " + where + " AND outcome = 'abandoned'", 0.03, 0.25},
			{"mean talk of answered calls, s", "SELECT avg(talk_ms) / 1000 " + where + " AND outcome = 'answered'", 150, 330},
			{"mean wait of answered calls, s", "SELECT avg(wait_ms) / 1000 " + where + " AND outcome = 'answered' AND direction = 'inbound'", 15, 60},
			{"calls outside the window", "SELECT countIf(arrived_at < " + windowStart + " OR arrived_at >= " + windowEnd + ") " + where, 0, 0},
			{"IVR hang-ups not shaped as agreed", "SELECT countIf(queue_id != 0 OR wait_ms != 0 OR entered_queue_at != ended_at OR answered_at IS NOT NULL) " + where + " AND outcome = 'ivr_abandoned'", 0, 0},
			{"answered calls without agent or answer time", "SELECT countIf(user_id = 0 OR answered_at IS NULL OR answered_at < entered_queue_at) " + where + " AND outcome = 'answered'", 0, 0},
		} {
			if got := queryFloat(t, tc.sql); got < tc.min || got > tc.max {
				t.Errorf("tenant %d: %s = %.4f, want %.2f..%.2f", tenant, tc.name, got, tc.min, tc.max)
			}
		}
	}
}

func TestSeed_OtherFactsFollowTheVocabulary(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sql      string
		min, max float64
	}{
		{"incorrect logouts (logout after the same user's next login)", `SELECT countIf(logout_at > next_login) FROM (
			SELECT logout_at, leadInFrame(toNullable(login_at)) OVER (PARTITION BY tenant_id, user_id ORDER BY login_at ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_login
			FROM wh.user_sessions)`, 1, 1e9},
		{"sessions never logged out", "SELECT countIf(logout_at IS NULL) FROM wh.user_sessions", 1, 1e9},
		{"HSM statuses out of order", "SELECT countIf(delivered_at < sent_at OR read_at < delivered_at OR read_at < sent_at OR replied_at < read_at) FROM wh.hsm_sends", 0, 0},
		{"failed HSMs without error code", "SELECT countIf(error_code = 0) FROM wh.hsm_sends WHERE status = 'failed'", 0, 0},
		{"read HSMs without a delivery receipt", "SELECT countIf(read_at IS NOT NULL AND delivered_at IS NULL) FROM wh.hsm_sends", 1, 1e9},
		{"failed HSM share", "SELECT countIf(status = 'failed') / count() FROM wh.hsm_sends", 0.02, 0.12},
		{"unknown HSM statuses", "SELECT countIf(status NOT IN ('sent', 'delivered', 'read', 'failed')) FROM wh.hsm_sends", 0, 0},
		{"campaigns with fewer targets than sends", "SELECT countIf(c.targets < s.n) FROM wh.campaigns AS c JOIN (SELECT tenant_id, campaign_id, count() AS n FROM wh.hsm_sends WHERE campaign_id != 0 GROUP BY tenant_id, campaign_id) AS s ON s.tenant_id = c.tenant_id AND s.campaign_id = c.campaign_id", 0, 0},
		{"mean NPS score", "SELECT avg(score) FROM wh.nps_answers", 7, 9.5},
		{"NPS scores out of 0..10", "SELECT countIf(score > 10) FROM wh.nps_answers", 0, 0},
		{"NPS detractors", "SELECT countIf(score <= 6) FROM wh.nps_answers", 1, 1e9},
		{"template statuses outside the WhatsApp vocabulary", `SELECT countIf(status NOT IN ('APPROVED','PENDING','REJECTED','PAUSED','DISABLED','FLAGGED','IN_APPEAL','REINSTATED','PENDING_DELETION','DELETED','ARCHIVED','LOCKED','LIMIT_EXCEEDED')
			OR category NOT IN ('MARKETING','UTILITY','AUTHENTICATION')) FROM wh.template_status_changes`, 0, 0},
		{"line statuses outside the WhatsApp vocabulary", `SELECT countIf(status NOT IN ('CONNECTED','FLAGGED','RESTRICTED','PENDING','OFFLINE','BANNED','DISCONNECTED','RATE_LIMITED','DELETED')
			OR quality NOT IN ('GREEN','YELLOW','RED','UNKNOWN')) FROM wh.line_status_changes`, 0, 0},
		{"WhatsApp sessions opened by the company", "SELECT countIf(opened_by = 'company' AND template_id != 0) / count() FROM wh.whatsapp_sessions", 0.2, 0.4},
		{"WhatsApp sessions not 24 h long", "SELECT countIf(expires_at - opened_at != 86400) FROM wh.whatsapp_sessions", 0, 0},
		{"pending appointments", "SELECT countIf(status = 'pending') FROM wh.appointments", 1, 1e9},
		{"done appointments", "SELECT countIf(status = 'done' AND done_at IS NOT NULL) FROM wh.appointments", 1, 1e9},
		{"documents sent by the API", "SELECT countIf(sent_by = 'api' AND user_id = 0) FROM wh.document_sends", 1, 1e9},
		{"conversations served by bots", "SELECT countIf(handled_by = 'bot' AND bot_id != 0 AND user_id = 0) FROM wh.conversations", 1, 1e9},
		{"conversations not served", "SELECT countIf(handled_by = 'none' AND first_response_at IS NULL) FROM wh.conversations", 1, 1e9},
		{"voice conversations not served (an unanswered call is in wh.calls only)", "SELECT countIf(channel = 'voice' AND handled_by = 'none') FROM wh.conversations", 0, 0},
		{"duplicate protocols", "SELECT count() - uniqExact(protocol) FROM wh.conversations", 0, 0},
		{"duplicate contact phones", "SELECT count() - uniqExact(tenant_id, phone) FROM wh.contacts", 0, 0},
		{"users of facts missing from wh.users", `SELECT count() FROM (SELECT tenant_id, user_id FROM wh.calls WHERE user_id != 0
			UNION ALL SELECT tenant_id, user_id FROM wh.conversations WHERE user_id != 0
			UNION ALL SELECT tenant_id, user_id FROM wh.user_sessions) AS f
			LEFT ANTI JOIN wh.users AS u ON u.tenant_id = f.tenant_id AND u.user_id = f.user_id`, 0, 0},
		{"conversations whose contact is missing", `SELECT count() FROM wh.conversations AS c LEFT ANTI JOIN wh.contacts AS k
			ON k.tenant_id = c.tenant_id AND k.contact_id = c.contact_id`, 0, 0},
		{"facts with another tenant's wallet", `SELECT count() FROM (SELECT tenant_id, wallet_id FROM wh.calls UNION ALL SELECT tenant_id, wallet_id FROM wh.conversations
			UNION ALL SELECT tenant_id, wallet_id FROM wh.hsm_sends) AS f WHERE wallet_id != 0 AND intDiv(wallet_id, 100) != tenant_id`, 0, 0},
	} {
		if got := queryFloat(t, tc.sql); got < tc.min || got > tc.max {
			t.Errorf("%s = %g, want %g..%g", tc.name, got, tc.min, tc.max)
		}
	}
}

func TestSeed_Tenant2MarkersAppearOnlyInTenant2(t *testing.T) {
	marker := fmt.Sprintf("(position(%%[1]s, '%s') > 0 OR startsWith(%%[1]s, '%s') OR endsWith(%%[1]s, '%s'))",
		seed.Tenant2NameMarker, seed.Tenant2PhonePrefix, seed.Tenant2EmailDomain)
	stringCols := query(t, "SELECT table, name FROM system.columns WHERE database = 'wh' AND type IN ('String', 'LowCardinality(String)') ORDER BY table, name")
	if len(stringCols) < 30 {
		t.Fatalf("only %d string columns found", len(stringCols))
	}
	marked := 0.0
	for _, c := range stringCols {
		m := fmt.Sprintf(marker, c[1])
		if leaked := queryFloat(t, fmt.Sprintf("SELECT countIf(%s) FROM wh.%s WHERE tenant_id != 2", m, c[0])); leaked != 0 {
			t.Errorf("wh.%s.%s: %g rows of other tenants carry a tenant-2 marker", c[0], c[1], leaked)
		}
		marked += queryFloat(t, fmt.Sprintf("SELECT countIf(%s) FROM wh.%s WHERE tenant_id = 2", m, c[0]))
	}
	for _, tc := range []struct{ name, sql string }{
		{"tenant-2 contacts without the name marker", "SELECT countIf(position(name, '" + seed.Tenant2NameMarker + "') = 0) FROM wh.contacts WHERE tenant_id = 2"},
		{"tenant-2 contacts without the phone prefix", "SELECT countIf(NOT startsWith(phone, '" + seed.Tenant2PhonePrefix + "')) FROM wh.contacts WHERE tenant_id = 2"},
		{"tenant-2 e-mails without the marker domain", "SELECT countIf(email != '' AND NOT endsWith(email, '" + seed.Tenant2EmailDomain + "')) FROM wh.contacts WHERE tenant_id = 2"},
		{"tenant-2 callers without the phone prefix", "SELECT countIf(NOT startsWith(caller, '" + seed.Tenant2PhonePrefix + "')) FROM wh.calls WHERE tenant_id = 2"},
		{"tenant-2 users without the markers", "SELECT countIf(position(name, '" + seed.Tenant2NameMarker + "') = 0 OR NOT endsWith(email, '" + seed.Tenant2EmailDomain + "')) FROM wh.users WHERE tenant_id = 2"},
	} {
		if got := queryFloat(t, tc.sql); got != 0 {
			t.Errorf("%s: %g", tc.name, got)
		}
	}
	if marked == 0 {
		t.Error("no tenant-2 row carries a marker")
	}
}

func TestSeed_TenantsAndTimeZones(t *testing.T) {
	got := query(t, "SELECT tenant_id, name, time_zone FROM wh.tenants ORDER BY tenant_id")
	want := [][]string{{"1", "Demo", "America/Sao_Paulo"}, {"2", "Tenant 2 " + seed.Tenant2NameMarker, "America/Sao_Paulo"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tenants %q, want %q", got, want)
	}
	if n := queryFloat(t, "SELECT count() FROM wh.users WHERE tenant_id = 1"); n != 40 {
		t.Errorf("tenant 1 has %g users, want 40", n)
	}
	if n := queryFloat(t, "SELECT count() FROM wh.wallets WHERE tenant_id = 1"); n != 6 {
		t.Errorf("tenant 1 has %g wallets, want 6", n)
	}
}

// BenchmarkSeedDemo loads the "demo" scale into an empty warehouse and reports
// the time it took; the test-scale data is put back afterwards.
func BenchmarkSeedDemo(b *testing.B) {
	ctx := context.Background()
	o, err := seed.Scale("demo")
	if err != nil {
		b.Fatal(err)
	}
	o.End = testEnd
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := reseed(ctx, o); err != nil {
			b.Fatal(err)
		}
		b.Logf("demo scale (%d tenants × %d calls) loaded in %s", o.Tenants, o.Calls, time.Since(start).Round(time.Millisecond))
	}
	b.StopTimer()
	var rows float64
	for _, tb := range tables(b) {
		rows += queryFloat(b, "SELECT count() FROM wh."+tb)
	}
	b.ReportMetric(rows, "rows")
	if err := reseed(ctx, testOptions()); err != nil {
		b.Fatal(err)
	}
}
