package schedules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
)

func TestRenderFileName_KeepsTheNameAsTyped(t *testing.T) {
	t.Parallel()
	fired := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	withPeriod := FileNameValues{Report: "service_level", ReportID: "kpis.service_level", From: "2026-11-01", To: "2026-11-29", RunTime: fired, RunID: "r1", Schedule: "NS diário"}
	noPeriod := withPeriod
	noPeriod.From, noPeriod.To = "", ""
	tests := []struct {
		name string
		tmpl string
		v    FileNameValues
		want string
	}{
		{"accents and spaces as typed (issue 13)", "relatório_nível serviço_{date}", withPeriod, "relatório_nível serviço_2026-11-30.xlsx"},
		{"the schedule's own name", "{schedule} {from}", withPeriod, "NS diário 2026-11-01.xlsx"},
		{"no period: the placeholders go with their separators", "{report}_{from}_{to}_{date}", noPeriod, "service_level_2026-11-30.xlsx"},
		{"only empty placeholders", "{from}_{to}", noPeriod, "report.xlsx"},
		{"empty placeholder at the start", "{from}-relatório", noPeriod, "relatório.xlsx"},
		{"illegal characters replaced", `a<b>c:d"e|f?g*h`, withPeriod, "a_b_c_d_e_f_g_h.xlsx"},
		{"control characters replaced", "a\tb", withPeriod, "a_b.xlsx"},
		{"trailing dots and blanks trimmed", " relatório. ", withPeriod, "relatório.xlsx"},
		{"default template", "", withPeriod, "service_level_2026-11-01_2026-11-29_20261130-070000.xlsx"},
	}
	for _, tt := range tests {
		if got := RenderFileName(tt.tmpl, tt.v, ".xlsx"); got != tt.want {
			t.Errorf("%s: RenderFileName(%q) = %q, want %q", tt.name, tt.tmpl, got, tt.want)
		}
	}
	// 100 "ç" are 200 bytes: cut to 90 characters (180 bytes), never inside one.
	long := RenderFileName(strings.Repeat("ç", 100), withPeriod, ".csv")
	if long != strings.Repeat("ç", 90)+".csv" {
		t.Errorf("long name = %q (%d bytes)", long, len(long))
	}
}

func TestFileValues_GiveTheLastDayIncluded(t *testing.T) {
	t.Parallel()
	sch := &Schedule{Name: "NS", TimeZone: "America/Sao_Paulo"}
	r := &runs.Run{ID: "r1", ReportID: "kpis.service_level", RequestedAt: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC),
		FiltersResolved: json.RawMessage(`{"period":"2026-11-01T00:00:00-03:00/2026-11-30T00:00:00-03:00"}`)}
	v, _, _ := FileValues(sch, r)
	// 01/11 to 29/11 inclusive: the end 30/11 00:00 is exclusive.
	if v.From != "2026-11-01" || v.To != "2026-11-29" {
		t.Errorf("from %q to %q, want 2026-11-01 to 2026-11-29", v.From, v.To)
	}
}
