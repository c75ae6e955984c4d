package reporting

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/runs"
)

// FilterWords is one filter of a run in words, in pt-BR and English, as it
// was at request time (issue 12, "Runs carry names"): the run keeps a JSON
// list of these, so a wallet renamed later still shows the name the run was
// asked with.
type FilterWords struct {
	Name       string      `json:"name"`
	Label      engine.Text `json:"label"`
	Value      string      `json:"value"`
	ValueLabel engine.Text `json:"value_label"`
}

// FilterInWords is one filter of a run in one language, as the API shows it:
// "Carteira" / "101" / "Vendas".
type FilterInWords struct {
	Name       string `json:"name" doc:"the filter's name in the report definition, e.g. wallet"`
	Label      string `json:"label" doc:"the filter's label in the reader's language, e.g. Carteira"`
	Value      string `json:"value" doc:"the value the run used, as in filters_resolved (ids and codes; lists comma-separated)"`
	ValueLabel string `json:"value_label" doc:"the value in words in the reader's language, as it was named when the run was requested: Vendas, WhatsApp, 20 s, 01/03/2024 a 31/03/2024"`
}

// filterLanguages are the languages a run records its filters in.
var filterLanguages = []string{engine.DefaultLanguage, "en"}

// describeFilters puts every filter the run was given or defaulted into
// words in each language: lookups by their names (read from the warehouse
// now; a value without a name stays its id), enums by the definition's
// value_labels, periods and dates as dates, durations as "1 min 30 s".
// Computed filters are left out: people never set them. A lookup whose names
// cannot be read is logged and shown by its ids, so the run is still created.
func (s *Service) describeFilters(ctx context.Context, tenant uint32, comp *engine.Compiled) []FilterWords {
	kinds := map[string]engine.Lookup{}
	for _, lk := range engine.Lookups() {
		kinds[lk.Name] = lk
	}
	var out []FilterWords
	for _, f := range comp.Def.Filters {
		raw, ok := comp.Resolved[f.Name]
		if !ok || f.Computed() {
			continue
		}
		w := FilterWords{Name: f.Name, Label: engine.Text{}, Value: raw, ValueLabel: engine.Text{}}
		for _, lang := range filterLanguages {
			w.Label[lang] = f.Label.In(lang)
			if w.Label[lang] == "" {
				w.Label[lang] = f.Name
			}
		}
		if lk, ok := kinds[f.Type]; ok {
			for lang, text := range s.lookupNames(ctx, tenant, lk, raw) {
				w.ValueLabel[lang] = text
			}
		} else {
			for _, lang := range filterLanguages {
				w.ValueLabel[lang] = valueInWords(f, raw, comp.Values[f.Name], lang)
			}
		}
		out = append(out, w)
	}
	return out
}

// filterLabels is describeFilters as the run stores it (runs.Run.FilterLabels).
func (s *Service) filterLabels(ctx context.Context, tenant uint32, comp *engine.Compiled) json.RawMessage {
	b, err := json.Marshal(s.describeFilters(ctx, tenant, comp))
	if err != nil { // a list of texts always marshals
		return nil
	}
	return b
}

// lookupNames names the comma-separated ids or codes of lookup lk in each
// language: "Vendas", "SAC, Vendas", "WhatsApp". An id without a name is
// shown as itself.
func (s *Service) lookupNames(ctx context.Context, tenant uint32, lk engine.Lookup, raw string) map[string]string {
	ids := strings.Split(raw, ",")
	out := map[string]string{}
	if len(lk.Fixed) == 0 && lk.Table != "" && s.lookups != nil {
		// A table's names, one in every language, from the per-tenant cache
		// that checks the values (a minute old at most): a run request costs
		// no warehouse query of its own.
		names, err := s.lookups.Labels(ctx, lk, tenant)
		if err != nil {
			s.Logger.Warn("naming a run's filter values", "lookup", lk.Name, "tenant", tenant, "err", err)
		}
		words := make([]string, len(ids))
		for i, id := range ids {
			words[i] = id
			if n := names[id]; n != "" {
				words[i] = n
			}
		}
		for _, lang := range filterLanguages {
			out[lang] = strings.Join(words, ", ")
		}
		return out
	}
	for _, lang := range filterLanguages {
		if len(lk.Fixed) == 0 && lang != engine.DefaultLanguage {
			out[lang] = out[engine.DefaultLanguage] // names people gave their rows are one in every language
			continue
		}
		names := map[string]string{}
		page, err := s.SearchLookup(ctx, tenant, lk.Name, LookupQuery{Lang: lang, Values: ids})
		if err != nil {
			s.Logger.Warn("naming a run's filter values", "lookup", lk.Name, "tenant", tenant, "err", err)
		}
		for _, v := range page.Values {
			names[v.Value] = v.Label
		}
		words := make([]string, len(ids))
		for i, id := range ids {
			words[i] = id
			if n := names[id]; n != "" {
				words[i] = n
			}
		}
		out[lang] = strings.Join(words, ", ")
	}
	return out
}

