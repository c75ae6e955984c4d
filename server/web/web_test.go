package web_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/relato/relato/server/servertest"
	"github.com/relato/relato/server/web"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestHandler_ServesPageAndAssetsOnly(t *testing.T) {
	h := servertest.Start(t, servertest.Options{}).Handler()
	cases := []struct {
		path, contentType, contains string
		status                      int
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/static/app.js">`, 200},
		{"/static/app.js", "text/javascript; charset=utf-8", "renderRuns", 200},
		{"/static/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", "uPlot", 200},
		{"/static/style.css", "text/css; charset=utf-8", "--accent", 200},
		{"/openapi.json", "application/openapi+json", `"/v1/runs"`, 200}, // the API behind the same origin
		{"/static/missing.js", "", "", 404},
		{"/nothing-here", "", "", 404},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			rec := get(t, h, c.path)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d", rec.Code, c.status)
			}
			if c.status != 200 {
				return
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, c.contentType) {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if !strings.Contains(rec.Body.String(), c.contains) {
				t.Errorf("body lacks %q", c.contains)
			}
		})
	}
	if csp := get(t, h, "/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("page CSP %q", csp)
	}
}

// apiCall matches call("GET", "/v1/…"), callBlob(…), callEvents(…) and callPage(…) with a
// literal path (quoted or a template literal).
var apiCall = regexp.MustCompile("call(?:Blob|Events|Page)?\\(\\s*\"([A-Z]+)\",\\s*([\"`])(/[^\"`]*)[\"`]")

// TestPages_CallOnlyDocumentedAPIPaths reads every JS file of the pages and
// checks each API call's method and path against the API's /openapi.json.
func TestPages_CallOnlyDocumentedAPIPaths(t *testing.T) {
	rec := get(t, servertest.Start(t, servertest.Options{}).Handler(), "/openapi.json")
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json: %v (%d paths)", err, len(doc.Paths))
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+param.ReplaceAllString(p, "{}")] = true
		}
	}
	templ := regexp.MustCompile(`\$\{[^}]+\}`)
	seen := map[string]bool{}
	fetches := 0
	err := fs.WalkDir(web.Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") || strings.HasPrefix(path, "vendor/") {
			return err
		}
		src, err := fs.ReadFile(web.Static(), path)
		if err != nil {
			return err
		}
		text := string(src)
		fetches += strings.Count(text, "fetch(")
		matches := apiCall.FindAllStringSubmatch(text, -1)
		// Every /v1/ literal must be one of the checked calls, so no path
		// reaches fetch without this test seeing it.
		if n := strings.Count(text, "\"/v1/") + strings.Count(text, "`/v1/"); n != len(matches) {
			t.Errorf("%s: %d /v1/ literals but %d call(METHOD, path) sites", path, n, len(matches))
		}
		for _, m := range matches {
			key := m[1] + " " + templ.ReplaceAllString(m[3], "{}")
			seen[key] = true
			if !documented[key] {
				t.Errorf("%s: %s is not in /openapi.json", path, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// api.js's one fetch is the only way out; anything else would bypass the check.
	if fetches != 1 {
		t.Errorf("%d fetch( calls in the pages' JS, want exactly 1 (in api.js)", fetches)
	}
	// The pages use these operations; losing one means a feature was dropped.
	want := []string{"GET /v1/reports", "GET /v1/reports/{}", "POST /v1/runs", "GET /v1/runs", "GET /v1/runs/{}",
		"POST /v1/runs/{}/cancel", "GET /v1/runs/{}/rows", "GET /v1/runs/{}/download", "GET /v1/runs/{}/events",
		"GET /v1/schedules", "POST /v1/schedules", "GET /v1/schedules/{}", "PUT /v1/schedules/{}", "DELETE /v1/schedules/{}",
		"POST /v1/schedules/{}/pause", "POST /v1/schedules/{}/resume", "POST /v1/schedules/{}/run-now",
		"POST /v1/destinations/test", "GET /v1/runs/{}/deliveries", "GET /v1/lookups/{}"}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("the pages never call %s", w)
		}
	}
	if t.Failed() {
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Logf("calls found: %v", keys)
	}
}
