package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/servertest"
)

type testBundle struct {
	url                    string
	admin, manager, viewer string // tenant 1
	viewer2                string // another viewer of tenant 1
	other                  string // admin of tenant 2
	viewerPD, viewerPDID   string // a viewer of tenant 1 holding personal_data, and its user id
	srv                    *reporting.Service
	server                 *servertest.Server
}

// setup starts the whole server (servertest: the same composition root as
// relato serve) over real HTTP with a SQLite store, the embedded warehouse
// seeded with two tenants, and a worker pool; the clock is fixed at the end of
// the test data.
func setup(t testing.TB) testBundle {
	t.Helper()
	return setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }})
}

func setupWith(t testing.TB, opts servertest.Options) testBundle {
	t.Helper()
	srv := servertest.Start(t, opts)
	b := testBundle{url: srv.URL, srv: srv.App, server: srv}
	tok := func(tenant uint32, role auth.Role) string { return srv.Token(tenant, string(role), role) }
	b.admin, b.manager, b.viewer, b.viewer2, b.other = tok(1, auth.Admin), tok(1, auth.Manager), tok(1, auth.Viewer), tok(1, auth.Viewer), tok(2, auth.Admin)
	b.viewerPD, b.viewerPDID = srv.PersonalDataToken(1, "Viewer with personal data", auth.Viewer)
	return b
}

func (b testBundle) do(t testing.TB, token, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		j, _ := json.Marshal(v)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req)
}

// send makes the request and reads the whole answer.
func send(t testing.TB, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

type runJSON struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	TotalRows *int64 `json:"total_rows"`
	Error     *string
	Truncated bool `json:"truncated"`
}

func (b testBundle) generate(t testing.TB, token, report string, filters map[string]any) runJSON {
	t.Helper()
	code, _, body := b.do(t, token, "POST", "/v1/runs", map[string]any{"report": report, "filters": filters})
	if code != http.StatusAccepted {
		t.Fatalf("generate: %d %s", code, body)
	}
	var r runJSON
	json.Unmarshal(body, &r)
	return r
}

func (b testBundle) wait(t testing.TB, token, id string) runJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, _, body := b.do(t, token, "GET", "/v1/runs/"+id, nil)
		var r runJSON
		json.Unmarshal(body, &r)
		if r.Status == "finished" || r.Status == "failed" || r.Status == "canceled" {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("run %s did not finish", id)
	return runJSON{}
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location, Message string
	} `json:"errors"`
}

func TestAPI_GenerateFollowViewAndDownload(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1d"})
	if r.Status != "waiting" {
		t.Fatalf("new run is %s", r.Status)
	}
	done := b.wait(t, b.viewer, r.ID)
	if done.Status != "finished" || done.TotalRows == nil || *done.TotalRows != 7 {
		t.Fatalf("run ended %+v", done)
	}
	// View: one page sorted by service level, highest first.
	code, _, body := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/rows?limit=3&sort=service_level&desc=true", nil)
	var page struct {
		Rows  [][]*string `json:"rows"`
		Total int64       `json:"total"`
	}
	json.Unmarshal(body, &page)
	if code != 200 || page.Total != 7 || len(page.Rows) != 3 {
		t.Fatalf("rows: %d %s", code, body)
	}
	// Download equals the report written directly from the warehouse.
	code, hdr, csv := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/download?format=csv", nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "service_level_2024-03-01_2024-03-07_"+r.ID+".csv") {
		t.Fatalf("download: %d %v", code, hdr)
	}
	def := b.srv.Catalog.Reports["kpis.service_level"]
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	comp, err := engine.Compile(context.Background(), def, map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1d"},
		engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables()})
	if err != nil {
		t.Fatal(err)
	}
	var direct bytes.Buffer
	if _, err := export.Run(context.Background(), b.srv.Warehouse, comp, mustFormat(t, "csv"), "pt-BR", &direct, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(csv, direct.Bytes()) {
		t.Fatalf("download differs from the direct export:\n%s\n---\n%s", csv, direct.Bytes())
	}
	code, hdr, _ = b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/download?format=xlsx", nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx: %d %v", code, hdr)
	}
	code, _, body = b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/events", nil)
	if code != 200 || !strings.Contains(string(body), `"status":"finished"`) {
		t.Fatalf("events: %d %s", code, body)
	}
	// The admin sees the audit trail of generate, view and download.
	_, _, body = b.do(t, b.admin, "GET", "/v1/audit", nil)
	for _, action := range []string{"run.generate", "run.view", "run.download"} {
		if !strings.Contains(string(body), action) {
			t.Errorf("audit lacks %s: %s", action, body)
		}
	}
}

