package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/message/catalog"
)

// declaredIDs is every constant of type ID in ids.go, read from the source so
// an id added there without texts fails the test below.
func declaredIDs(t *testing.T) map[ID]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "ids.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[ID]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "ID" {
				t.Errorf("constant %s in ids.go is not of type ID", vs.Names[0].Name)
				continue
			}
			for i, n := range vs.Names {
				v, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if prev, dup := out[ID(v)]; dup {
					t.Errorf("%s and %s share the id %q", prev, n.Name, v)
				}
				out[ID(v)] = n.Name
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("read only %d ids from ids.go", len(out))
	}
	return out
}

var verb = regexp.MustCompile(`%\[(\d)\]([a-z])`)

// verbs is a plain message's set of "%[n]x" parameters; ok is false for a
// plural selection, whose text is not a plain string.
func verbs(m catalog.Message) (set []string, ok bool) {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.String {
		return nil, false
	}
	for _, s := range verb.FindAllStringSubmatch(v.String(), -1) {
		set = append(set, s[1]+s[2])
	}
	slices.Sort(set)
	return slices.Compact(set), true
}

func TestCatalog_EveryIDHasBothLanguages(t *testing.T) {
	ids := declaredIDs(t)
	for lang, msgs := range catalogs() {
		for id, name := range ids {
			if msgs[id] == nil {
				t.Errorf("%s (%q) has no %s text", name, id, lang)
			}
		}
		for id := range msgs {
			if _, ok := ids[id]; !ok {
				t.Errorf("the %s catalog has %q, which ids.go does not declare", lang, id)
			}
		}
	}
	for id, name := range ids {
		pv, pok := verbs(ptBR[id])
		ev, eok := verbs(en[id])
		if pok != eok || !slices.Equal(pv, ev) {
			t.Errorf("%s: pt-BR takes %v, English takes %v", name, pv, ev)
		}
		// Rendered with arguments of the kinds the verbs ask for, no text
		// may show a formatting error or the bare id.
		args := []any{2, 2, 2, 2, 2, 2, 2, 2}
		if eok {
			for _, v := range ev {
				n, _ := strconv.Atoi(v[:1])
				if v[1] != 'd' {
					args[n-1] = "x"
				}
			}
		}
		for _, lang := range Languages {
			got := M(id, args...).In(lang)
			if strings.Contains(got, "%!") || got == string(id) || got == "" {
				t.Errorf("%s in %s renders as %q", name, lang, got)
			}
		}
	}
}

func TestMessage_NumbersAsTheReaderWritesThem(t *testing.T) {
	for _, tc := range []struct {
		m    Message
		lang string
		want string
	}{
		{M(SpanDays, 60), PtBR, "60 dias"},
		{M(SpanDays, 1), PtBR, "1 dia"},
		{M(SpanDays, 0), PtBR, "0 dias"}, // CLDR pt "one" would say "0 dia"
		{M(SpanDays, 1), En, "1 day"},
		{M(SpanDays, 1000000), PtBR, "1.000.000 dias"},
		{M(SpanDays, 1000000), En, "1,000,000 days"},
		{M(FilterTooManyValues, 1000, 1001), PtBR, "aceita no máximo 1.000 valores, recebeu 1.001"},
		{M(FilterUnknownLookup, LookupKind("wallet"), "1000000"), PtBR, "carteira 1000000 não existe neste ambiente"}, // ids are never grouped
		{M(FilterUnknownLookup, LookupKind("wallet"), "999"), En, "unknown wallet 999 for this tenant"},
		{M(FilterSpanTooLong, List{M(SpanDays, 30), M(SpanSeconds, 1)}, M(SpanDays, 30)), PtBR, "abrange 30 dias e 1 segundo, mais que o máximo de 30 dias"},
		{M(FilterSpanTooLong, List{M(SpanDays, 1), M(SpanHours, 2), M(SpanMinutes, 3)}, M(SpanDays, 1)), En, "spans 1 day, 2 hours and 3 minutes, more than the maximum of 1 day"},
		{M(DateNoDay, "2024-02-30", MonthName(2), "2024", 29), PtBR, `"2024-02-30" não existe: fevereiro de 2024 tem 29 dias`},
		{Verbatim("as is"), PtBR, "as is"},
		{M(APIRunNotFinished, M(RunStatusProcessing)), PtBR, "a execução está em processamento; o resultado existe quando ela terminar"},
		{M(APIRunNotFinished, M(RunStatusProcessing)), En, "the run is processing; its result exists once it is finished"},
		{M(FilterRequired), "fr", "é obrigatório"}, // a language relato lacks falls back to pt-BR
	} {
		if got := tc.m.In(tc.lang); got != tc.want {
			t.Errorf("%s in %s = %q, want %q", tc.m.ID, tc.lang, got, tc.want)
		}
	}
}

func TestMatch_ChoosesTheReadersLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":                        PtBR,
		"pt-BR":                   PtBR,
		"pt-BR,pt;q=0.9,en;q=0.8": PtBR,
		"pt":                      PtBR,
		"en":                      En,
		"en-US,en;q=0.9":          En,
		"fr-FR, en;q=0.5":         En,
		"fr":                      PtBR,
		"*":                       PtBR,
		";;;":                     PtBR,
	} {
		if got := Match(header); got != want {
			t.Errorf("Match(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestFromLocale_ReadsPOSIXLocales(t *testing.T) {
	for locale, want := range map[string]string{
		"pt_BR.UTF-8": PtBR,
		"pt_BR":       PtBR,
		"en_US.UTF-8": En,
		"en_GB.UTF-8": En,
		"en":          En,
		"pt-BR":       PtBR,
		"C.UTF-8":     "",
		"C":           "",
		"POSIX":       "",
		"":            "",
		"de_DE.UTF-8": "",
	} {
		if got := FromLocale(locale); got != want {
			t.Errorf("FromLocale(%q) = %q, want %q", locale, got, want)
		}
	}
}