// valueInWords is a non-lookup filter's resolved value as people read it in
// lang. raw is the value as the run records it (engine's resolved text),
// typed its parsed value.
func valueInWords(f *engine.Filter, raw string, typed any, lang string) string {
	switch f.Type {
	case "period":
		return periodInWords(raw, lang)
	case "date":
		if t, err := time.Parse(time.RFC3339, raw); err == nil {
			return dateInWords(t, lang)
		}
	case "datetime":
		if t, err := time.Parse(time.RFC3339, raw); err == nil {
			return dateInWords(t, lang) + " " + t.Format("15:04")
		}
	case "duration":
		if d, ok := typed.(time.Duration); ok {
			return DurationInWords(d)
		}
	case "bool":
		yes := map[string]string{"pt-BR": "Sim", "en": "Yes"}
		no := map[string]string{"pt-BR": "Não", "en": "No"}
		if raw == "true" {
			return yes[lang]
		}
		return no[lang]
	case "number":
		if n, err := strconv.ParseFloat(raw, 64); err == nil {
			s := strconv.FormatFloat(n, 'f', -1, 64)
			if lang == "pt-BR" {
				s = strings.Replace(s, ".", ",", 1)
			}
			return s
		}
	case "enum":
		parts := strings.Split(raw, ",")
		for i, p := range parts {
			if t, ok := f.ValueLabels[p]; ok {
				parts[i] = t.In(lang)
			}
		}
		return strings.Join(parts, ", ")
	}
	return raw
}

// periodInWords shows a resolved period "from/to" (RFC 3339 in the tenant's
// zone, end exclusive): whole days as "01/03/2024 a 31/03/2024" (en:
// "2024-03-01 to 2024-03-31"), one day as that day, else with times.
func periodInWords(raw, lang string) string {
	from, to, ok := strings.Cut(raw, "/")
	if !ok {
		return raw
	}
	f, err1 := time.Parse(time.RFC3339, from)
	t, err2 := time.Parse(time.RFC3339, to)
	if err1 != nil || err2 != nil {
		return raw
	}
	sep := map[string]string{"pt-BR": " a ", "en": " to "}[lang]
	if f.Format("15:04:05") == "00:00:00" && t.Format("15:04:05") == "00:00:00" {
		last := t.AddDate(0, 0, -1)
		if dateInWords(last, lang) == dateInWords(f, lang) {
			return dateInWords(f, lang)
		}
		return dateInWords(f, lang) + sep + dateInWords(last, lang)
	}
	return dateInWords(f, lang) + " " + f.Format("15:04") + sep + dateInWords(t, lang) + " " + t.Format("15:04")
}

// dateInWords is a wall-clock date as the pages write it: dd/mm/yyyy in
// pt-BR, yyyy-mm-dd in English (unambiguous for every English reader).
func dateInWords(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2006-01-02")
	}
	return t.Format("02/01/2006")
}

// DurationInWords writes d in hours, minutes and seconds as both languages
// abbreviate them: 20 s, 1 min 30 s, 1 h, 2 h 5 min. Fractions of a second
// are dropped.
func DurationInWords(d time.Duration) string {
	if d < time.Second {
		return "0 s"
	}
	var parts []string
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d h", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%d min", m))
	}
	if sec > 0 {
		parts = append(parts, fmt.Sprintf("%d s", sec))
	}
	return strings.Join(parts, " ")
}

// FiltersInWords reads a run's recorded filter labels in lang (pt-BR or en;
// anything else falls back as engine.Text.In does) and joins them in one line:
// "Carteira: Vendas · Canal: WhatsApp · Tipo de evento: Venda". A run
// recorded before filter labels existed (empty raw) has none: an empty list
// and "".
func FiltersInWords(raw json.RawMessage, lang string) ([]FilterInWords, string) {
	var words []FilterWords
	if len(raw) == 0 || json.Unmarshal(raw, &words) != nil {
		return []FilterInWords{}, ""
	}
	out := make([]FilterInWords, 0, len(words))
	line := make([]string, 0, len(words))
	for _, w := range words {
		f := FilterInWords{Name: w.Name, Label: w.Label.In(lang), Value: w.Value, ValueLabel: w.ValueLabel.In(lang)}
		out = append(out, f)
		line = append(line, f.Label+": "+f.ValueLabel)
	}
	return out, strings.Join(line, " · ")
}

// FiltersText is the run's filters in words in pt-BR, the language a
// schedule's files are written in (schedules.Describer).
func (s *Service) FiltersText(r *runs.Run) string {
	_, text := FiltersInWords(r.FilterLabels, engine.DefaultLanguage)
	return text
}
