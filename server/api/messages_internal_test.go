package api

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/relato/relato/engine/i18n"
)

// Every Huma text relato translates, formatted as Huma formats it, reads in
// pt-BR with its arguments kept, and in English.
func TestHumaMessages_AreTranslated(t *testing.T) {
	for _, p := range humaPatterns {
		// Rebuild the source format from the pattern: each (.+) is an argument.
		src := strings.TrimSuffix(strings.TrimPrefix(p.re.String(), "^"), "$")
		n := strings.Count(src, "(.+)")
		args := make([]any, n)
		for i := range args {
			args[i] = fmt.Sprintf("ARG%d", i+1)
		}
		english := regexp.MustCompile(`\\(.)`).ReplaceAllString(strings.ReplaceAll(src, "(.+)", "%s"), "$1")
		english = fmt.Sprintf(english, args...)
		pt := translateHuma(english, i18n.PtBR)
		if pt == english {
			t.Errorf("%s: %q stays English in pt-BR", p.id, english)
		}
		en := translateHuma(english, i18n.En)
		for _, a := range args {
			if !strings.Contains(pt, a.(string)) || !strings.Contains(en, a.(string)) {
				t.Errorf("%s: pt-BR %q or English %q lost %s", p.id, pt, en, a)
			}
		}
	}
	// A worked example, by hand: Huma's required-property detail.
	if got := translateHuma("expected required property report to be present", i18n.PtBR); got != "o campo obrigatório report está ausente" {
		t.Errorf("required property in pt-BR: %q", got)
	}
	// Text relato already wrote in the reader's language passes unchanged.
	if got := translateHuma("valores de filtro inválidos", i18n.En); got != "valores de filtro inválidos" {
		t.Errorf("a translated text was changed: %q", got)
	}
}
