package engine_test

import (
	"testing"

	"github.com/relato/relato/engine"
)

func TestSuggest_NamesTheCandidateATypoMeant(t *testing.T) {
	reports := []string{"kpis.service_level", "kpis.abandonment_rate", "kpis.kpi_events", "contacts.served", "contacts.served_per_user"}
	filters := []string{"period", "wallet", "queues", "threshold", "interval", "abandons"}
	for _, tc := range []struct {
		name string
		in   []string
		want string
	}{
		{"kpis.service_levl", reports, "kpis.service_level"},   // one letter dropped
		{"KPIS.Service_Level ", reports, "kpis.service_level"}, // case and spaces only
		{"service_level", reports, "kpis.service_level"},       // category left out
		{"kpis.kpi_event", reports, "kpis.kpi_events"},
		{"perido", filters, "period"},      // transposition: distance 2
		{"treshold", filters, "threshold"}, // one letter dropped
		{"queue", filters, "queues"},
		{"xyz", filters, ""},                 // nothing close
		{"contacts.served_per", reports, ""}, // 4 edits from contacts.served: more than 2 and than 19/5 = 3
		{"abc", []string{"abd", "abe"}, ""},  // two at distance 1: no guess
		{"", filters, ""},
	} {
		if got := engine.Suggest(tc.name, tc.in); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
