package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A JSON answer's $schema is a link that resolves, whatever name the server
// is reached by: through "localhost" Huma used to write "https:////schemas/…"
// from the OpenAPI server URL "/".
func TestSchemaLink_ResolvesWhenReachedThroughLocalhost(t *testing.T) {
	b := setup(t)
	for _, base := range []string{strings.Replace(b.url, "127.0.0.1", "localhost", 1), b.url} {
		t.Run(base, func(t *testing.T) {
			// The answer of GET /v1/runs/{id} with an unknown id is a problem, and
			// problems carry the ErrorModel's $schema like every other answer.
			for _, path := range []string{"/v1/reports", "/v1/runs/nosuchrun"} {
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Header.Set("Authorization", "Bearer "+b.viewer)
				_, _, data := send(t, req)
				var body struct {
					Schema string `json:"$schema"`
				}
				if err := json.Unmarshal(data, &body); err != nil {
					t.Fatalf("%s: %v in %.200s", path, err, data)
				}
				if !strings.HasPrefix(body.Schema, base+"/schemas/") || !strings.HasSuffix(body.Schema, ".json") {
					t.Fatalf("%s: $schema %q, want %s/schemas/….json", path, body.Schema, base)
				}
				code, _, schema := send(t, mustRequest(t, body.Schema))
				var s struct {
					Type       string         `json:"type"`
					Properties map[string]any `json:"properties"`
				}
				if code != 200 || json.Unmarshal(schema, &s) != nil || s.Type != "object" || s.Properties["$schema"] == nil {
					t.Fatalf("GET %s: %d %.200s, want a JSON schema of an object with $schema", body.Schema, code, schema)
				}
			}
		})
	}
}

// Behind a proxy that names the API localhost:…, the link names that host.
func TestSchemaLink_NamesTheForwardedLocalhost(t *testing.T) {
	b := setup(t)
	req, _ := http.NewRequest("GET", b.url+"/v1/reports", nil)
	req.Header.Set("Authorization", "Bearer "+b.viewer)
	req.Header.Set("X-Forwarded-Host", "localhost:9999")
	_, _, data := send(t, req)
	var body struct {
		Schema string `json:"$schema"`
	}
	json.Unmarshal(data, &body)
	if want := "http://localhost:9999/schemas/ReportsOutputBody.json"; body.Schema != want {
		t.Errorf("$schema %q, want %q", body.Schema, want)
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
