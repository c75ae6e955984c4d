package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// A problem is one line in the language of --lang, RELATO_LANG or the
// locale. extraction.contact_emails has max_span 30d, and
// 2024-01-01..2024-01-31 includes both days: 31 days.
func TestRun_AProblemIsInTheUsersLanguage(t *testing.T) {
	needWarehouse(t)
	pt := `relato: filtro "period": abrange 31 dias, mais que o máximo de 30 dias`
	en := `relato: filter "period": spans 31 days, more than the maximum of 30 days`
	for _, tc := range []struct {
		name  string
		env   []string
		extra []string
		want  string
	}{
		{"a Brazilian locale", []string{"LANG=pt_BR.UTF-8"}, nil, pt},
		{"an English locale", []string{"LANG=en_US.UTF-8"}, nil, en},
		{"the C locale speaks English", []string{"LANG=C.UTF-8"}, nil, en},
		{"RELATO_LANG over the locale", []string{"LANG=en_US.UTF-8", "RELATO_LANG=pt-BR"}, nil, pt},
		{"LC_ALL over LANG", []string{"LANG=en_US.UTF-8", "LC_ALL=pt_BR.UTF-8"}, nil, pt},
		{"--lang over everything", []string{"LANG=pt_BR.UTF-8", "RELATO_LANG=pt-BR"}, []string{"--lang", "en"}, en},
		{"--lang=pt-BR", []string{"LANG=en_US.UTF-8"}, []string{"--lang=pt-BR"}, pt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{"LC_ALL=", "LC_MESSAGES=", "RELATO_LANG="}, tc.env...)
			args := append([]string{"run", "extraction.contact_emails", "--data", data, "--filter", "period=2024-01-01..2024-01-31", "-o", filepath.Join(t.TempDir(), "out.csv")}, tc.extra...)
			_, stderr, code := runRelato(t, env, args...)
			if code != 2 || strings.TrimRight(stderr, "\n") != tc.want {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}
