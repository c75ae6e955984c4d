package writer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

// writeCSV writes rows through WriteCSV and returns the output.
func writeCSV(t *testing.T, fields []writer.Field, rows engine.Rows, d writer.Dialect) string {
	t.Helper()
	var buf bytes.Buffer
	st, err := writer.WriteCSV(context.Background(), &buf, fields, rows, d, nil)
	if err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Errorf("Stats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.String()
}

// csvValue renders one value of one field and returns its data line without CRLF.
func csvValue(t *testing.T, f writer.Field, value any, d writer.Dialect) string {
	t.Helper()
	out := writeCSV(t, []writer.Field{f}, writertest.New([]string{f.Name}, []any{value}), d)
	out = strings.TrimPrefix(out, "\uFEFF")
	lines := strings.SplitN(out, "\r\n", 2)
	if len(lines) != 2 || !strings.HasSuffix(lines[1], "\r\n") {
		t.Fatalf("output %q: want header line and one data line ending in CRLF", out)
	}
	return strings.TrimSuffix(lines[1], "\r\n")
}

func TestWriteCSV_RendersEachKindInEachDialect(t *testing.T) {
	t.Parallel()
	const asIs = -1
	tests := []struct {
		name     string
		kind     writer.Kind
		decimals int
		in       any
		rfc      string
		ptBR     string
	}{
		{"number as given keeps its digits", writer.KindNumber, asIs, "1234.5", "1234.5", "1234,5"},
		{"number as given keeps trailing zeros", writer.KindNumber, asIs, "1.50", "1.50", "1,50"},
		{"negative number", writer.KindNumber, asIs, "-0.25", "-0.25", "-0,25"},
		{"scientific notation is expanded", writer.KindNumber, asIs, "1e21", "1000000000000000000000", "1000000000000000000000"},
		{"small scientific notation is expanded", writer.KindNumber, asIs, "1.5e-7", "0.00000015", "0,00000015"},
		{"negative scientific notation", writer.KindNumber, asIs, "-2.5E+3", "-2500", "-2500"},
		{"huge decimal keeps every digit", writer.KindNumber, asIs, "123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789", "123456789012345678901234567890,123456789"},
		{"nan is empty", writer.KindNumber, asIs, "nan", "", ""},
		{"inf is empty", writer.KindNumber, asIs, "inf", "", ""},
		{"minus inf is empty", writer.KindNumber, asIs, "-inf", "", ""},
		{"text that is not a number is kept", writer.KindNumber, asIs, "n/a", "n/a", "n/a"},
		{"2.675 rounds up to 2.68", writer.KindNumber, 2, "2.675", "2.68", "2,68"},
		{"0.005 rounds up to 0.01", writer.KindNumber, 2, "0.005", "0.01", "0,01"},
		{"-1.005 rounds away from zero", writer.KindNumber, 2, "-1.005", "-1.01", "-1,01"},
		{"just under half rounds down", writer.KindNumber, 2, "1.004999", "1.00", "1,00"},
		{"carry ripples into a new digit", writer.KindNumber, 2, "9.995", "10.00", "10,00"},
		{"carry on a huge number", writer.KindNumber, 2, "99999999999999999999.995", "100000000000000000000.00", "100000000000000000000,00"},
		{"tiny negative rounds to zero without sign", writer.KindNumber, 2, "-0.001", "0.00", "0,00"},
		{"integer gets padded decimals", writer.KindNumber, 2, "12", "12.00", "12,00"},
		{"scientific notation rounded", writer.KindNumber, 2, "1e21", "1000000000000000000000.00", "1000000000000000000000,00"},
		{"half rounds away from zero at 0 places", writer.KindNumber, 0, "2.5", "3", "3"},
		{"negative half at 0 places", writer.KindNumber, 0, "-2.5", "-3", "-3"},
		{"below half at 0 places", writer.KindNumber, 0, "0.4", "0", "0"},
		{"int as given", writer.KindInt, asIs, "42", "42", "42"},
		{"int has no thousands separator", writer.KindInt, asIs, "1234567", "1234567", "1234567"},
		{"int64 minimum", writer.KindInt, asIs, "-9223372036854775808", "-9223372036854775808", "-9223372036854775808"},
		{"uint64 maximum", writer.KindInt, asIs, "18446744073709551615", "18446744073709551615", "18446744073709551615"},
		{"percent to 2 places", writer.KindPercent, asIs, "77.775", "77.78", "77,78"},
		{"percent with many digits", writer.KindPercent, asIs, "77.77777777777777", "77.78", "77,78"},
		{"whole percent gets 2 places", writer.KindPercent, asIs, "100", "100.00", "100,00"},
		{"zero percent", writer.KindPercent, asIs, "0", "0.00", "0,00"},
		{"percent nan is empty", writer.KindPercent, asIs, "nan", "", ""},
		{"percent with 1 decimal", writer.KindPercent, 1, "77.75", "77.8", "77,8"},
		{"half a second rounds up", writer.KindDuration, asIs, "3599.5", "3599.50", "01:00:00"},
		{"hours go past 24", writer.KindDuration, asIs, "90061", "90061.00", "25:01:01"},
		{"zero duration", writer.KindDuration, asIs, "0", "0.00", "00:00:00"},
		{"fraction below half rounds down", writer.KindDuration, asIs, "59.4", "59.40", "00:00:59"},
		{"half second alone", writer.KindDuration, asIs, "0.5", "0.50", "00:00:01"},
		{"a hundred hours", writer.KindDuration, asIs, "360000", "360000.00", "100:00:00"},
		{"negative duration", writer.KindDuration, asIs, "-5", "-5.00", "-00:00:05"},
		{"duration seconds rounded to 2 places", writer.KindDuration, asIs, "12.345", "12.35", "00:00:12"},
		{"infinite duration is empty", writer.KindDuration, asIs, "inf", "", ""},
		{"datetime", writer.KindDatetime, asIs, "2024-01-31 13:45:00", "2024-01-31 13:45:00", "31/01/2024 13:45:00"},
		{"datetime drops fractional seconds", writer.KindDatetime, asIs, "2024-01-31 13:45:00.123", "2024-01-31 13:45:00", "31/01/2024 13:45:00"},
		{"datetime from a bare date is midnight", writer.KindDatetime, asIs, "2024-01-31", "2024-01-31 00:00:00", "31/01/2024 00:00:00"},
		{"date", writer.KindDate, asIs, "2024-01-31", "2024-01-31", "31/01/2024"},
		{"date from a datetime", writer.KindDate, asIs, "2024-12-05 23:59:59", "2024-12-05", "05/12/2024"},
		{"bool true", writer.KindBool, asIs, "true", "true", "Sim"},
		{"bool false", writer.KindBool, asIs, "false", "false", "Não"},
		{"bool from UInt8 1", writer.KindBool, asIs, "1", "true", "Sim"},
		{"bool from UInt8 0", writer.KindBool, asIs, "0", "false", "Não"},
		{"plain string", writer.KindString, asIs, "Atendimento", "Atendimento", "Atendimento"},
		{"unicode string", writer.KindString, asIs, "João Ñandú 日本 🙂", "João Ñandú 日本 🙂", "João Ñandú 日本 🙂"},
		{"semicolon is quoted only in pt-BR", writer.KindString, asIs, "a;b", "a;b", `"a;b"`},
		{"comma is quoted only in RFC", writer.KindString, asIs, "a,b", `"a,b"`, "a,b"},
		{"quotes are doubled", writer.KindString, asIs, `say "hi"`, `"say ""hi"""`, `"say ""hi"""`},
		{"newline is quoted", writer.KindString, asIs, "line1\nline2", "\"line1\nline2\"", "\"line1\nline2\""},
		{"CR is quoted", writer.KindString, asIs, "a\rb", "\"a\rb\"", "\"a\rb\""},
		{"leading space is quoted", writer.KindString, asIs, " lead", `" lead"`, `" lead"`},
		{"trailing space is quoted", writer.KindString, asIs, "trail ", `"trail "`, `"trail "`},
		{"empty string", writer.KindString, asIs, "", "", ""},
		// Behaviour changed by issue 13: both people's dialects guard formulas
		// (OWASP: = + - @ TAB CR); pt-BR Excel writes a text constant ="…" that
		// shows the same text, RFC 4180 an apostrophe in a quoted field.
		{"formula is neutralised in both dialects", writer.KindString, asIs, "=HYPERLINK(\"x\")", `"'=HYPERLINK(""x"")"`, `"=""=HYPERLINK(""""x"""")"""`},
		{"at sign is neutralised", writer.KindString, asIs, "@SUM(A1)", `"'@SUM(A1)"`, `"=""@SUM(A1)"""`},
		{"minus followed by text is neutralised", writer.KindString, asIs, "-2+cmd|x", `"'-2+cmd|x"`, `"=""-2+cmd|x"""`},
		{"phone number stays the same text", writer.KindString, asIs, "+55 (11) 99999-0000", `"'+55 (11) 99999-0000"`, `"=""+55 (11) 99999-0000"""`},
		{"arithmetic that looks like a phone is neutralised", writer.KindString, asIs, "+3-1", `"'+3-1"`, `"=""+3-1"""`},
		{"leading zero stays for Excel", writer.KindString, asIs, "011900000007", "011900000007", `"=""011900000007"""`},
		{"18-digit protocol stays text for Excel", writer.KindString, asIs, "120261101000083510", "120261101000083510", `"=""120261101000083510"""`},
		{"tab then formula", writer.KindString, asIs, "\t=1+1", "\"'\t=1+1\"", "\"=\"\"\t=1+1\"\"\""},
		{"CR then formula falls back to the apostrophe", writer.KindString, asIs, "\r=1+1", "\"'\r=1+1\"", "\"'\r=1+1\""},
		{"e-mail starting with a formula", writer.KindString, asIs, "=1+1@example.com", `"'=1+1@example.com"`, `"=""=1+1@example.com"""`},
		{"text starting with a letter is left alone", writer.KindString, asIs, "Ana =1+1", "Ana =1+1", "Ana =1+1"},
		{"Portuguese boolean word stays text", writer.KindString, asIs, "Verdadeiro", "Verdadeiro", `"=""Verdadeiro"""`},
		{"negative number in a number column stays a number", writer.KindNumber, asIs, "-3", "-3", "-3"},
		{"formula in a number column is neutralised", writer.KindNumber, asIs, "=1+1", `"'=1+1"`, `"=""=1+1"""`},
	}
	kinds := []writer.Kind{writer.KindString, writer.KindInt, writer.KindNumber, writer.KindPercent, writer.KindDuration, writer.KindDatetime, writer.KindDate, writer.KindBool}
	for _, k := range kinds {
		tests = append(tests, struct {
			name     string
			kind     writer.Kind
			decimals int
			in       any
			rfc      string
			ptBR     string
		}{"NULL " + string(k) + " is empty", k, asIs, writertest.Null, "", ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := writer.Field{Name: "v", Label: "V", Kind: tt.kind, Decimals: tt.decimals}
			if got := csvValue(t, f, tt.in, writer.RFC4180); got != tt.rfc {
				t.Errorf("RFC4180: %q → %q, want %q", tt.in, got, tt.rfc)
			}
			if got := csvValue(t, f, tt.in, writer.PtBRExcel); got != tt.ptBR {
				t.Errorf("PtBRExcel: %q → %q, want %q", tt.in, got, tt.ptBR)
			}
		})
	}
}

func sampleFields() []writer.Field {
	return []writer.Field{
		{Name: "queue", Label: "Fila", Kind: writer.KindString, Decimals: -1},
		{Name: "at", Label: "Intervalo", Kind: writer.KindDatetime, Decimals: -1},
		{Name: "sl", Label: "NS (%)", Kind: writer.KindPercent, Decimals: -1},
		{Name: "asa", Label: "TME, espera", Kind: writer.KindDuration, Decimals: -1},
	}
}

func sampleRows() *writertest.Rows {
	return writertest.New([]string{"at", "queue", "sl", "asa"}, // column order differs from the fields
		[]any{"2024-01-31 13:00:00", "Vendas", "77.775", "90061"},
		[]any{"2024-01-31 14:00:00", "Suporte; N2", writertest.Null, "3599.5"},
	)
}

func TestWriteCSV_WritesWholeFileInEachDialect(t *testing.T) {
	t.Parallel()
	t.Run("RFC 4180 has no BOM, commas and CRLF", func(t *testing.T) {
		t.Parallel()
		got := writeCSV(t, sampleFields(), sampleRows(), writer.RFC4180)
		want := "Fila,Intervalo,NS (%),\"TME, espera\"\r\n" +
			"Vendas,2024-01-31 13:00:00,77.78,90061.00\r\n" +
			"Suporte; N2,2024-01-31 14:00:00,,3599.50\r\n"
		if got != want {
			t.Errorf("got\n%q\nwant\n%q", got, want)
		}
	})
	t.Run("pt-BR Excel starts with a BOM and uses semicolons", func(t *testing.T) {
		t.Parallel()
		got := writeCSV(t, sampleFields(), sampleRows(), writer.PtBRExcel)
		want := "\uFEFFFila;Intervalo;NS (%);TME, espera\r\n" +
			"Vendas;31/01/2024 13:00:00;77,78;25:01:01\r\n" +
			"\"Suporte; N2\";31/01/2024 14:00:00;;01:00:00\r\n"
		if got != want {
			t.Errorf("got\n%q\nwant\n%q", got, want)
		}
	})
	t.Run("an empty result is just the header", func(t *testing.T) {
		t.Parallel()
		got := writeCSV(t, sampleFields(), writertest.New([]string{"at", "queue", "sl", "asa"}), writer.RFC4180)
		if want := "Fila,Intervalo,NS (%),\"TME, espera\"\r\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("header falls back to the column name", func(t *testing.T) {
		t.Parallel()
		f := []writer.Field{{Name: "total", Kind: writer.KindInt, Decimals: -1}}
		got := writeCSV(t, f, writertest.New([]string{"total"}, []any{"3"}), writer.RFC4180)
		if want := "total\r\n3\r\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestWriteCSV_ParsesBackWithEncodingCSV(t *testing.T) {
	t.Parallel()
	values := []string{
		"plain", "with,comma", "with;semicolon", `with "quotes"`, "multi\nline", " padded ",
		"", "ção 日本語 🙂", `"`, `""`, ",", "\t", "tab\tinside", "trailing\n",
	}
	var rows [][]any
	for i := 0; i < len(values); i++ {
		rows = append(rows, []any{values[i], values[len(values)-1-i]})
	}
	fields := []writer.Field{
		{Name: "a", Label: "A, first", Kind: writer.KindString, Decimals: -1},
		{Name: "b", Label: `B "second"`, Kind: writer.KindString, Decimals: -1},
	}
	for _, d := range []writer.Dialect{writer.RFC4180, writer.PtBRExcel, writer.RFC4180Exact} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			out := writeCSV(t, fields, writertest.New([]string{"a", "b"}, rows...), d)
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
			if d == writer.PtBRExcel {
				r.Comma = ';'
			}
			got, err := r.ReadAll()
			if err != nil {
				t.Fatalf("encoding/csv cannot read the output: %v\n%q", err, out)
			}
			if len(got) != len(rows)+1 {
				t.Fatalf("read %d records, want %d", len(got), len(rows)+1)
			}
			if got[0][0] != "A, first" || got[0][1] != `B "second"` {
				t.Errorf("header = %q", got[0])
			}
			for i, row := range rows {
				for j := range row {
					want := row[j].(string)
					switch {
					case d == writer.PtBRExcel && strings.HasPrefix(want, "\t"):
						want = `="` + want + `"` // a text constant, see guard.go
					case d == writer.RFC4180 && strings.HasPrefix(want, "\t"):
						want = "'" + want // OWASP's apostrophe, see guard.go
					}
					if got[i+1][j] != want {
						t.Errorf("record %d field %d = %q, want %q", i+1, j, got[i+1][j], want)
					}
				}
			}
		})
	}
}

