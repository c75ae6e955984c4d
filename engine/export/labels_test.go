package export_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

// labelledFields: a channel column labelled like values_from: channel, and a
// plain text column whose "voice" is not a code.
func labelledFields(lang string) []writer.Field {
	cols := []engine.ColumnDef{
		{Name: "channel", Type: engine.ColString, Label: engine.Text{"pt-BR": "Canal", "en": "Channel"}, Decimals: -1, ValuesFrom: "channel"},
		{Name: "note", Type: engine.ColString, Label: engine.Text{"pt-BR": "Nota", "en": "Note"}, Decimals: -1},
	}
	return writer.FieldsFor(cols, lang)
}

func labelledRows() *writertest.Rows {
	return writertest.New([]string{"channel", "note"},
		[]any{"voice", "voice"},
		[]any{"fax", "x"},           // an unknown code is shown as itself
		[]any{writertest.Null, "y"}, // NULL stays empty
	)
}

func writeLabelled(t *testing.T, f export.Format, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := f.Write(context.Background(), &buf, labelledFields(lang), labelledRows(), lang, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFormats_WriteTheLabelsOfCodesInTheFilesLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format export.Format
		lang   string
		want   string
	}{
		{export.CSV, "pt-BR", "Canal,Nota\r\nVoz,voice\r\nfax,x\r\n,y\r\n"},
		{export.CSV, "en", "Channel,Note\r\nVoice,voice\r\nfax,x\r\n,y\r\n"},
		{export.CSVExcel, "pt-BR", "\uFEFFCanal;Nota\r\nVoz;voice\r\nfax;x\r\n;y\r\n"},
		// csv-exact is for programs: the warehouse's codes, headers still in the language.
		{export.CSVExact, "pt-BR", "Canal,Nota\r\nvoice,voice\r\nfax,x\r\n,y\r\n"},
	}
	for _, tc := range tests {
		if got := string(writeLabelled(t, tc.format, tc.lang)); got != tc.want {
			t.Errorf("%s %s:\n got %q\nwant %q", tc.format.ID, tc.lang, got, tc.want)
		}
	}
	x, err := excelize.OpenReader(bytes.NewReader(writeLabelled(t, export.XLSX, "en")))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 4 || rows[1][0] != "Voice" || rows[2][0] != "fax" || rows[1][1] != "voice" {
		t.Errorf("xlsx rows %q", rows)
	}
}

// The labels survive being opened by gnumeric and LibreOffice: what a person
// double-clicking the XLSX reads.
func TestSpreadsheetReaders_ShowTheLabelsOfAnXLSX(t *testing.T) {
	t.Parallel()
	soffice := needProgram(t, "soffice", "libreoffice-calc-nogui")
	ssconvert := needProgram(t, "ssconvert", "gnumeric")
	in, lo, gn := t.TempDir(), t.TempDir(), t.TempDir()
	path := filepath.Join(in, "labels.xlsx")
	if err := os.WriteFile(path, writeLabelled(t, export.XLSX, "pt-BR"), 0o644); err != nil {
		t.Fatal(err)
	}
	libreOffice(t, soffice, lo, "", path)
	if b, err := exec.Command(ssconvert, path, filepath.Join(gn, "labels.xlsx")).CombinedOutput(); err != nil {
		t.Fatalf("ssconvert: %v\n%s", err, b)
	}
	for reader, dir := range map[string]string{"LibreOffice": lo, "gnumeric": gn} {
		f, err := excelize.OpenFile(filepath.Join(dir, "labels.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range []string{"A1", "A2", "A3", "B2"} {
			v, _ := f.GetCellValue(f.GetSheetName(0), c)
			got = append(got, v)
		}
		f.Close()
		if strings.Join(got, "|") != "Canal|Voz|fax|voice" {
			t.Errorf("%s shows %q, want Canal, Voz, fax, voice", reader, got)
		}
	}
}
