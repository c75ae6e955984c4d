package host_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/plugins/plugintest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	plugintest.Cleanup()
	os.Exit(code)
}

const (
	scorecardPkg = "github.com/relato/relato/examples/plugins/scorecard"
	badPkg       = "github.com/relato/relato/plugins/plugintest/bad/"
	scorecardID  = "custom.agent_scorecard"
)

var loaded bool

// loadData fills the warehouse with tenant 1's activity on 2024-03-01
// (America/Sao_Paulo, UTC−3: the local day is 03:00Z..03:00Z next day) and
// tenant 2's marker rows for the same user ids and period.
func loadData(t *testing.T) engine.Backend {
	t.Helper()
	b := plugintest.Warehouse(t)
	if loaded {
		return b
	}
	ctx := context.Background()
	for _, s := range []string{
		// Another tenant's frozen result, outside the warehouse database.
		"CREATE DATABASE IF NOT EXISTS results",
		"CREATE TABLE results.r_leak (v String) ENGINE = MergeTree ORDER BY v",
		"INSERT INTO results.r_leak VALUES ('TENANT2MARK snapshot')",
		"INSERT INTO wh.tenants (tenant_id, name, time_zone) VALUES (1, 'T1', 'America/Sao_Paulo'), (2, 'TENANT2MARK', 'America/Sao_Paulo')",
		"INSERT INTO wh.wallets VALUES (1, 10, 'Vendas'), (2, 10, 'TENANT2MARK wallet')",
		"INSERT INTO wh.users (tenant_id, user_id, wallet_id, name, email, role) VALUES (1, 101, 10, 'Ana', 'ana@t1', 'viewer'), (1, 102, 10, 'Bruno', 'bruno@t1', 'viewer'), (1, 103, 0, 'Carla', 'carla@t1', 'viewer'), (2, 101, 10, 'TENANT2MARK user', 'x@t2', 'viewer')",
		// Ana: 2 answered in the day (60 s + 120 s); one a second before the
		// local day, one at its exclusive end; an abandon without agent.
		// Bruno: 1 answered (30 s). Tenant 2's user 101: 5 calls of 1000 s.
		`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, user_id, outcome, entered_queue_at, ended_at, talk_ms) VALUES
		 (1, 10, 1, 101, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (1, 10, 2, 101, 'answered', '2024-03-01 13:00:00', '2024-03-01 13:02:00', 120000),
		 (1, 10, 3, 101, 'answered', '2024-03-01 02:59:59', '2024-03-01 03:10:00', 999000),
		 (1, 10, 4, 101, 'answered', '2024-03-02 03:00:00', '2024-03-02 03:10:00', 999000),
		 (1, 10, 5, 0, 'abandoned', '2024-03-01 14:00:00', '2024-03-01 14:01:00', 0),
		 (1, 10, 6, 102, 'answered', '2024-03-01 15:00:00', '2024-03-01 15:00:30', 30000),
		 (2, 10, 7, 101, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:20:00', 1000000),
		 (2, 10, 8, 101, 'answered', '2024-03-01 12:30:00', '2024-03-01 12:50:00', 1000000),
		 (2, 10, 9, 101, 'answered', '2024-03-01 13:00:00', '2024-03-01 13:20:00', 1000000),
		 (2, 10, 10, 101, 'answered', '2024-03-01 13:30:00', '2024-03-01 13:50:00', 1000000),
		 (2, 10, 11, 101, 'answered', '2024-03-01 14:00:00', '2024-03-01 14:20:00', 1000000)`,
		// Ana 1, Bruno 3 handled by a user; one by a bot; tenant 2: 4.
		`INSERT INTO wh.conversations (tenant_id, wallet_id, conversation_id, handled_by, user_id, started_at) VALUES
		 (1, 10, 1, 'user', 101, '2024-03-01 10:00:00'),
		 (1, 10, 2, 'user', 102, '2024-03-01 10:00:00'), (1, 10, 3, 'user', 102, '2024-03-01 11:00:00'), (1, 10, 4, 'user', 102, '2024-03-01 12:00:00'),
		 (1, 10, 5, 'bot', 0, '2024-03-01 12:00:00'),
		 (2, 10, 6, 'user', 101, '2024-03-01 10:00:00'), (2, 10, 7, 'user', 101, '2024-03-01 10:00:00'), (2, 10, 8, 'user', 101, '2024-03-01 10:00:00'), (2, 10, 9, 'user', 101, '2024-03-01 10:00:00')`,
		// Ana: 10, 9, 6, 8 → 2 promoters, 1 detractor, 4 answers → NPS 25.
		// Carla: one 10 → NPS 100. Tenant 2's user 101: three zeros.
		`INSERT INTO wh.nps_answers (tenant_id, wallet_id, answer_id, answered_at, user_id, score) VALUES
		 (1, 10, 1, '2024-03-01 12:00:00', 101, 10), (1, 10, 2, '2024-03-01 12:00:00', 101, 9), (1, 10, 3, '2024-03-01 12:00:00', 101, 6), (1, 10, 4, '2024-03-01 12:00:00', 101, 8),
		 (1, 0, 5, '2024-03-01 12:00:00', 103, 10),
		 (2, 10, 6, '2024-03-01 12:00:00', 101, 0), (2, 10, 7, '2024-03-01 12:00:00', 101, 0), (2, 10, 8, '2024-03-01 12:00:00', 101, 0)`,
		// Ana: 11:00–15:00 = 14,400 s. Bruno: 01:00Z on the 2nd, never logged
		// out → ends at his next login (04:00Z), clipped to the end (03:00Z)
		// = 7,200 s. Tenant 2: 10 h.
		`INSERT INTO wh.user_sessions (tenant_id, wallet_id, session_id, user_id, login_at, logout_at) VALUES
		 (1, 10, 1, 101, '2024-03-01 11:00:00', '2024-03-01 15:00:00'),
		 (1, 10, 2, 102, '2024-03-02 01:00:00', NULL),
		 (1, 10, 4, 102, '2024-03-02 04:00:00', '2024-03-02 05:00:00'),
		 (2, 10, 3, 101, '2024-03-01 08:00:00', '2024-03-01 18:00:00')`,
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	loaded = true
	return b
}

type bundle struct {
	dir string
	h   *host.Host
}

// setup installs the named plugins (binary name → report id) for tenant 1
// and opens a host on them.
func setup(t *testing.T, plugins map[string]string) *bundle {
	t.Helper()
	b := loadData(t)
	dir := t.TempDir()
	for name, id := range plugins {
		pkg := badPkg + name
		if name == "scorecard" {
			pkg = scorecardPkg
		}
		plugintest.Install(t, dir, name, plugintest.Build(t, pkg), id, 1, 1)
	}
	return &bundle{dir: dir, h: openHost(t, dir, b)}
}

func openHost(t *testing.T, dir string, b engine.Backend) *host.Host {
	t.Helper()
	h, err := host.Open(context.Background(), host.Config{Dir: dir, Warehouse: b, Tables: schema.Tables(), StartTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// run compiles id's definition for tenant with filters and reads the whole result.
func run(t *testing.T, h *host.Host, ctx context.Context, tenant uint32, id string, filters map[string]any) ([][]string, *host.Result, error) {
	t.Helper()
	def, err := h.Report(tenant, id)
	if err != nil {
		return nil, nil, err
	}
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	comp, err := engine.Compile(ctx, def, filters, engine.CompileEnv{Tenant: tenant, Location: loc, Now: time.Date(2024, 3, 10, 12, 0, 0, 0, loc), Tables: schema.Tables()})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	res, err := h.Run(ctx, tenant, comp)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	var rows [][]string
	for res.Next() {
		row := make([]string, len(res.Values()))
		for i, v := range res.Values() {
			if res.IsNull(i) {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		rows = append(rows, row)
	}
	return rows, res, res.Err()
}

func TestScorecard_RanksUsersByWeightedScoreWithHandCheckedValues(t *testing.T) {
	bd := setup(t, map[string]string{"scorecard": scorecardID})
	rows, res, err := run(t, bd.h, context.Background(), 1, scorecardID, map[string]any{"period": "2024-03-01..2024-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	cols := res.Columns()
	if len(cols) != 11 || cols[0].Name != "rank" || cols[0].Type != "Nullable(Int64)" || cols[10].Type != "Nullable(Float64)" {
		t.Errorf("columns = %v", cols)
	}
	// handled: Ana 2 calls + 1 conversation = 3, Bruno 1 + 3 = 4, Carla 0 → max 4.
	// productivity: Ana 3 × 3600 / 14400 = 0.75, Bruno 4 × 3600 / 7200 = 2 → max 2.
	// Ana:   V = 3/4 × 100 = 75, Q = (25 + 100)/2 = 62.5, P = 0.75/2 × 100 = 37.5
	//        score = (40×75 + 30×62.5 + 30×37.5) / 100 = 6000/100 = 60
	// Bruno: V = 100, no NPS, P = 100 → (40×100 + 30×100) / 70 = 100
	// Carla: V = 0, Q = (100 + 100)/2 = 100, no logged time → (40×0 + 30×100) / 70 = 42.857…
	want := [][]string{
		// rank user wallet calls avg_talk convs nps_answers nps logged productivity score
		{"1", "Bruno", "Vendas", "1", "30", "3", "0", "NULL", "7200", "2", "100"},
		{"2", "Ana", "Vendas", "2", "90", "1", "4", "25", "14400", "0.75", "60"},
		{"3", "Carla", "", "0", "NULL", "0", "1", "100", "0", "NULL", strconv.FormatFloat(3000.0/70, 'f', -1, 64)},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows %v, want %d", len(rows), rows, len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !sameValue(rows[i][j], want[i][j]) {
				t.Errorf("row %d column %s = %q, want %q", i+1, cols[j].Name, rows[i][j], want[i][j])
			}
		}
	}
	for _, r := range rows {
		if strings.Contains(strings.Join(r, "|"), "TENANT2MARK") {
			t.Errorf("tenant 2's row leaked: %v", r)
		}
	}
}

func sameValue(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && math.Abs(g-w) < 1e-9
}

func TestScorecard_WeightsAreValidatedLikeYAMLFilters(t *testing.T) {
	bd := setup(t, map[string]string{"scorecard": scorecardID})
	def, err := bd.h.Report(1, scorecardID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.Compile(context.Background(), def, map[string]any{"period": "2024-03-01..2024-03-01", "weight_volume": 0, "weight_quality": 0, "weight_productivity": 0},
		engine.CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Now()})
	// Error() is English; the pt-BR text is the filter problem's In (issue 12).
	if err == nil || !strings.Contains(err.Error(), `filter "weight_productivity": must be between 0 and 100, and the weights must add up to more than 0`) {
		t.Errorf("error = %v", err)
	}
	var fe engine.FilterErrors
	if !errors.As(err, &fe) || !slices.ContainsFunc(fe, func(e engine.FilterError) bool {
		return e.Filter == "weight_productivity" && e.In("pt-BR") == "deve estar entre 0 e 100, e a soma dos pesos deve ser positiva"
	}) {
		t.Errorf("pt-BR: error = %v", err)
	}
	_, err = engine.Compile(context.Background(), def, map[string]any{"period": "2024-01-01..2024-03-01"}, engine.CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Now()})
	if err == nil || !strings.Contains(err.Error(), `filter "period": spans`) {
		t.Errorf("max_span: error = %v", err)
	}
}

func TestEntitlements_OnlyEntitledTenantsSeeAndRunThePlugin(t *testing.T) {
	bd := setup(t, map[string]string{"scorecard": scorecardID})
	h := bd.h
	if got := h.Reports(1); len(got) != 1 || got[0].ID != scorecardID || got[0].Info("en").Title != "Agent performance scorecard" {
		t.Fatalf("tenant 1 catalog = %v", got)
	}
	if got := h.Reports(2); len(got) != 0 {
		t.Fatalf("tenant 2 sees %v", got)
	}
	if _, err := h.Report(2, scorecardID); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("tenant 2 Report: %v, want ErrNotFound", err)
	}
	if _, err := h.Run(context.Background(), 2, &engine.Compiled{Def: &engine.Definition{ID: scorecardID}}); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("tenant 2 Run: %v, want ErrNotFound", err)
	}
	if err := h.SetEntitlement(scorecardID, 2, true); err != nil {
		t.Fatal(err)
	}
	if len(h.Reports(2)) != 1 {
		t.Fatal("granted tenant 2 does not see the plugin")
	}
	// Tenant 2 now runs it and sees only its own marker user.
	rows, _, err := run(t, h, context.Background(), 2, scorecardID, map[string]any{"period": "2024-03-01..2024-03-01"})
	if err != nil || len(rows) != 1 || rows[0][1] != "TENANT2MARK user" || rows[0][3] != "5" {
		t.Fatalf("tenant 2 run = %v, %v", rows, err)
	}
	// Persisted: a new host on the same folder agrees.
	h2 := openHost(t, bd.dir, plugintest.Warehouse(t))
	if len(h2.Reports(2)) != 1 {
		t.Fatal("the grant was not persisted in the manifest")
	}
	if err := h.SetEntitlement(scorecardID, 2, false); err != nil {
		t.Fatal(err)
	}
	if len(h.Reports(2)) != 0 || len(h.Reports(1)) != 1 {
		t.Fatal("revoke changed the wrong tenant")
	}
	m, err := host.ReadManifest(filepath.Join(bd.dir, "scorecard"+host.ManifestSuffix))
	if err != nil || len(m.Tenants) != 1 || m.Tenants[0] != 1 {
		t.Fatalf("manifest tenants = %v, %v", m.Tenants, err)
	}
	if err := h.SetEntitlement("custom.nope", 1, true); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("unknown plugin: %v", err)
	}
}

func TestQueryService_PluginSQLNeverReadsAnotherTenantsRows(t *testing.T) {
	bd := setup(t, map[string]string{"sqlecho": "test.sqlecho"})
	for _, tc := range []struct {
		name, sql string
		want      []string // rows; nil = none
	}{
		{"asking for tenant 2 explicitly", "SELECT name FROM wh.users WHERE tenant_id = 2", nil},
		{"a plain read", "SELECT name FROM wh.users ORDER BY user_id", []string{"Ana", "Bruno", "Carla"}},
		{"a subquery asking for tenant 2", "SELECT name FROM wh.users WHERE user_id IN (SELECT user_id FROM wh.users WHERE tenant_id = 2)", nil},
		{"a join on tenant 2", "SELECT w.name FROM wh.users AS u JOIN wh.wallets AS w ON w.wallet_id = u.wallet_id WHERE w.tenant_id = 2", nil},
		{"a CTE", "WITH t AS (SELECT name FROM wh.tenants) SELECT name FROM t", []string{"T1"}},
		{"a parameter", "SELECT name FROM wh.tenants WHERE name = {name:String}", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, _, err := run(t, bd.h, context.Background(), 1, "test.sqlecho", map[string]any{"sql": tc.sql})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("rows = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueryService_RefusesSQLOutsideTheScopedTables(t *testing.T) {
	bd := setup(t, map[string]string{"sqlecho": "test.sqlecho"})
	for _, tc := range []struct{ name, sql, want string }{
		{"system tables", "SELECT name FROM system.tables", `table "system.tables" is not a warehouse table`},
		{"another tenant's snapshot", "SELECT v FROM results.r_leak", `table "results.r_leak" is not a warehouse table`},
		{"a comma join to a snapshot", "SELECT v FROM wh.users AS u, results.r_leak AS r", `table "results.r_leak" is not a warehouse table`},
		{"a comma join after a subquery", "SELECT v FROM (SELECT name FROM wh.users) AS u, results.r_leak", `table "results.r_leak" is not a warehouse table`},
		{"IN a table", "SELECT name FROM wh.users WHERE name IN results.r_leak", `table "results.r_leak" is not a warehouse table`},
		{"a quoted database", "SELECT name FROM `system`.`tables`", `"system.tables" is not a warehouse table`},
		{"table functions", "SELECT * FROM file('/etc/passwd', 'LineAsString')", "function file(…) is not allowed"},
		{"settings", "SELECT name FROM wh.users SETTINGS additional_table_filters = {'wh.users': '1'}", "SETTINGS is not allowed"},
		{"a second statement", "SELECT name FROM wh.users; DROP TABLE wh.users", "only one statement is allowed"},
		{"writes", "INSERT INTO wh.users (name) VALUES ('x')", "must be a SELECT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, bd.h, context.Background(), 1, "test.sqlecho", map[string]any{"sql": tc.sql})
			if err == nil || !strings.Contains(err.Error(), "query refused") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want a refusal with %q", err, tc.want)
			}
		})
	}
}

func TestRun_TheReportsMaxRowsTruncatesTheOutput(t *testing.T) {
	bd := setup(t, map[string]string{"sqlecho": "test.sqlecho"})
	// Tenant 1 has 6 calls; the report's max_rows is 5.
	rows, res, err := run(t, bd.h, context.Background(), 1, "test.sqlecho", map[string]any{"sql": "SELECT toString(call_id) FROM wh.calls ORDER BY call_id"})
	if err != nil || len(rows) != 5 || !res.Truncated() {
		t.Fatalf("rows = %v, truncated %v, err %v", rows, res != nil && res.Truncated(), err)
	}
}

func TestLoad_WrongChecksumIsRefusedAndNeverStarted(t *testing.T) {
	b := loadData(t)
	dir := t.TempDir()
	bin := plugintest.Install(t, dir, "sqlecho", plugintest.Build(t, badPkg+"sqlecho"), "test.sqlecho", 1, 1)
	manPath := filepath.Join(dir, "sqlecho"+host.ManifestSuffix)
	m, _ := host.ReadManifest(manPath)
	m.SHA256 = strings.Repeat("ab", 32)
	if err := host.WriteManifest(manPath, m); err != nil {
		t.Fatal(err)
	}
	h := openHost(t, dir, b)
	if ps := h.Problems(); len(ps) != 1 || !strings.Contains(ps[0].Error(), "refused to start: the binary's sha256 does not match the manifest") {
		t.Fatalf("problems = %v", ps)
	}
	if _, err := os.Stat(bin + ".started"); !os.IsNotExist(err) {
		t.Fatal("the plugin with a wrong checksum was started")
	}
	if len(h.Reports(1)) != 0 {
		t.Fatal("a refused plugin is in the catalog")
	}
}

func TestRun_ABinaryReplacedAfterLoadIsRefusedAtItsNextStart(t *testing.T) {
	bd := setup(t, map[string]string{"sqlecho": "test.sqlecho"})
	bin := filepath.Join(bd.dir, "sqlecho")
	data, _ := os.ReadFile(bin)
	if err := os.WriteFile(bin, append(data, "tampered"...), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(bin + ".started")
	_, _, err := run(t, bd.h, context.Background(), 1, "test.sqlecho", map[string]any{"sql": "SELECT name FROM wh.tenants"})
	if err == nil || !strings.Contains(err.Error(), "sha256 does not match") {
		t.Fatalf("error = %v", err)
	}
	if _, err := os.Stat(bin + ".started"); !os.IsNotExist(err) {
		t.Fatal("the tampered binary was started")
	}
}

func TestLoad_HandshakeMismatchLeavesOnlyThatPluginOut(t *testing.T) {
	bd := setup(t, map[string]string{"handshake": "test.handshake", "sqlecho": "test.sqlecho"})
	ps := bd.h.Problems()
	if len(ps) != 1 || !strings.Contains(ps[0].Error(), "plugin test.handshake: handshake failed: the plugin was built for another protocol version") {
		t.Fatalf("problems = %v", ps)
	}
	if _, err := bd.h.Report(1, "test.handshake"); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("Report = %v", err)
	}
	healthyRunSucceeds(t, bd.h)
}

func healthyRunSucceeds(t *testing.T, h *host.Host) {
	t.Helper()
	rows, _, err := run(t, h, context.Background(), 1, "test.sqlecho", map[string]any{"sql": "SELECT name FROM wh.tenants"})
	if err != nil || len(rows) != 1 || rows[0][0] != "T1" {
		t.Fatalf("healthy run after the fault: %v, %v", rows, err)
	}
}

func TestRun_FaultsFailOnlyTheirRunWithAClearError(t *testing.T) {
	bd := setup(t, map[string]string{"crash": "test.crash", "hang": "test.hang", "panic": "test.panic",
		"oversized": "test.oversized", "garbage": "test.garbage", "sqlecho": "test.sqlecho"})
	if ps := bd.h.Problems(); len(ps) != 0 {
		t.Fatalf("problems = %v", ps)
	}
	for _, tc := range []struct {
		name, id string
		filters  map[string]any
		want     string
	}{
		{"a crash mid-run", "test.crash", nil, "custom report test.crash: the plugin process crashed during the run"},
		{"a crashed plugin is restarted by the next run", "test.crash", nil, "custom report test.crash: the plugin process crashed during the run"},
		{"a hang past the timeout", "test.hang", nil, "custom report test.hang: the report took longer than its limit of 2s"},
		{"a panic", "test.panic", nil, "custom report test.panic: failed: report panicked: assignment to entry in nil map"},
		{"a row over the row size limit", "test.oversized", map[string]any{"size": 2048}, "custom report test.oversized: the plugin returned an invalid row 1: the row is larger than the limit of 1048576 bytes"},
		{"a message over gRPC's limit", "test.oversized", map[string]any{"size": 6000}, "custom report test.oversized: the plugin sent an oversized message"},
		{"text in an int column", "test.garbage", map[string]any{"size": 1}, `custom report test.garbage: the plugin returned an invalid row 2: column "n": "twelve" is not an integer`},
		{"too few values", "test.garbage", map[string]any{"size": 2}, "custom report test.garbage: the plugin returned an invalid row 2: 1 values for 2 columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, _, err := run(t, bd.h, context.Background(), 1, tc.id, tc.filters)
			var re *host.RunError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if time.Since(start) > 15*time.Second {
				t.Errorf("the failure took %s", time.Since(start))
			}
			healthyRunSucceeds(t, bd.h)
		})
	}
	// The plugins that failed a run still serve a good one.
	rows, _, err := run(t, bd.h, context.Background(), 1, "test.oversized", map[string]any{"size": 1})
	if err != nil || len(rows) != 1 || len(rows[0][1]) != 1024 {
		t.Fatalf("oversized plugin, small row: %v", err)
	}
}

func TestRun_CancelingTheContextEndsThePluginCall(t *testing.T) {
	bd := setup(t, map[string]string{"hang": "test.hang", "sqlecho": "test.sqlecho"})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := run(t, bd.h, ctx, 1, "test.hang", nil)
	if !errors.Is(err, engine.ErrCanceled) || time.Since(start) > time.Second {
		t.Fatalf("error = %v after %s", err, time.Since(start))
	}
	healthyRunSucceeds(t, bd.h)
}

func TestCopyRows_WritesAPluginResultIntoATableWithItsTypes(t *testing.T) {
	bd := setup(t, map[string]string{"scorecard": scorecardID})
	b := plugintest.Warehouse(t)
	ctx := context.Background()
	def, _ := bd.h.Report(1, scorecardID)
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	comp, err := engine.Compile(ctx, def, map[string]any{"period": "2024-03-01..2024-03-01"}, engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := bd.h.Run(ctx, 1, comp)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	b.Exec(ctx, "DROP TABLE IF EXISTS results.r_copy")
	n, err := host.CopyRows(ctx, b, "results.r_copy", "_row", res)
	if err != nil || n != 3 {
		t.Fatalf("CopyRows = %d, %v", n, err)
	}
	out, err := b.QueryText(ctx, "SELECT _row, rank, user_name, wallet_name, avg_talk, nps, round(score, 3), toTypeName(score) FROM results.r_copy ORDER BY _row", "TabSeparated")
	if err != nil {
		t.Fatal(err)
	}
	want := "1\t1\tBruno\tVendas\t30\t\\N\t100\tNullable(Float64)\n" +
		"2\t2\tAna\tVendas\t90\t25\t60\tNullable(Float64)\n" +
		"3\t3\tCarla\t\t\\N\t100\t42.857\tNullable(Float64)\n"
	if string(out) != want {
		t.Errorf("table =\n%s\nwant\n%s", out, want)
	}
}
