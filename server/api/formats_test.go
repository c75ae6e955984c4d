package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2/humatest"
)

func TestListFormats_GivesTheRegistryInDisplayOrderWithLabelsInTheLanguage(t *testing.T) {
	t.Parallel()
	_, api := humatest.New(t)
	(&Server{}).registerFormats(api)
	const csvType = "text/csv; charset=utf-8"
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		query string
		want  []formatInfo
	}{
		{"?lang=pt-BR", []formatInfo{
			{"csv", "CSV padrão (vírgula)", ".csv", csvType},
			{"csv-excel", "CSV Excel pt-BR (ponto e vírgula)", ".csv", csvType},
			{"xlsx", "XLSX (Excel)", ".xlsx", xlsxType},
		}},
		{"?lang=en", []formatInfo{
			{"csv", "Standard CSV (comma)", ".csv", csvType},
			{"csv-excel", "pt-BR Excel CSV (semicolon)", ".csv", csvType},
			{"xlsx", "XLSX (Excel)", ".xlsx", xlsxType},
		}},
		{"", []formatInfo{ // pt-BR by default
			{"csv", "CSV padrão (vírgula)", ".csv", csvType},
			{"csv-excel", "CSV Excel pt-BR (ponto e vírgula)", ".csv", csvType},
			{"xlsx", "XLSX (Excel)", ".xlsx", xlsxType},
		}},
	}
	for _, tt := range tests {
		resp := api.Get("/v1/formats" + tt.query)
		if resp.Code != http.StatusOK {
			t.Fatalf("GET /v1/formats%s: %d %s", tt.query, resp.Code, resp.Body)
		}
		var body struct{ Formats []formatInfo }
		if err := json.Unmarshal(resp.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if len(body.Formats) < len(tt.want) {
			t.Fatalf("GET /v1/formats%s: %+v, want at least %+v", tt.query, body.Formats, tt.want)
		}
		for i, w := range tt.want {
			if body.Formats[i] != w {
				t.Errorf("GET /v1/formats%s: format %d is %+v, want %+v", tt.query, i, body.Formats[i], w)
			}
		}
	}
}

func TestListFormats_RefusesAnUnknownLanguage(t *testing.T) {
	t.Parallel()
	_, api := humatest.New(t)
	(&Server{}).registerFormats(api)
	resp := api.Get("/v1/formats?lang=es")
	if resp.Code != http.StatusUnprocessableEntity || !strings.Contains(resp.Body.String(), "query.lang") {
		t.Errorf("GET /v1/formats?lang=es: %d %s; want 422 naming query.lang", resp.Code, resp.Body)
	}
}

func TestListFormats_IsDocumentedAsACatalogOperationWithoutAToken(t *testing.T) {
	t.Parallel()
	_, api := humatest.New(t)
	(&Server{}).registerFormats(api)
	op := api.OpenAPI().Paths["/v1/formats"].Get
	if op == nil {
		t.Fatal("GET /v1/formats is not in the OpenAPI document")
	}
	if op.Summary == "" || len(op.Tags) != 1 || op.Tags[0] != "catalog" {
		t.Errorf("summary %q, tags %v; want a summary and tag catalog", op.Summary, op.Tags)
	}
	if op.Security == nil || len(op.Security) != 0 {
		t.Errorf("security %v; want an explicit empty list (no token)", op.Security)
	}
	doc, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"security":[]`) {
		t.Errorf("the operation's JSON does not say security: []: %s", doc)
	}
}
