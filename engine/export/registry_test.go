package export

import (
	"strings"
	"testing"
)

// A fresh registry, so the test may add formats without changing the
// package's.
func TestRegistry_ListsBuiltInsFirstThenOthersByID(t *testing.T) {
	t.Parallel()
	r := newRegistry()
	plain := func(id string) Format {
		return Format{ID: id, Extension: "." + id, ContentType: "application/octet-stream", Write: CSV.Write}
	}
	// Registration order is not display order.
	for _, f := range []Format{plain("ods"), XLSX, plain("json"), CSVExcel, CSV, plain("html")} {
		if err := r.register(f); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(r.ids(), ","); got != "csv,csv-excel,xlsx,html,json,ods" {
		t.Errorf("ids = %s, want csv,csv-excel,xlsx,html,json,ods", got)
	}
	_, err := r.parse("pdf")
	if want := `unknown format "pdf" (csv, csv-excel, xlsx, html, json, ods)`; err == nil || err.Error() != want {
		t.Errorf("parse(pdf) = %v, want %s", err, want)
	}
}

func TestRegistry_ARefusedFormatLeavesNoNameBehind(t *testing.T) {
	t.Parallel()
	r := newRegistry()
	if err := r.register(CSV); err != nil {
		t.Fatal(err)
	}
	// "sheet" is free but "csv" is taken: neither may answer afterwards.
	f := Format{ID: "sheet", Aliases: []string{"csv"}, Extension: ".ods", ContentType: "application/vnd.oasis.opendocument.spreadsheet", Write: CSV.Write}
	if err := r.register(f); err == nil {
		t.Fatal("register accepted an alias taken by csv")
	}
	if _, ok := r.lookup("sheet"); ok {
		t.Error(`"sheet" answers after its registration was refused`)
	}
	if got, _ := r.lookup("csv"); got.ID != "csv" {
		t.Errorf(`"csv" now names %q`, got.ID)
	}
	if err := r.register(Format{ID: "twice", Aliases: []string{"TWICE"}, Extension: ".t", ContentType: "text/plain", Write: CSV.Write}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("register with its ID repeated as an alias: %v", err)
	}
}