func TestWriteCSV_ExactDialectWritesFormulasAsTheyAre(t *testing.T) {
	t.Parallel()
	f := writer.Field{Name: "v", Label: "V", Kind: writer.KindString, Decimals: -1}
	for in, want := range map[string]string{
		"=1+1":              "=1+1",
		"+5511900000002":    "+5511900000002",
		"@SUM(1+1)":         "@SUM(1+1)",
		"\t=1+1":            "\"\t=1+1\"", // quoted for the leading blank, not guarded
		"=HYPERLINK(\"x\")": `"=HYPERLINK(""x"")"`,
	} {
		if got := csvValue(t, f, in, writer.RFC4180Exact); got != want {
			t.Errorf("RFC4180Exact: %q → %q, want %q", in, got, want)
		}
	}
	if d, err := writer.ParseDialect(" CSV-Exact "); err != nil || d != writer.RFC4180Exact {
		t.Errorf("ParseDialect(csv-exact) = %v, %v", d, err)
	}
}

func TestWriteCSV_ReportsProgressAndStats(t *testing.T) {
	t.Parallel()
	rows := writertest.Generate([]string{"n"}, 250_000, func(i int64, vals [][]byte) {
		vals[0] = append(vals[0][:0], '7')
	})
	var calls []int64
	var buf bytes.Buffer
	st, err := writer.WriteCSV(context.Background(), &buf, []writer.Field{{Name: "n", Label: "N", Kind: writer.KindInt, Decimals: -1}}, rows, writer.RFC4180,
		func(n int64) { calls = append(calls, n) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{100_000, 200_000, 250_000}; !equalInts(calls, want) {
		t.Errorf("progress calls = %v, want %v", calls, want)
	}
	// "N\r\n" + 250,000 × "7\r\n"
	if st.Rows != 250_000 || st.Bytes != 3+250_000*3 || int64(buf.Len()) != st.Bytes {
		t.Errorf("stats = %+v, wrote %d bytes", st, buf.Len())
	}
}

func equalInts(a, b []int64) bool {
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

func TestWriteCSV_StopsWhenContextIsCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	read := int64(0)
	rows := writertest.Generate([]string{"n"}, 1_000_000, func(i int64, vals [][]byte) {
		read = i + 1
		if i == 5000 {
			cancel()
		}
		vals[0] = append(vals[0][:0], '1')
	})
	_, err := writer.WriteCSV(ctx, &bytes.Buffer{}, []writer.Field{{Name: "n", Kind: writer.KindInt, Decimals: -1}}, rows, writer.RFC4180, nil)
	if !errors.Is(err, engine.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want engine.ErrCanceled wrapping context.Canceled", err)
	}
	if read > 5000+1024+1 {
		t.Errorf("read %d rows after cancel at 5001; want it to stop within one check interval", read)
	}
}

func TestWriteCSV_Errors(t *testing.T) {
	t.Parallel()
	field := []writer.Field{{Name: "n", Kind: writer.KindInt, Decimals: -1}}
	t.Run("a field missing from the result", func(t *testing.T) {
		t.Parallel()
		_, err := writer.WriteCSV(context.Background(), &bytes.Buffer{}, field, writertest.New([]string{"m"}), writer.RFC4180, nil)
		if !errors.Is(err, writer.ErrUnknownColumn) || !strings.Contains(err.Error(), `"n"`) {
			t.Errorf("err = %v, want ErrUnknownColumn naming n", err)
		}
	})
	t.Run("an unknown kind", func(t *testing.T) {
		t.Parallel()
		f := []writer.Field{{Name: "n", Kind: "money"}}
		_, err := writer.WriteCSV(context.Background(), &bytes.Buffer{}, f, writertest.New([]string{"n"}), writer.RFC4180, nil)
		if err == nil || !strings.Contains(err.Error(), `"money"`) {
			t.Errorf("err = %v, want an unknown kind error", err)
		}
	})
	t.Run("the row stream fails", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("connection reset")
		rows := writertest.New([]string{"n"}, []any{"1"}).FailWith(boom)
		_, err := writer.WriteCSV(context.Background(), &bytes.Buffer{}, field, rows, writer.RFC4180, nil)
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})
	t.Run("the destination fails", func(t *testing.T) {
		t.Parallel()
		_, err := writer.WriteCSV(context.Background(), failingWriter{}, field, writertest.New([]string{"n"}, []any{"1"}), writer.RFC4180, nil)
		if !errors.Is(err, errDiskFull) {
			t.Errorf("err = %v, want %v", err, errDiskFull)
		}
	})
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestParseDialect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    writer.Dialect
		wantErr bool
	}{
		{"rfc4180", writer.RFC4180, false},
		{"csv", writer.RFC4180, false},
		{"", writer.RFC4180, false},
		{"RFC4180", writer.RFC4180, false},
		{"pt-br-excel", writer.PtBRExcel, false},
		{" PT-BR-Excel ", writer.PtBRExcel, false},
		{"csv-excel", writer.PtBRExcel, false},
		{"excel", writer.PtBRExcel, false},
		{"semicolon", writer.RFC4180, true},
		{"tsv", writer.RFC4180, true},
	}
	for _, tt := range tests {
		got, err := writer.ParseDialect(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDialect(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, _ := writer.ParseDialect(got.String()); back != got {
				t.Errorf("ParseDialect(%q.String()) = %v", got, back)
			}
		}
	}
}

func TestFieldsFor_TakesLabelsInTheRequestedLanguage(t *testing.T) {
	t.Parallel()
	defs := []engine.ColumnDef{
		{Name: "service_level", Type: engine.ColPercent, Decimals: 2, Label: engine.Text{"pt-BR": "NS (%)", "en": "SL (%)"}},
		{Name: "offered", Type: engine.ColInt, Decimals: -1, Label: engine.Text{"pt-BR": "Ofertadas"}},
	}
	got := writer.FieldsFor(defs, "en")
	want := []writer.Field{
		{Name: "service_level", Label: "SL (%)", Kind: writer.KindPercent, Decimals: 2},
		{Name: "offered", Label: "Ofertadas", Kind: writer.KindInt, Decimals: -1}, // falls back to pt-BR
	}
	// Field holds a map (Values), so it compares by value, not with !=.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FieldsFor = %+v, want %+v", got, want)
	}
}
