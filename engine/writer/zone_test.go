package writer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

// São Paulo fell back from -02:00 to -03:00 at 2019-02-17 00:00 local
// (02:00 UTC): 23:00–23:59 of the 16th happened twice.
func fallBackRows(t *testing.T) writer.ZonedRows {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	return writer.InZone(writertest.New([]string{"h", "d"},
		[]any{"2019-02-16T12:00:00Z", "2019-02-16T12:00:00Z"}, // 10:00 -02: one of a kind
		[]any{"2019-02-17T01:00:00Z", "2019-02-17T01:00:00Z"}, // 23:00 -02: the first 23:00
		[]any{"2019-02-17T01:59:59Z", "2019-02-17T01:59:59Z"}, // 23:59:59 -02
		[]any{"2019-02-17T02:00:00Z", "2019-02-17T02:00:00Z"}, // 23:00 -03: the second 23:00
		[]any{"2019-02-17T03:00:00Z", "2019-02-17T03:00:00Z"}, // 00:00 -03 of the 17th
	), sp)
}

var zoneFields = []writer.Field{
	{Name: "h", Label: "Intervalo", Kind: writer.KindDatetime, Decimals: -1},
	{Name: "d", Label: "Dia", Kind: writer.KindDate, Decimals: -1},
}

func TestWriteCSV_ShowsInstantsInTheZoneWithTheOffsetOfARepeatedHour(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    writer.Dialect
		want string
	}{
		{writer.RFC4180, "Intervalo,Dia\r\n" +
			"2019-02-16 10:00:00,2019-02-16\r\n" +
			"2019-02-16 23:00:00-02:00,2019-02-16\r\n" +
			"2019-02-16 23:59:59-02:00,2019-02-16\r\n" +
			"2019-02-16 23:00:00-03:00,2019-02-16\r\n" +
			"2019-02-17 00:00:00,2019-02-17\r\n"},
		{writer.PtBRExcel, "\uFEFFIntervalo;Dia\r\n" +
			"16/02/2019 10:00:00;16/02/2019\r\n" +
			"16/02/2019 23:00:00-02:00;16/02/2019\r\n" +
			"16/02/2019 23:59:59-02:00;16/02/2019\r\n" +
			"16/02/2019 23:00:00-03:00;16/02/2019\r\n" +
			"17/02/2019 00:00:00;17/02/2019\r\n"},
	}
	for _, tt := range tests {
		if got := writeCSV(t, zoneFields, fallBackRows(t), tt.d); got != tt.want {
			t.Errorf("%s:\n%q\nwant\n%q", tt.d, got, tt.want)
		}
	}
}

func TestWriteCSV_ShowsInstantsInAZoneOfQuarterHours(t *testing.T) {
	t.Parallel()
	eucla, err := time.LoadLocation("Australia/Eucla")
	if err != nil {
		t.Fatal(err)
	}
	// Eucla is +08:45 all year: 01:30 UTC is 10:15 local, never ambiguous.
	rows := writer.InZone(writertest.New([]string{"h", "d"}, []any{"2024-03-01T01:30:00Z", "2024-02-29T15:15:00Z"}), eucla)
	if got, want := writeCSV(t, zoneFields, rows, writer.RFC4180), "Intervalo,Dia\r\n2024-03-01 10:15:00,2024-03-01\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriteXLSX_WritesTheRepeatedHourAsTextWithItsOffset(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := writer.WriteXLSX(context.Background(), &buf, zoneFields, fallBackRows(t), "pt-BR", nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Relatório")
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	// Dates shown with the column's dd/mm/yyyy hh:mm:ss format; the two
	// 23:00 as text with their offsets.
	want := []string{"16/02/2019 10:00:00", "16/02/2019 23:00:00-02:00", "16/02/2019 23:59:59-02:00", "16/02/2019 23:00:00-03:00", "17/02/2019 00:00:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("interval cells %q, want %q", got, want)
	}
	if typ, _ := f.GetCellType("Relatório", "A2"); typ != excelize.CellTypeUnset {
		t.Errorf("an unambiguous interval is a %v cell, want a number (date)", typ)
	}
}

// typedRows gives writertest rows ClickHouse column types.
type typedRows struct {
	*writertest.Rows
	cols []engine.Column
}

func (r typedRows) Columns() []engine.Column { return r.cols }

func TestWriteCSV_ShowsADateTimeColumnOfAnotherKindInTheZone(t *testing.T) {
	t.Parallel()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	rows := typedRows{writertest.New([]string{"at", "s"}, []any{"2019-02-17T02:00:00Z", "2019-02-17T02:00:00Z"}),
		[]engine.Column{{Name: "at", Type: "DateTime"}, {Name: "s", Type: "String"}}}
	fields := []writer.Field{
		{Name: "at", Label: "Quando", Kind: writer.KindString, Decimals: -1}, // a DateTime declared as text
		{Name: "s", Label: "Texto", Kind: writer.KindString, Decimals: -1},   // text that looks like an instant
	}
	// 02:00 UTC is the second 23:00 (-03:00) of 2019-02-16 in São Paulo.
	got := writeCSV(t, fields, writer.InZone(rows, sp), writer.RFC4180)
	if want := "Quando,Texto\r\n2019-02-16 23:00:00-03:00,2019-02-17T02:00:00Z\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
