package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// runInWords reads GET /v1/runs/{id} (and the list) as token, the language
// chosen by query (lang=…) or by acceptLanguage, and returns filters_text and
// the filter labels by name.
func (b testBundle) runInWords(t *testing.T, token, id, query, acceptLanguage string) (string, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("GET", b.url+"/v1/runs/"+id+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	code, _, body := send(t, req)
	if code != 200 {
		t.Fatalf("get run: %d %s", code, body)
	}
	var v struct {
		FiltersText  string `json:"filters_text"`
		FilterLabels []struct {
			Name, Label, Value string
			ValueLabel         string `json:"value_label"`
		} `json:"filter_labels"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, f := range v.FilterLabels {
		byName[f.Name] = f.Label + "=" + f.Value + "=" + f.ValueLabel
	}
	return v.FiltersText, byName
}

// Issue 12, "Runs carry names": a run shows every filter it was given or
// defaulted in words, in the reader's language: lookups by name, enums by
// their value labels, durations and periods as people write them.
func TestRunView_ShowsEveryFilterInWordsInTheReadersLanguage(t *testing.T) {
	b := setup(t)
	code, _, body := b.do(t, b.viewer, "POST", "/v1/runs", `{"report":"kpis.service_level","filters":{"period":"2024-03-01..2024-03-31","wallet":"Vendas","queues":["SAC","Vendas"]}}`)
	if code != 202 {
		t.Fatalf("%d %s", code, body)
	}
	var run struct{ ID string }
	json.Unmarshal(body, &run)

	// Seed: tenant 1's wallet 1 is Vendas (id 101), queues 3 and 1 are SAC
	// (103) and Vendas (101). Defaults: T 20 s, S 0 s, abandons negative,
	// interval 1h, only_with_calls false. The period's both days are included.
	const pt = "Período: 01/03/2024 a 31/03/2024 · Carteira: Vendas · Filas: SAC, Vendas · Limite (T): 20 s · " +
		"Abandono curto (S): 0 s · Abandonos: negativos · Intervalo: 1 h · Só intervalos com chamadas: Não"
	const en = "Period: 2024-03-01 to 2024-03-31 · Wallet: Vendas · Queues: SAC, Vendas · Threshold (T): 20 s · " +
		"Short abandon (S): 0 s · Abandons: negative · Interval: 1 h · Only intervals with calls: No"
	for _, c := range []struct{ name, query, accept, want string }{
		{"pt-BR by default", "", "", pt},
		{"English by lang", "?lang=en", "", en},
		{"English by Accept-Language", "", "en-US,en;q=0.9", en},
		{"lang wins over Accept-Language", "?lang=pt-BR", "en", pt},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, byName := b.runInWords(t, b.viewer, run.ID, c.query, c.accept)
			if text != c.want {
				t.Errorf("filters_text\n got %q\nwant %q", text, c.want)
			}
			if c.want == pt && byName["queues"] != "Filas=103,101=SAC, Vendas" {
				t.Errorf("queues in words: %q", byName["queues"])
			}
		})
	}

	// The list shows the same line.
	code, _, body = b.do(t, b.viewer, "GET", "/v1/runs?lang=en", nil)
	var list struct {
		Runs []struct {
			ID          string
			FiltersText string `json:"filters_text"`
		}
	}
	json.Unmarshal(body, &list)
	if code != 200 || len(list.Runs) != 1 || list.Runs[0].FiltersText != en {
		t.Errorf("list: %d %+v", code, list.Runs)
	}
}
