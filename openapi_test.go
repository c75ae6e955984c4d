package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/servertest"
)

// redoclyGlob is where `make redocly` installs the pinned @redocly/cli
// (.cache/redocly/<version>/); the RELATO_REDOCLY variable (set by the
// Makefile) names the binary instead.
const redoclyGlob = ".cache/redocly/*/node_modules/.bin/redocly"

// fetchOpenAPI starts the whole server (the same composition root as
// `relato serve`) and returns its /openapi.json as served.
func fetchOpenAPI(t *testing.T) []byte {
	t.Helper()
	srv := servertest.Start(t, servertest.Options{})
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %s", resp.StatusCode, body)
	}
	return body
}

// TestOpenAPI_LintsClean lints the served document with Redocly's
// recommended rules (configured in redocly.yaml): 0 errors and 0 warnings.
// It needs the pinned CLI (`make redocly`); without it the test is skipped,
// unless RELATO_REDOCLY names it, as `make test` does.
func TestOpenAPI_LintsClean(t *testing.T) {
	bin, required := os.LookupEnv("RELATO_REDOCLY")
	if !required {
		found, _ := filepath.Glob(redoclyGlob)
		if len(found) == 0 {
			t.Skipf("no Redocly CLI at %s: run `make redocly`", redoclyGlob)
		}
		bin = found[len(found)-1]
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("RELATO_REDOCLY=%s: %v", bin, err)
	}
	doc := filepath.Join(t.TempDir(), "openapi.json")
	if out := os.Getenv("RELATO_OPENAPI_OUT"); out != "" {
		doc = out // keep the document to read it
	}
	if err := os.WriteFile(doc, fetchOpenAPI(t), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "lint", "--config", "redocly.yaml", "--format", "json", doc)
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var report struct {
		Totals struct {
			Errors, Warnings int
		}
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string
			Message  string
			Location []struct{ Pointer string }
		}
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("redocly lint: %v (%v)\n%s\n%s", err, jerr, out, stderr.String())
	}
	// Redocly exits 0 on warnings; they count as failures here.
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("%s %s: %s (%s)", p.Severity, p.RuleID, p.Message, where)
	}
	if report.Totals.Errors != 0 || report.Totals.Warnings != 0 || err != nil {
		t.Fatalf("redocly lint: %d errors, %d warnings (%v)", report.Totals.Errors, report.Totals.Warnings, err)
	}
}