func TestAPI_BadInputIsAProblemAndWritesNothing(t *testing.T) {
	b := setup(t)
	for _, tc := range []struct {
		name, token, method, path string
		body                      any
		status                    int
		location                  string
	}{
		{"no token", "", "GET", "/v1/runs", nil, 401, ""},
		{"bad token", "rlt_nope", "GET", "/v1/runs", nil, 401, ""},
		{"unknown report", b.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.nope"}, 422, "body.report"},
		{"bad interval", b.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "interval": "7m"}}, 422, "body.filters.interval"},
		{"negative threshold", b.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "threshold": "-1s"}}, 422, "body.filters.threshold"},
		{"period over the e-mail extraction's 30 days", b.viewerPD, "POST", "/v1/runs", map[string]any{"report": "extraction.contact_emails", "filters": map[string]any{"period": "2024-01-01..2024-01-31"}}, 422, "body.filters.period"},
		{"another tenant's wallet", b.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "wallet": 201}}, 422, "body.filters.wallet"},
		{"unknown filter", b.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "colour": "blue"}}, 422, "body.filters.colour"},
		{"malformed JSON", b.viewer, "POST", "/v1/runs", `{"report": `, 400, ""},
		{"oversized body", b.viewer, "POST", "/v1/runs", `{"report":"` + strings.Repeat("x", 100<<10) + `"}`, 413, ""},
		{"unknown run", b.viewer, "GET", "/v1/runs/does-not-exist", nil, 404, ""},
		{"viewer asks for all runs", b.viewer, "GET", "/v1/runs?scope=all", nil, 403, ""},
		{"bad sort", b.viewer, "GET", "/v1/runs?limit=0", nil, 422, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, hdr, body := b.do(t, tc.token, tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, body)
			}
			if !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("content type %q", hdr.Get("Content-Type"))
			}
			var p problem
			if err := json.Unmarshal(body, &p); err != nil || p.Status != tc.status {
				t.Fatalf("not a problem: %s", body)
			}
			if tc.location != "" {
				found := false
				for _, e := range p.Errors {
					found = found || e.Location == tc.location
				}
				if !found {
					t.Fatalf("no error at %s: %s", tc.location, body)
				}
			}
		})
	}
	// Nothing was written by any of them.
	_, _, body := b.do(t, b.manager, "GET", "/v1/runs?scope=all", nil)
	if !strings.Contains(string(body), `"runs":[]`) {
		t.Fatalf("a failed request left a run: %s", body)
	}
}

