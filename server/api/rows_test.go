package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/relato/relato/engine"
)

type rowsPage struct {
	Columns []struct {
		Name       string `json:"name"`
		Type       string `json:"type"`
		Decimals   *int   `json:"decimals"`
		Identifier bool   `json:"identifier"`
	} `json:"columns"`
	Rows  [][]any `json:"rows"`
	Total int64   `json:"total"`
}

// requiredInputs fills a report's required filters for a run over the seeded
// window: the period covers it and a required lookup takes the first value the
// tenant's lookup lists (GET /v1/lookups/{kind}).
func (b testBundle) requiredInputs(t *testing.T, def *engine.Definition) map[string]any {
	t.Helper()
	in := map[string]any{}
	for _, f := range def.Filters {
		if f.Computed() || !f.Required {
			continue
		}
		if f.Type == "period" {
			in[f.Name] = "2024-02-28..2024-03-19"
			continue
		}
		code, _, body := b.do(t, b.viewer, "GET", "/v1/lookups/"+f.Type, nil)
		var values []struct{ Value string }
		if code != 200 || json.Unmarshal(body, &values) != nil || len(values) == 0 {
			t.Fatalf("filter %s: no lookup value to fill it (%d %s)", f.Name, code, body)
		}
		in[f.Name] = values[0].Value
	}
	return in
}

// inOrder reports whether a page's values of a numeric column never go the
// wrong way (NULLs, shown empty, are skipped: ClickHouse puts them last).
func inOrder(rows [][]any, col int, desc bool) error {
	var prev *float64
	for i, r := range rows {
		num, ok := r[col].(json.Number)
		n, _ := num.Float64()
		if !ok {
			if r[col] != nil {
				return fmt.Errorf("row %d: %v (%T) is not a JSON number", i, r[col], r[col])
			}
			continue
		}
		if prev != nil && ((!desc && n < *prev) || (desc && n > *prev)) {
			return fmt.Errorf("row %d: %v after %v", i, n, *prev)
		}
		prev = &n
	}
	return nil
}

// The result view sorts and searches every column of every report of the
// catalog in both directions: no request answers 500 (ClickHouse's top-K
// filter once compared a String column as Float64 when sorting with a
// search), a numeric column comes back in numeric order as JSON numbers, and
// the characters SQL's LIKE and ClickHouse's escaping give a meaning to are
// searched literally.
func TestRows_EveryColumnOfEveryReportSortsAndSearchesOnSeededData(t *testing.T) {
	b := setup(t)
	// A viewer holding personal_data: the extractions run for it only, and
	// whole values are what this test sorts and searches (issue 17).
	defs := b.srv.Reports(1)
	if len(defs) < 30 {
		t.Fatalf("the catalog has %d reports; the test would prove little", len(defs))
	}
	runs := map[string]string{}
	for _, def := range defs {
		runs[def.ID] = b.generate(t, b.viewerPD, def.ID, b.requiredInputs(t, def)).ID
	}
	for _, def := range defs {
		t.Run(def.ID, func(t *testing.T) {
			id := runs[def.ID]
			if r := b.wait(t, b.viewerPD, id); r.Status != "finished" {
				t.Fatalf("run ended %s (%v)", r.Status, r.Error)
			}
			get := func(q url.Values) rowsPage {
				t.Helper()
				q.Set("limit", "50")
				code, _, body := b.do(t, b.viewerPD, "GET", "/v1/runs/"+id+"/rows?"+q.Encode(), nil)
				if code != 200 {
					t.Fatalf("rows?%s: %d %s", q.Encode(), code, body)
				}
				var p rowsPage
				dec := json.NewDecoder(bytes.NewReader(body))
				dec.UseNumber()
				if err := dec.Decode(&p); err != nil {
					t.Fatalf("rows?%s: %v", q.Encode(), err)
				}
				return p
			}
			all := get(url.Values{})
			if all.Total == 0 {
				t.Fatalf("no rows on seeded data: sorting them would prove nothing")
			}
			// Numbers come rounded to the column's decimals; ids and codes
			// say so, for pages to show them without thousands separators.
			for i, c := range all.Columns {
				if (c.Name == "id" || strings.HasSuffix(c.Name, "_id")) && c.Type == "int" && !c.Identifier {
					t.Errorf("column %s: an id not marked identifier", c.Name)
				}
				for _, r := range all.Rows {
					n, ok := r[i].(json.Number)
					if !ok || c.Decimals == nil {
						continue
					}
					if _, frac, _ := strings.Cut(n.String(), "."); len(frac) > *c.Decimals {
						t.Errorf("column %s: %s has more than %d decimals", c.Name, n, *c.Decimals)
					}
				}
			}
			// A search term taken from the first row's first text cell, so
			// the searched pages are not empty.
			term := "a"
			for i, c := range all.Columns {
				if s, ok := all.Rows[0][i].(string); ok && c.Type == "string" && len([]rune(s)) >= 2 {
					term = string([]rune(s)[:2])
					break
				}
			}
			for i, c := range def.Columns {
				for _, search := range []string{"", term} {
					for _, desc := range []bool{false, true} {
						q := url.Values{"sort": {c.Name}, "desc": {fmt.Sprint(desc)}}
						if search != "" {
							q.Set("q", search)
						}
						p := get(q)
						if search == "" && p.Total != all.Total {
							t.Errorf("sort %s: total %d, unsorted %d", c.Name, p.Total, all.Total)
						}
						if c.Type == engine.ColInt || c.Type == engine.ColNumber || c.Type == engine.ColPercent || c.Type == engine.ColDuration {
							if err := inOrder(p.Rows, i, desc); err != nil {
								t.Errorf("sort %s desc=%v q=%q: %v", c.Name, desc, search, err)
							}
						}
					}
				}
			}
			for _, s := range []string{`\`, `%`, `_`, `'`, `\%`, `''`} {
				get(url.Values{"q": {s}})
				get(url.Values{"q": {s}, "sort": {def.Columns[0].Name}, "desc": {"true"}})
			}
		})
	}
}
