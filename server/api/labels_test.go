package api_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

type labelledPage struct {
	Columns []struct {
		Name       string            `json:"name"`
		Values     map[string]string `json:"values"`
		ValuesFrom string            `json:"values_from"`
	} `json:"columns"`
	Rows  [][]any              `json:"rows"`
	Codes map[string][]*string `json:"codes"`
}

// Issue 12: the rows API shows each coded cell's label in the requested
// language and keeps the code beside it; a download in English says Voice.
func TestRows_CodedCellsShowTheLabelAndKeepTheCode(t *testing.T) {
	b := setup(t)
	r := b.generate(t, b.viewerPD, "contacts.all_contacts", map[string]any{"period": "2024-03-18..2024-03-19"})
	if w := b.wait(t, b.viewerPD, r.ID); w.Status != "finished" {
		t.Fatalf("run ended %s", w.Status)
	}
	// The tenant's event types: code → its label (GET /v1/lookups/event_type).
	code, _, body := b.do(t, b.viewer, "GET", "/v1/lookups/event_type", nil)
	var lookups []struct{ Value, Label string }
	if code != 200 || json.Unmarshal(body, &lookups) != nil || len(lookups) == 0 {
		t.Fatalf("lookups: %d %s", code, body)
	}
	eventLabel := map[string]string{}
	for _, l := range lookups {
		eventLabel[l.Value] = l.Label
	}

	for lang, voice := range map[string]string{"pt-BR": "Voz", "en": "Voice"} {
		code, _, body := b.do(t, b.viewerPD, "GET", "/v1/runs/"+r.ID+"/rows?limit=1000&lang="+lang, nil)
		var p labelledPage
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s rows: %d %s", lang, code, body)
		}
		col := map[string]int{}
		for i, c := range p.Columns {
			col[c.Name] = i
		}
		channel, event := p.Columns[col["channel"]], p.Columns[col["event_type"]]
		if channel.Values["voice"] != voice || event.ValuesFrom != "event_type" {
			t.Fatalf("%s columns: channel values %v, event_type from %q", lang, channel.Values, event.ValuesFrom)
		}
		if len(p.Codes["channel"]) != len(p.Rows) || len(p.Codes["event_type"]) != len(p.Rows) || len(p.Rows) == 0 {
			t.Fatalf("%s: %d rows, codes %d/%d", lang, len(p.Rows), len(p.Codes["channel"]), len(p.Codes["event_type"]))
		}
		voices, events := 0, 0
		for i, row := range p.Rows {
			c, shown := *p.Codes["channel"][i], row[col["channel"]].(string)
			if shown != channel.Values[c] {
				t.Fatalf("%s row %d: channel %q shown as %q, want %q", lang, i, c, shown, channel.Values[c])
			}
			if c == "voice" {
				voices++
			}
			e, shownEvent := *p.Codes["event_type"][i], row[col["event_type"]].(string)
			if e != "" {
				events++
				if shownEvent != eventLabel[e] || shownEvent == "" {
					t.Fatalf("%s row %d: event type %q shown as %q, want %q", lang, i, e, shownEvent, eventLabel[e])
				}
			}
		}
		if voices == 0 || events == 0 {
			t.Fatalf("%s: %d voice rows, %d with an event type: the check proves little", lang, voices, events)
		}
	}

	code, _, body = b.do(t, b.viewerPD, "GET", "/v1/runs/"+r.ID+"/download?format=csv&lang=en&purpose=test", nil)
	if code != 200 {
		t.Fatalf("download: %d %s", code, body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		seen[rec[2]+"/"+rec[3]] = true // channel/direction
	}
	if !seen["Voice/Inbound"] || seen["voice/inbound"] {
		t.Errorf("English download's channel/direction pairs: %v", seen)
	}
}