func TestAPI_RunsAreInvisibleAcrossTenantsAndToOtherViewers(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewer, "contacts.all_contacts", map[string]any{"period": "2024-03-01..2024-03-02"})
	b.wait(t, b.viewer, r.ID)
	paths := []struct{ method, path string }{
		{"GET", "/v1/runs/" + r.ID}, {"GET", "/v1/runs/" + r.ID + "/rows"}, {"GET", "/v1/runs/" + r.ID + "/download"},
		{"GET", "/v1/runs/" + r.ID + "/events"}, {"POST", "/v1/runs/" + r.ID + "/cancel"}, {"DELETE", "/v1/runs/" + r.ID},
	}
	for _, who := range []struct{ name, token string }{{"another tenant's admin", b.other}, {"another viewer", b.viewer2}} {
		for _, p := range paths {
			code, _, body := b.do(t, who.token, p.method, p.path, nil)
			if code != 404 {
				t.Errorf("%s: %s %s = %d, want 404: %s", who.name, p.method, p.path, code, body)
			}
		}
	}
	// A manager of the tenant sees it in "all", the other viewer does not in "mine".
	_, _, body := b.do(t, b.manager, "GET", "/v1/runs?scope=all", nil)
	if !strings.Contains(string(body), r.ID) {
		t.Fatalf("manager does not see the run: %s", body)
	}
	_, _, body = b.do(t, b.viewer2, "GET", "/v1/runs", nil)
	if strings.Contains(string(body), r.ID) {
		t.Fatal("another viewer sees the run in mine")
	}
	_, _, body = b.do(t, b.other, "GET", "/v1/runs", nil)
	if strings.Contains(string(body), r.ID) {
		t.Fatal("another tenant sees the run")
	}
	// The owner deletes it: gone, snapshot too.
	if code, _, body := b.do(t, b.viewer, "DELETE", "/v1/runs/"+r.ID, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, _, _ := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID, nil); code != 404 {
		t.Fatalf("deleted run still there: %d", code)
	}
	if ok, _ := b.srv.Snapshots.Exists(context.Background(), r.ID); ok {
		t.Fatal("the snapshot outlived its run")
	}
}

func TestAPI_CatalogAndOpenAPI(t *testing.T) {
	b := setup(t)
	code, _, body := b.do(t, b.viewer, "GET", "/v1/reports/kpis.service_level?lang=en", nil)
	if code != 200 || !strings.Contains(string(body), `"title":"Service level (SL)"`) || !strings.Contains(string(body), `"max_span":"31 days"`) {
		t.Fatalf("report: %d %s", code, body)
	}
	code, _, body = b.do(t, b.viewer, "GET", "/v1/reports", nil)
	var list struct{ Reports []engine.ReportInfo }
	json.Unmarshal(body, &list)
	if code != 200 || len(list.Reports) != len(b.srv.Catalog.Reports) {
		t.Fatalf("reports: %d, %d listed", code, len(list.Reports))
	}
	code, _, body = b.do(t, "", "GET", "/openapi.json", nil)
	if code != 200 || !strings.Contains(string(body), `"openapi":"3.1`) {
		t.Fatalf("openapi: %d", code)
	}
	for _, op := range []string{"create-run", "list-runs", "get-run-rows", "download-run", "run-events", "cancel-run", "delete-run"} {
		if !strings.Contains(string(body), fmt.Sprintf(`"operationId":"%s"`, op)) {
			t.Errorf("openapi lacks %s", op)
		}
	}
	if code, _, _ := b.do(t, "", "GET", "/healthz", nil); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	// Issue 11 puts /metrics behind an operator's token.
	op := b.server.Token(0, "Plataforma", auth.Operator)
	if code, _, body := b.do(t, op, "GET", "/metrics", nil); code != 200 || !strings.Contains(string(body), "relato_http_requests_total") {
		t.Fatalf("metrics %d", code)
	}
}

func TestAPI_RetentionRemovesOldRunsAndTheirSnapshots(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "2024-03-01..2024-03-02"})
	b.wait(t, b.viewer, r.ID)
	if n := b.srv.PurgeOnce(context.Background(), 24*time.Hour); n != 0 {
		t.Fatalf("a fresh run was purged")
	}
	// Seen from a year later, the run is past a 30-day retention.
	b.srv.Now = func() time.Time { return time.Now().AddDate(1, 0, 0) }
	if n := b.srv.PurgeOnce(context.Background(), 30*24*time.Hour); n != 1 {
		t.Fatalf("purged %d runs, want 1", n)
	}
	if code, _, _ := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID, nil); code != 404 {
		t.Fatalf("purged run still served: %d", code)
	}
	if ok, _ := b.srv.Snapshots.Exists(context.Background(), r.ID); ok {
		t.Fatal("purged run's snapshot remains")
	}
}

