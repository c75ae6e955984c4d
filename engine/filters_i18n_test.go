package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/relato/relato/engine/i18n"
)

// filterErrorsIn is every problem of ResolveFilters in lang, as "filter: text".
func filterErrorsIn(t *testing.T, d *Definition, inputs map[string]any, env CompileEnv, lang string) []string {
	t.Helper()
	_, err := ResolveFilters(context.Background(), d, inputs, env)
	var fe FilterErrors
	if !errors.As(err, &fe) {
		t.Fatalf("got %T %v, want FilterErrors", err, err)
	}
	out := make([]string, len(fe))
	for i, e := range fe {
		out[i] = e.Filter + ": " + e.In(lang)
	}
	return out
}

func TestFilterError_SaysItselfInTheReadersLanguage(t *testing.T) {
	emails := shippedReport(t, "extraction.contact_emails") // max_span: 30d
	sl := shippedReport(t, "kpis.service_level")
	env := goldenEnv(t)
	env.Lookups = &fakeLookups{known: map[string][]any{"wallet": {uint64(3)}}}
	for _, tc := range []struct {
		name   string
		d      *Definition
		inputs map[string]any
		lang   string
		want   []string
	}{
		// 2024-01-01..2024-02-29 includes both days: 31 (January) + 29 (2024 is a leap year) = 60 days.
		{"60 days in pt-BR", emails, map[string]any{"period": "2024-01-01..2024-02-29"}, i18n.PtBR, []string{"period: abrange 60 dias, mais que o máximo de 30 dias"}},
		{"60 days in English", emails, map[string]any{"period": "2024-01-01..2024-02-29"}, i18n.En, []string{"period: spans 60 days, more than the maximum of 30 days"}},
		// 2024-01-01T00:00..2024-01-31T00:00:01 is 30 days and 1 second.
		{"a second over, in pt-BR", emails, map[string]any{"period": "2024-01-01T00:00..2024-01-31T00:00:01"}, i18n.PtBR, []string{"period: abrange 30 dias e 1 segundo, mais que o máximo de 30 dias"}},
		{"an unknown wallet in pt-BR", sl, map[string]any{"period": "yesterday", "wallet": 999}, i18n.PtBR, []string{"wallet: carteira 999 não existe neste ambiente"}},
		{"an unknown wallet in English", sl, map[string]any{"period": "yesterday", "wallet": 999}, i18n.En, []string{"wallet: unknown wallet 999 for this tenant"}},
		{"a missing period in pt-BR", sl, map[string]any{}, i18n.PtBR, []string{"period: é obrigatório"}},
		{"the definition's own rule message in pt-BR", sl, map[string]any{"period": "yesterday", "threshold": "-1s"}, i18n.PtBR, []string{"threshold: deve estar entre 1s e 10m"}},
		{"a day February lacks, in pt-BR", sl, map[string]any{"period": "2024-02-30.."}, i18n.PtBR, []string{`period: início: "2024-02-30" não existe: fevereiro de 2024 tem 29 dias`}},
		{"a reversed period in pt-BR", sl, map[string]any{"period": "2024-03-31..2024-03-01"}, i18n.PtBR, []string{"period: termina (2024-03-01) antes de começar (2024-03-31)"}},
		{"an enum value in pt-BR", sl, map[string]any{"period": "yesterday", "interval": "7m"}, i18n.PtBR, []string{`interval: deve ser um de 15m, 30m, 1h, 1d, recebeu "7m"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := filterErrorsIn(t, tc.d, tc.inputs, env, tc.lang); !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestReportInfo_MaxSpanInTheReadersLanguage(t *testing.T) {
	d := shippedReport(t, "extraction.contact_emails")
	for lang, want := range map[string]string{i18n.PtBR: "30 dias", i18n.En: "30 days"} {
		for _, f := range d.Info(lang).Filters {
			if f.Name == "period" && f.MaxSpan != want {
				t.Errorf("%s: max span %q, want %q", lang, f.MaxSpan, want)
			}
		}
	}
}
