package export_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/relato/relato/engine/export"
)

func TestParseFormat_AcceptsIDsAndAliasesInAnyCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"", "csv"},
		{"csv", "csv"},
		{"CSV", "csv"},
		{"rfc4180", "csv"},
		{"RFC4180", "csv"},
		{" csv ", "csv"},
		{"csv-excel", "csv-excel"},
		{"pt-br-excel", "csv-excel"},
		{"PT-BR-Excel", "csv-excel"},
		{"excel", "csv-excel"},
		{"xlsx", "xlsx"},
		{"XLSX", "xlsx"},
	}
	for _, tt := range tests {
		f, err := export.ParseFormat(tt.in)
		if err != nil || f.ID != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, f.ID, err, tt.want)
		}
	}
}

func TestParseFormat_UnknownNameListsTheKnownIDs(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"pdf", "xls", "csv-", "tsv"} {
		_, err := export.ParseFormat(in)
		if !errors.Is(err, export.ErrUnknownFormat) {
			t.Fatalf("ParseFormat(%q) error %v, want ErrUnknownFormat", in, err)
		}
		if want := `unknown format "` + in + `" (csv, csv-excel, xlsx`; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseFormat(%q) error %q, want it to start %q", in, err, want)
		}
	}
}

func TestLookup_FindsByIDOrAliasAndNothingElse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		wantID string
		wantOK bool
	}{
		{"csv", "csv", true},
		{"Excel", "csv-excel", true},
		{"xlsx", "xlsx", true},
		{"", "", false}, // only ParseFormat defaults the empty name
		{"pdf", "", false},
	}
	for _, tt := range tests {
		f, ok := export.Lookup(tt.in)
		if ok != tt.wantOK || f.ID != tt.wantID {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.in, f.ID, ok, tt.wantID, tt.wantOK)
		}
	}
}

func TestFormats_ListsTheBuiltInsFirstInDisplayOrder(t *testing.T) {
	t.Parallel()
	fs := export.Formats()
	if len(fs) < 3 {
		t.Fatalf("Formats() has %d formats, want at least 3", len(fs))
	}
	got := []string{fs[0].ID, fs[1].ID, fs[2].ID}
	if strings.Join(got, ",") != "csv,csv-excel,xlsx" {
		t.Errorf("Formats() starts %v, want csv, csv-excel, xlsx", got)
	}
	if ids := export.IDs(); len(ids) != len(fs) || ids[0] != "csv" {
		t.Errorf("IDs() = %v, want the IDs of Formats()", ids)
	}
}

func TestFormats_ReturnsCopiesTheCallerCannotChange(t *testing.T) {
	t.Parallel()
	fs := export.Formats()
	fs[0].Labels["pt-BR"] = "changed"
	fs[0].Aliases[0] = "changed"
	again, _ := export.Lookup("csv")
	if again.Labels["pt-BR"] != "CSV padrão (vírgula)" || again.Aliases[0] != "rfc4180" {
		t.Errorf("the registry's csv changed through a copy: %+v", again)
	}
}

func TestRegister_RefusesATakenNameOrAMissingPart(t *testing.T) {
	t.Parallel()
	ok := export.Format{ID: "test.refused", Extension: ".txt", ContentType: "text/plain", Write: export.CSV.Write}
	with := func(change func(*export.Format)) export.Format {
		f := ok
		change(&f)
		return f
	}
	tests := []struct {
		name string
		f    export.Format
		want string
	}{
		{"empty ID", with(func(f *export.Format) { f.ID = "" }), "empty ID"},
		{"upper-case ID", with(func(f *export.Format) { f.ID = "Test.Refused" }), "ID must be lower case"},
		{"nil Write", with(func(f *export.Format) { f.Write = nil }), "nil Write"},
		{"extension without dot", with(func(f *export.Format) { f.Extension = "txt" }), `extension "txt" must start with '.'`},
		{"no content type", with(func(f *export.Format) { f.ContentType = "" }), "empty content type"},
		{"taken ID", with(func(f *export.Format) { f.ID = "csv" }), `name "csv" already taken by format "csv"`},
		{"ID taken as an alias", with(func(f *export.Format) { f.ID = "excel" }), `name "excel" already taken by format "csv-excel"`},
		{"alias taken as an ID, in another case", with(func(f *export.Format) { f.Aliases = []string{"XLSX"} }), `name "XLSX" already taken by format "xlsx"`},
		{"alias taken as an alias", with(func(f *export.Format) { f.Aliases = []string{"rfc4180"} }), `name "rfc4180" already taken by format "csv"`},
		{"empty alias", with(func(f *export.Format) { f.Aliases = []string{" "} }), "empty alias"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := export.Register(tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Register: %v, want an error containing %q", err, tt.want)
			}
			if _, found := export.Lookup("test.refused"); found {
				t.Error("a refused format was registered")
			}
		})
	}
}

func TestMustRegister_PanicsOnATakenID(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustRegister(csv again) did not panic")
		}
	}()
	export.MustRegister(export.CSV)
}

func TestLabel_FallsBackToPortugueseThenID(t *testing.T) {
	t.Parallel()
	f := export.Format{ID: "x", Labels: map[string]string{"pt-BR": "Planilha", "en": "Spreadsheet"}}
	tests := []struct {
		f    export.Format
		lang string
		want string
	}{
		{f, "en", "Spreadsheet"},
		{f, "pt-BR", "Planilha"},
		{f, "es", "Planilha"},
		{f, "", "Planilha"},
		{export.Format{ID: "x", Labels: map[string]string{"en": "Spreadsheet"}}, "es", "x"},
		{export.Format{ID: "x"}, "en", "x"},
	}
	for _, tt := range tests {
		if got := tt.f.Label(tt.lang); got != tt.want {
			t.Errorf("%v.Label(%q) = %q, want %q", tt.f.Labels, tt.lang, got, tt.want)
		}
	}
}

func TestFormats_EveryFormatHasLabelsInPortugueseAndEnglish(t *testing.T) {
	t.Parallel()
	for _, f := range export.Formats() {
		for _, lang := range []string{"pt-BR", "en"} {
			if f.Labels[lang] == "" {
				t.Errorf("format %s has no %s label", f.ID, lang)
			}
		}
	}
}

func TestRun_RefusesAFormatWithoutAWriterBeforeQuerying(t *testing.T) {
	t.Parallel()
	// No backend and no compiled report: Run must stop before touching them.
	_, err := export.Run(context.Background(), nil, nil, export.Format{}, "pt-BR", io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "format without a writer") {
		t.Errorf("Run(zero Format) = %v, want a format error", err)
	}
}
