package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRun_AnUnknownReportOrFilterSuggestsTheClosestName(t *testing.T) {
	needWarehouse(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a report with a typo", []string{"run", "kpis.service_levl"}, `unknown report "kpis.service_levl"; did you mean kpis.service_level?`},
		{"a report without its category", []string{"run", "service_level"}, `did you mean kpis.service_level?`},
		{"a filter with a typo", []string{"run", "kpis.service_level", "--filter", "period=yesterday", "--filter", "treshold=30s"}, `filter "treshold": unknown filter; did you mean threshold?`},
		{"nothing close", []string{"run", "kpis.nope_at_all"}, `unknown report "kpis.nope_at_all" (see relato catalog)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runRelato(t, nil, append(tc.args, "--data", data)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

func TestLookups_ListsTheValuesAndLabelsAFilterAccepts(t *testing.T) {
	needWarehouse(t)
	stdout, stderr, code := runRelato(t, nil, "lookups", "wallet", "--tenant", "1", "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The seed gives tenant t the wallets t*100+1… named Vendas, Cobrança,
	// SAC, Suporte Técnico, Retenção, Ouvidoria; listed by label.
	want := "VALUE LABEL\n102 Cobrança\n106 Ouvidoria\n105 Retenção\n103 SAC\n104 Suporte Técnico\n101 Vendas\n"
	if got := regexp.MustCompile(` {2,}`).ReplaceAllString(stdout, " "); got != want {
		t.Fatalf("stdout\n%s\nwant\n%s", got, want)
	}
	// Tenant 2's wallets are its own ids.
	stdout, _, _ = runRelato(t, nil, "lookups", "wallet", "--tenant", "2", "--data", data)
	if !regexp.MustCompile(`(?m)^201\s+Vendas$`).MatchString(stdout) || strings.Contains(stdout, "101") {
		t.Fatalf("tenant 2:\n%s", stdout)
	}
	stdout, _, _ = runRelato(t, nil, "lookups", "event_type", "--data", data)
	if !regexp.MustCompile(`(?m)^sale\s+Venda$`).MatchString(stdout) {
		t.Fatalf("event types:\n%s", stdout)
	}
	_, stderr, code = runRelato(t, nil, "lookups", "walet", "--data", data)
	if code != 2 || !strings.Contains(stderr, `unknown lookup "walet"; did you mean wallet?`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestRun_ALookupFilterTakesANameTheTenantHasOnce(t *testing.T) {
	needWarehouse(t)
	dir := t.TempDir()
	// The CLI's test warehouse covers the 21 days before today.
	run := func(name string, filters ...string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		args := []string{"run", "kpis.kpi_events", "--data", data, "--tenant", "1", "-o", out, "--filter", "period=last_14_days"}
		for _, f := range filters {
			args = append(args, "--filter", f)
		}
		_, stderr, code := runRelato(t, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", filters, code, stderr)
		}
		return readFile(t, out)
	}
	// By name and by id the result is the same file.
	byName := run("name.csv", "wallet=vendas", "event_type=Venda", "channels=WhatsApp,webchat")
	byID := run("id.csv", "wallet=101", "event_type=sale", "channels=whatsapp,webchat")
	if byName != byID {
		t.Fatalf("by name and by id differ:\n%s\n---\n%s", byName, byID)
	}
	if strings.Count(byID, "\n") < 2 {
		t.Fatalf("no rows: the comparison proves nothing:\n%s", byID)
	}
	// A name no wallet has is still refused.
	_, stderr, code := runRelato(t, nil, "run", "kpis.kpi_events", "--data", data, "--filter", "period=yesterday", "--filter", "wallet=Marketing")
	if code != 2 || !strings.Contains(stderr, `filter "wallet"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
