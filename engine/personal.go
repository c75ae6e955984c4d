package engine

import (
	"fmt"
	"regexp"
	"strings"
)

// Personal is what kind of personal data a column holds (LGPD, Lei 13.709
// art. 5 I: information about an identified or identifiable person). A column
// declares it with `personal:`; the kind decides how the value is masked for a
// reader without the personal_data permission (PersonalMaskSQL).
type Personal string

// Kinds of personal data a column may declare.
const (
	PersonalNone     Personal = ""          // not personal (the default)
	PersonalName     Personal = "name"      // masked to initials: "Ana Souza" → "A. S."
	PersonalPhone    Personal = "phone"     // "+5511987650101" → "+55 11 9****-**01"
	PersonalEmail    Personal = "email"     // "ana@example.com" → "a***@example.com"
	PersonalDocument Personal = "document"  // "123.456.789-09" → "***.***.***-09"
	PersonalIP       Personal = "ip"        // "203.0.113.7" → "203.0.*.*"
	PersonalFreeText Personal = "free_text" // removed: ""
	// PersonalDeclaredNone is `personal: none`: the author looked and the
	// column holds no personal data although its name suggests it (lint stays
	// quiet).
	PersonalDeclaredNone Personal = "none"
)

var personalKinds = []Personal{PersonalName, PersonalPhone, PersonalEmail, PersonalDocument, PersonalIP, PersonalFreeText, PersonalDeclaredNone}

func validPersonal(p Personal) bool {
	for _, k := range personalKinds {
		if k == p {
			return true
		}
	}
	return false
}

func joinPersonal() string {
	s := make([]string, len(personalKinds))
	for i, k := range personalKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// IsPersonal reports whether the column holds personal data that is masked
// for readers without the permission.
func (c ColumnDef) IsPersonal() bool {
	return c.Personal != PersonalNone && c.Personal != PersonalDeclaredNone
}

// HasPersonalColumns reports whether any column of d holds personal data.
func (d *Definition) HasPersonalColumns() bool {
	for _, c := range d.Columns {
		if c.IsPersonal() {
			return true
		}
	}
	return false
}

// RequiresPersonalData reports whether running d at all needs the
// personal_data permission: the reports whose purpose is personal data, i.e.
// every report of the "extraction" category (DESIGN §5, data extraction).
func (d *Definition) RequiresPersonalData() bool { return d.Category == "extraction" }

// personalHints maps a word of a column name to the kind it suggests. A word
// is a part of the snake_case name, so "zip" or "description" do not match.
var personalHints = []struct {
	word string
	kind Personal
}{
	{"phone", PersonalPhone}, {"mobile", PersonalPhone}, {"whatsapp", PersonalPhone},
	{"email", PersonalEmail}, {"mail", PersonalEmail},
	{"document", PersonalDocument}, {"cpf", PersonalDocument}, {"cnpj", PersonalDocument},
	{"ip", PersonalIP},
	{"comment", PersonalFreeText}, {"note", PersonalFreeText},
}

// SuggestPersonal returns the kind of personal data a string column's name
// suggests (phone, e-mail, document, ip, comment), or "" when none. Only
// string columns hold such values; counts like "mail" (int) are not personal.
func SuggestPersonal(c ColumnDef) Personal {
	if c.Type != ColString {
		return ""
	}
	for _, w := range strings.Split(c.Name, "_") {
		for _, h := range personalHints {
			if w == h.word || w == h.word+"s" {
				return h.kind
			}
		}
	}
	return ""
}

// LintPersonalData returns a warning, at the column's file:line:col, for every
// string column whose name suggests personal data and that declares no
// `personal:` (use `personal: none` when it holds none). Warnings do not fail
// `relato lint`.
func LintPersonalData(cat *Catalog) Problems {
	var ps Problems
	for _, d := range cat.List() {
		for _, c := range d.Columns {
			if c.Personal != PersonalNone {
				continue
			}
			if k := SuggestPersonal(*c); k != "" {
				ps.add(c.Pos, "warning: column %q looks like personal data (%s) but declares no personal: kind (personal: %s, or personal: none)", c.Name, k, k)
			}
		}
	}
	ps.Sort()
	return ps
}

var sqlIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// PersonalMaskSQL returns a ClickHouse expression that masks the String (or
// Nullable(String)) column col as kind prescribes, for a reader without the
// personal_data permission; NULL stays NULL and "" stays "". col must be a
// plain identifier (it is back-quoted). Kinds that are not personal return the
// column unchanged. The rules (issue 17):
//
//   - phone: a Brazilian E.164 number keeps +55, the area code, the first and
//     the last two digits: +5511987650101 → "+55 11 9****-**01"; any other
//     keeps its first 3 and last 2 characters, digits between become '*'.
//   - email: first letter of the local part, then "***@" and the domain.
//   - name: initials, "Ana Maria Souza" → "A. M. S.".
//   - document: every digit but the last two becomes '*'.
//   - ip: IPv4 keeps its first two octets (203.0.*.*), IPv6 its first group.
//   - free_text: removed ("").
func PersonalMaskSQL(kind Personal, col string) (string, error) {
	if !sqlIdentifier.MatchString(col) {
		return "", fmt.Errorf("mask: %q is not a plain column name", col)
	}
	c := "`" + col + "`"
	var e string
	switch kind {
	case PersonalPhone:
		e = fmt.Sprintf(`if(match(%[1]s, '^\\+55[0-9]{10,11}$'), concat('+55 ', substring(%[1]s, 4, 2), ' ', substring(%[1]s, 6, 1), repeat('*', toUInt64(length(%[1]s) - 10)), '-**', right(%[1]s, 2)), if(length(%[1]s) <= 5, replaceRegexpAll(%[1]s, '[0-9]', '*'), concat(substring(%[1]s, 1, 3), replaceRegexpAll(substring(%[1]s, 4, length(%[1]s) - 5), '[0-9]', '*'), right(%[1]s, 2))))`, c)
	case PersonalEmail:
		e = fmt.Sprintf(`if(%[1]s = '', '', if(position(%[1]s, '@') > 1, concat(leftUTF8(%[1]s, 1), '***', substring(%[1]s, position(%[1]s, '@'))), '***'))`, c)
	case PersonalName:
		e = fmt.Sprintf(`arrayStringConcat(arrayMap(w -> concat(upperUTF8(leftUTF8(w, 1)), '.'), splitByWhitespace(%[1]s)), ' ')`, c)
	case PersonalDocument:
		e = fmt.Sprintf(`if(length(%[1]s) <= 2, replaceRegexpAll(%[1]s, '[0-9]', '*'), concat(replaceRegexpAll(substring(%[1]s, 1, length(%[1]s) - 2), '[0-9]', '*'), right(%[1]s, 2)))`, c)
	case PersonalIP:
		e = fmt.Sprintf(`if(%[1]s = '', '', if(match(%[1]s, '^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$'), concat(arrayStringConcat(arraySlice(splitByChar('.', %[1]s), 1, 2), '.'), '.*.*'), concat(splitByChar(':', %[1]s)[1], ':*')))`, c)
	case PersonalFreeText:
		e = fmt.Sprintf(`if(isNull(%[1]s), %[1]s, '')`, c)
	default:
		return c, nil
	}
	return e, nil
}