// TestOpenAPI_DocumentsProblems checks, without Redocly, what issue 10 asks of
// the document: a server entry, a license, and on every operation a 4xx
// response and a 500, both problem+json.
func TestOpenAPI_DocumentsProblems(t *testing.T) {
	var doc struct {
		Info struct {
			License *struct{ Name, URL string } `json:"license"`
		} `json:"info"`
		Servers []struct{ URL string } `json:"servers"`
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Responses   map[string]struct {
				Content map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(fetchOpenAPI(t), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.License == nil || doc.Info.License.Name == "" || doc.Info.License.URL == "" {
		t.Errorf("info.license = %+v, want a name and a URL", doc.Info.License)
	}
	if len(doc.Servers) == 0 {
		t.Errorf("no servers entry")
	}
	if len(doc.Paths) == 0 {
		t.Fatal("no paths")
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			var has4xx bool
			for code, r := range op.Responses {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				has4xx = has4xx || code[0] == '4'
				if _, ok := r.Content["application/problem+json"]; !ok {
					t.Errorf("%s %s: response %s is not application/problem+json", method, path, code)
				}
			}
			if !has4xx {
				t.Errorf("%s %s (%s): no 4xx response documented", method, path, op.OperationID)
			}
			if _, ok := op.Responses["500"]; !ok {
				t.Errorf("%s %s (%s): no 500 documented", method, path, op.OperationID)
			}
		}
	}
}

// TestOpenAPI_ListsAreNeverNull calls the operations that answer lists, with
// nothing to list where possible (a new user, a tenant without data, a search
// that matches nothing, a run without deliveries, a paused schedule), and
// checks every value the document declares an array is [] rather than null.
func TestOpenAPI_ListsAreNeverNull(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	var doc map[string]any
	if err := json.Unmarshal(get(t, srv.URL+"/openapi.json", ""), &doc); err != nil {
		t.Fatal(err)
	}
	admin := srv.Token(1, "Ana", auth.Admin)
	empty := srv.Token(3, "Bia", auth.Admin) // tenant 3 has no warehouse data
	operator := srv.Token(0, "Comercial", auth.Operator)

	run := call(t, "POST", srv.URL+"/v1/runs", admin, `{"report":"kpis.service_level","filters":{"period":"2024-03-01..2024-03-01"}}`)
	id := run["id"].(string)
	waitFinished(t, srv.URL, admin, id)
	sch := call(t, "POST", srv.URL+"/v1/schedules", admin, `{"report":"kpis.service_level","filters":{"period":"yesterday"},
		"recurrence":"0 7 * * 1-5","paused":true,"destinations":[{"kind":"sftp","config":{"host":"127.0.0.1","port":22,
		"username":"relato","password":"x","host_key_sha256":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","directory":"/in"}}]}`)

	for _, c := range []struct{ op, url, token string }{
		{"/v1/reports", "/v1/reports", empty},
		{"/v1/reports/{id}", "/v1/reports/kpis.service_level", empty},
		{"/v1/runs", "/v1/runs?scope=mine", empty},
		{"/v1/runs", "/v1/runs?scope=all&status=failed", admin},
		{"/v1/runs/{id}", "/v1/runs/" + id, admin},
		{"/v1/runs/{id}/rows", "/v1/runs/" + id + "/rows?q=no-such-text", admin},
		{"/v1/runs/{id}/deliveries", "/v1/runs/" + id + "/deliveries", admin},
		{"/v1/schedules", "/v1/schedules", empty},
		{"/v1/schedules/{id}", "/v1/schedules/" + sch["id"].(string), admin},
		{"/v1/audit", "/v1/audit", empty},
		{"/v1/lookups/{kind}", "/v1/lookups/wallet", empty},
		{"/v1/admin/plugins", "/v1/admin/plugins", empty},
		{"/v1/operator/audit", "/v1/operator/audit", operator},
		{"/v1/tokens", "/v1/tokens?user_id=nobody", admin},
		{"/v1/users", "/v1/users", admin},
		{"/v1/operator/tokens", "/v1/operator/tokens?user_id=nobody", operator},
		{"/v1/operator/users", "/v1/operator/users", operator},
	} {
		t.Run(c.url, func(t *testing.T) {
			var body any
			if err := json.Unmarshal(get(t, srv.URL+c.url, c.token), &body); err != nil {
				t.Fatal(err)
			}
			schema := lookup(doc, "paths", c.op, "get", "responses", "200", "content", "application/json", "schema")
			if schema == nil {
				t.Fatalf("no 200 application/json schema for GET %s", c.op)
			}
			checkNoNullArrays(t, doc, schema, body, "$")
		})
	}
}

// checkNoNullArrays walks value along schema (following $ref) and reports
// every null where the schema declares an array.
func checkNoNullArrays(t *testing.T, doc map[string]any, schema, value any, at string) {
	t.Helper()
	s, _ := schema.(map[string]any)
	for s != nil && s["$ref"] != nil {
		ref := strings.TrimPrefix(s["$ref"].(string), "#/")
		var parts []any
		for _, p := range strings.Split(ref, "/") {
			parts = append(parts, p)
		}
		s, _ = lookup(doc, parts...).(map[string]any)
	}
	if s == nil {
		return
	}
	switch v := value.(type) {
	case nil:
		if s["type"] == "array" {
			t.Errorf("%s is null; the document says it is an array", at)
		}
	case []any:
		for i, item := range v {
			checkNoNullArrays(t, doc, s["items"], item, at+"["+strconv.Itoa(i)+"]")
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, item := range v {
			if ps, ok := props[k]; ok {
				checkNoNullArrays(t, doc, ps, item, at+"."+k)
			} else {
				checkNoNullArrays(t, doc, s["additionalProperties"], item, at+"."+k)
			}
		}
	}
}

// lookup follows keys through nested JSON objects; nil when one is missing.
func lookup(v any, keys ...any) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k.(string)]
	}
	return v
}

func get(t *testing.T, url, token string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

func call(t *testing.T, method, url, token, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, data)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func waitFinished(t *testing.T, base, token, id string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var r struct{ Status string }
		json.Unmarshal(get(t, base+"/v1/runs/"+id, token), &r)
		switch r.Status {
		case "finished":
			return
		case "failed", "canceled":
			t.Fatalf("run %s %s", id, r.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("run %s did not finish in a minute", id)
}
