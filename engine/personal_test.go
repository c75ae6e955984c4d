package engine

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLintPersonalData_WarnsOnAnUnannotatedPhoneColumnAtItsPosition(t *testing.T) {
	def := `id: contacts.example
version: 1
title: {pt-BR: Exemplo}
category: contacts
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT name, phone, wallet_id, mail FROM wh.contacts
columns:
  - {name: name, type: string, personal: name, label: {pt-BR: Nome}}
  - {name: phone, type: string, label: {pt-BR: Telefone}}
  - {name: wallet_id, type: int, label: {pt-BR: Carteira}}
  - {name: mail, type: int, label: {pt-BR: E-mails enviados}}
`
	cat, err := LoadCatalog(fstest.MapFS{"contacts/example.yaml": {Data: []byte(def)}}, ".", "definitions")
	if err != nil {
		t.Fatal(err)
	}
	ps := LintPersonalData(cat)
	// Only "phone" warns: "name" declares its kind, wallet_id suggests
	// nothing, and "mail" is an int (a count, not an address). The phone
	// column is the 10th line; its flow mapping opens at column 5.
	if len(ps) != 1 {
		t.Fatalf("want 1 warning, got %d: %v", len(ps), ps)
	}
	got := ps[0].Error()
	if !strings.HasPrefix(got, "definitions/contacts/example.yaml:10:5: warning: column \"phone\"") || !strings.Contains(got, "personal: phone") {
		t.Errorf("warning = %q", got)
	}
}

func TestLintPersonalData_NoneSilencesTheWarning(t *testing.T) {
	def := `id: contacts.example
version: 1
title: {pt-BR: Exemplo}
category: contacts
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT phone FROM wh.lines
columns:
  - {name: phone, type: string, personal: none, label: {pt-BR: Linha}}
`
	cat, err := LoadCatalog(fstest.MapFS{"contacts/example.yaml": {Data: []byte(def)}}, ".", "definitions")
	if err != nil {
		t.Fatal(err)
	}
	if ps := LintPersonalData(cat); len(ps) != 0 {
		t.Errorf("personal: none still warns: %v", ps)
	}
	if cat.Reports["contacts.example"].HasPersonalColumns() {
		t.Error("personal: none counted as personal")
	}
}

func TestSuggestPersonal_MatchesWordsOfTheName(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  ColumnType
		want Personal
	}{
		{"contact_phone", ColString, PersonalPhone},
		{"user_email", ColString, PersonalEmail},
		{"contact_document", ColString, PersonalDocument},
		{"origin_ip", ColString, PersonalIP},
		{"comment", ColString, PersonalFreeText},
		{"zip", ColString, ""},         // "ip" only as a whole word
		{"description", ColString, ""}, // not "ip" either
		{"phones", ColInt, ""},         // a count
	} {
		if got := SuggestPersonal(ColumnDef{Name: tc.name, Type: tc.typ}); got != tc.want {
			t.Errorf("SuggestPersonal(%s %s) = %q, want %q", tc.name, tc.typ, got, tc.want)
		}
	}
}