func TestAPI_MeAndLookupsAreTheCallersTenantOnly(t *testing.T) {
	b := setup(t)
	code, _, body := b.do(t, b.manager, "GET", "/v1/me", nil)
	if code != 200 || !strings.Contains(string(body), `"role":"manager"`) || !strings.Contains(string(body), `"tenant_id":1`) || !strings.Contains(string(body), `"time_zone":"America/Sao_Paulo"`) {
		t.Fatalf("me: %d %s", code, body)
	}
	code, _, body = b.do(t, b.viewer, "GET", "/v1/lookups/wallet", nil)
	var vals []reporting.LookupValue
	json.Unmarshal(body, &vals)
	if code != 200 || len(vals) == 0 {
		t.Fatalf("wallets: %d %s", code, body)
	}
	for _, v := range vals {
		if strings.HasPrefix(v.Value, "2") && len(v.Value) == 3 { // tenant 2's wallets are 2xx
			t.Fatalf("tenant 2's wallet %v listed for tenant 1", v)
		}
	}
	_, _, body = b.do(t, b.viewer, "GET", "/v1/lookups/user", nil)
	if strings.Contains(string(body), "TENANT2MARK") || !strings.Contains(string(body), `"label"`) {
		t.Fatalf("users: %s", body)
	}
	_, _, body = b.do(t, b.other, "GET", "/v1/lookups/user", nil)
	if !strings.Contains(string(body), "TENANT2MARK") {
		t.Fatal("tenant 2 does not see its own users, so the check above proves nothing")
	}
	if code, _, _ := b.do(t, b.viewer, "GET", "/v1/lookups/secrets", nil); code != 422 {
		t.Fatalf("unknown lookup kind: %d", code)
	}
	_, _, body = b.do(t, b.viewer, "GET", "/v1/lookups/channel", nil)
	if !strings.Contains(string(body), `"value":"whatsapp"`) {
		t.Fatalf("channels: %s", body)
	}
	// The seed gives each tenant bots 100·t+1..100·t+3 named from one list, so
	// tenant 1 sees 101..103 by name, ordered by name.
	code, _, body = b.do(t, b.viewer, "GET", "/v1/lookups/bot", nil)
	vals = nil
	json.Unmarshal(body, &vals)
	want := []reporting.LookupValue{{Value: "101", Label: "Assistente Virtual"}, {Value: "102", Label: "Bot Cobrança"}, {Value: "103", Label: "Bot Suporte"}}
	if code != 200 || fmt.Sprint(vals) != fmt.Sprint(want) {
		t.Fatalf("bots: %d %s, want %v", code, body, want)
	}
}

func mustFormat(t testing.TB, id string) export.Format {
	t.Helper()
	f, err := export.ParseFormat(id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A relative period resolves once, at the instant the request is validated:
// the run executes that period, not one worked out again by another clock.
// The server's clock is fixed at 2024-03-20 12:00 UTC (09:00 in São Paulo), so
// "yesterday" is 2024-03-19 there, whatever day the test runs on.
func TestAPI_ARelativePeriodRunsThePeriodItWasValidatedWith(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "yesterday", "interval": "1d"})
	b.wait(t, b.viewer, r.ID)
	_, _, body := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/rows?numbers=text", nil)
	var page struct {
		Rows  [][]*string
		Total int64
	}
	json.Unmarshal(body, &page)
	// One day at 1 d: one row of the full grid, dated 2024-03-19.
	if page.Total != 1 || len(page.Rows) != 1 || page.Rows[0][0] == nil || !strings.HasPrefix(*page.Rows[0][0], "2024-03-19") {
		t.Fatalf("rows of yesterday: %s", body)
	}
}
