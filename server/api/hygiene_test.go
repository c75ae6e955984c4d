package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/servertest"
)

// Issue 11, point 6: error bodies echoed the request, passwords included;
// answers carried no no-store or nosniff; /metrics needed no token; a lower
// case bearer scheme was refused; every rows page wrote a run.view row.
func TestAPI_ProblemsNeverEchoTheRequestBody(t *testing.T) {
	b := setup(t)
	const secret = "hunter2-s3cret"
	for _, c := range []struct {
		ct, body string
		want     int
	}{
		{"application/json", `{"report":"kpis.service_level","destinations":[{"kind":"ftp","config":{"password":"` + secret + `"}}] broken`, 400},
		{"text/plain", `{"password":"` + secret + `"}`, 415},
		{"application/json", `{"report":"kpis.service_level","password":"` + secret + `"}`, 422},
		{"application/json", `{"report":"kpis.service_level","recurrence":"0 6 * * *","destinations":[{"kind":"ftp","config":{"host":"ftp.example.com","password":["` + secret + `"]}}]}`, 422},
	} {
		req, _ := http.NewRequest("POST", b.url+"/v1/schedules", strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+b.admin)
		req.Header.Set("Content-Type", c.ct)
		code, _, data := send(t, req)
		if code != c.want || strings.Contains(string(data), secret) {
			t.Errorf("%s %.40s…: %d %s", c.ct, c.body, code, data)
		}
	}
	// A scalar value of an ordinary field is still shown, to point at the mistake.
	code, _, data := b.do(t, b.admin, "GET", "/v1/runs?status=sideways", nil)
	if code != 422 || !strings.Contains(string(data), `"value":"sideways"`) {
		t.Fatalf("bad status: %d %s", code, data)
	}
}

func TestAPI_AnswersAreNotCachedNorSniffedAndMetricsNeedAnOperator(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "2024-03-01..2024-03-02"})
	b.wait(t, b.viewer, r.ID)
	for _, path := range []string{"/v1/runs/" + r.ID + "/rows", "/v1/runs/" + r.ID + "/download?format=csv", "/v1/runs/nope", "/v1/reports"} {
		code, h, _ := b.do(t, b.viewer, "GET", path, nil)
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s (%d): Cache-Control %q, X-Content-Type-Options %q", path, code, h.Get("Cache-Control"), h.Get("X-Content-Type-Options"))
		}
	}
	op := b.server.Token(0, "Plataforma", auth.Operator)
	for _, c := range []struct {
		token string
		want  int
	}{{"", 401}, {"nope", 401}, {b.admin, 403}, {op, 200}} {
		if code, _, _ := b.do(t, c.token, "GET", "/metrics", nil); code != c.want {
			t.Errorf("metrics with %q: %d, want %d", c.token, code, c.want)
		}
	}
	// The scheme is case-insensitive (RFC 9110 §11.1).
	req, _ := http.NewRequest("GET", b.url+"/v1/me", nil)
	req.Header.Set("Authorization", "bEaReR "+b.viewer)
	if code, _, data := send(t, req); code != 200 {
		t.Fatalf("mixed-case scheme: %d %s", code, data)
	}
}

func TestAPI_ViewingAResultIsAuditedOncePerUserRunAndMinute(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "2024-03-01..2024-03-02"})
	b.wait(t, b.viewer, r.ID)
	for i := 0; i < 6; i++ { // pages, sorts and searches of one look at the result
		if code, _, data := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/rows?offset="+[]string{"0", "10"}[i%2], nil); code != 200 {
			t.Fatalf("rows: %d %s", code, data)
		}
	}
	b.do(t, b.manager, "GET", "/v1/runs/"+r.ID+"/rows", nil)
	_, _, data := b.do(t, b.admin, "GET", "/v1/audit", nil)
	// 1 for the viewer's six pages + 1 for the manager's = 2 (within a minute;
	// across a minute boundary the viewer's could be 2, hence ≤ 3).
	if n := strings.Count(string(data), `"action":"run.view"`); n < 2 || n > 3 {
		t.Fatalf("%d run.view entries: %s", n, data)
	}
}

func TestSchedules_ControlCharactersAndPathSegmentsAreRefusedAtSaveTime(t *testing.T) {
	b := setup(t)
	body := func(fileName string, cfg map[string]any) map[string]any {
		c := map[string]any{"host": "ftp.example.com", "username": "relato", "password": "x", "directory": "/in"}
		for k, v := range cfg {
			c[k] = v
		}
		return map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "recurrence": "0 6 * * *",
			"file_name": fileName, "destinations": []any{map[string]any{"kind": "ftp", "config": c}}}
	}
	for _, c := range []struct {
		name, fileName string
		cfg            map[string]any
		location       string
	}{
		{"a line break in the file name", "sl\r\nDELE x", nil, "body.file_name"},
		{"dots in the file name", "..{report}", nil, "body.file_name"},
		{"a line break in the user name", "{report}", map[string]any{"username": "relato\r\nDELE /in/x"}, "body.destinations[0].config.username"},
		{"a NUL in the folder", "{report}", map[string]any{"directory": "/in\x00"}, "body.destinations[0].config.directory"},
		{"a parent segment in the folder", "{report}", map[string]any{"directory": "/in/../../etc"}, "body.destinations[0].config.directory"},
		{"a line break in the password", "{report}", map[string]any{"password": "x\r\nDELE y"}, "body.destinations[0].config.password"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, data := b.do(t, b.manager, "POST", "/v1/schedules", body(c.fileName, c.cfg))
			if code != 422 || !strings.Contains(string(data), `"location":"`+c.location+`"`) {
				t.Fatalf("%d %s", code, data)
			}
		})
	}
	if code, _, data := b.do(t, b.manager, "POST", "/v1/schedules", body("{report}_{date}", map[string]any{"directory": "/in/relatórios..2024"})); code != 201 {
		t.Fatalf("a folder with dots inside a name was refused: %d %s", code, data)
	}
}

func TestAPI_InvalidUTF8IsRefusedNotRewritten(t *testing.T) {
	b := setup(t)
	req, _ := http.NewRequest("POST", b.url+"/v1/runs", strings.NewReader("{\"report\":\"kpis.service_level\",\"filters\":{\"period\":\"2024-03-01..2024-03-02\",\"wallet\":\"Cobran\xe7a\"}}"))
	req.Header.Set("Authorization", "Bearer "+b.viewer)
	req.Header.Set("Content-Type", "application/json")
	if code, _, data := send(t, req); code != 422 || !strings.Contains(string(data), "UTF-8") {
		t.Fatalf("%d %s", code, data)
	}
}

func TestDestinations_ATestToARefusedAddressSaysOnlyNotAllowed(t *testing.T) {
	b := setupWith(t, servertest.Options{Configure: func(c *instance.Config) { c.AllowOutbound = nil }})
	code, _, data := b.do(t, b.manager, "POST", "/v1/destinations/test", map[string]any{"kind": "ftp",
		"config": map[string]any{"host": "localhost", "port": 2121, "username": "u", "password": "p"}})
	if code != 200 || !strings.Contains(string(data), `"error":"address not allowed"`) || strings.Contains(string(data), "/8") || strings.Contains(string(data), "is in") {
		t.Fatalf("%d %s", code, data)
	}
}
