package api

import (
	"golang.org/x/text/language"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/runs"
)

// ReaderLanguage, embedded in an operation's input, picks the language a run
// is shown in: lang when given, else the best match of Accept-Language, else
// pt-BR.
type ReaderLanguage struct {
	Lang           string `query:"lang" enum:"pt-BR,en," doc:"language of the title and of the filters in words; empty: Accept-Language, then pt-BR"`
	AcceptLanguage string `header:"Accept-Language" maxLength:"200"`
}

var readerLanguages = language.NewMatcher([]language.Tag{language.BrazilianPortuguese, language.English})

// language is the reader's language: pt-BR or en.
func (in ReaderLanguage) language() string {
	if in.Lang != "" {
		return in.Lang
	}
	if in.AcceptLanguage == "" {
		return engine.DefaultLanguage
	}
	tags, _, err := language.ParseAcceptLanguage(in.AcceptLanguage)
	if err != nil || len(tags) == 0 {
		return engine.DefaultLanguage
	}
	_, i, conf := readerLanguages.Match(tags...)
	if conf == language.No || i == 0 {
		return engine.DefaultLanguage
	}
	return "en"
}

// inLanguage shows v (the view of r) in lang: its title and its filters in
// words as recorded at request time.
func (s *Server) inLanguage(v *RunView, r *runs.Run, lang string) {
	if d, ok := s.App.Report(r.TenantID, r.ReportID); ok {
		v.Title = d.Title.In(lang)
	}
	v.FilterLabels, v.FiltersText = reporting.FiltersInWords(r.FilterLabels, lang)
}
