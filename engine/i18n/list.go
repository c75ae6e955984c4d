package i18n

import (
	"strconv"
	"strings"
)

// List is parts joined as a sentence lists them: "a, b and c" in English,
// "a, b e c" in pt-BR. It renders through In like a Message argument.
type List []Message

// In renders the list in lang.
func (l List) In(lang string) string {
	s := make([]string, len(l))
	for i, m := range l {
		s[i] = m.In(lang)
	}
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return M(ListAnd, strings.Join(s[:len(s)-1], ", "), s[len(s)-1]).In(lang)
}

// MonthName is the name of month m (1–12) as a message.
func MonthName(m int) Message {
	ids := []ID{MonthJanuary, MonthFebruary, MonthMarch, MonthApril, MonthMay, MonthJune, MonthJuly, MonthAugust, MonthSeptember, MonthOctober, MonthNovember, MonthDecember}
	if m < 1 || m > 12 {
		return Verbatim(strconv.Itoa(m))
	}
	return M(ids[m-1])
}

// LookupKind names a lookup kind ("wallet") as a message ("carteira"), or the
// kind itself verbatim when the catalog has no name for it.
func LookupKind(kind string) Message {
	id := ID("lookup." + kind)
	if _, ok := ptBR[id]; !ok {
		return Verbatim(kind)
	}
	return M(id)
}

// String is the English text, for logs.
func (l List) String() string { return l.In(En) }

// Has reports whether the catalog has a message id (for ids built from a
// code, such as "run.status." + status).
func Has(id ID) bool {
	_, ok := ptBR[id]
	return ok
}
