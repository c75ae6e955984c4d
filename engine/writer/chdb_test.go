package writer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/writer"
)

// openWarehouse opens the embedded ClickHouse once for this test binary (chDB
// allows one data directory per process). Without libchdb the test is skipped
// locally and fails in CI.
func openWarehouse(t *testing.T) *chdb.Backend {
	t.Helper()
	b, err := chdb.Open(t.TempDir())
	if errors.Is(err, chdb.ErrLibraryMissing) && os.Getenv("CI") == "" {
		t.Skipf("embedded ClickHouse unavailable: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestWriters_RenderClickHouseText runs a query on the embedded ClickHouse and
// checks the files written from its real text output.
func TestWriters_RenderClickHouseText(t *testing.T) {
	b := openWarehouse(t)
	ctx := context.Background()
	query := func() engine.Rows {
		rows, err := b.Query(ctx, engine.Query{
			SQL: `SELECT toDecimal64('2.675', 3) AS d, 1e21 AS big, 0/0 AS nan_, 1/0 AS inf_,
			        toDateTime('2024-01-31 13:45:00', 'UTC') AS at, toDate('2024-01-31') AS day,
			        true AS ok, toUInt8(0) AS flag, 3599.5 AS dur, toUInt32(90061) AS long_dur, 77.775 AS pct,
			        'a;b "c"' AS s, CAST(NULL AS Nullable(Int32)) AS n, toUInt64(18446744073709551615) AS u`,
			TimeZone: "UTC",
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows // the warehouse runs one query at a time: close before the next
	}
	fields := []writer.Field{
		{Name: "d", Label: "d", Kind: writer.KindNumber, Decimals: 2},
		{Name: "big", Label: "big", Kind: writer.KindNumber, Decimals: -1},
		{Name: "nan_", Label: "nan", Kind: writer.KindPercent, Decimals: -1},
		{Name: "inf_", Label: "inf", Kind: writer.KindNumber, Decimals: -1},
		{Name: "at", Label: "at", Kind: writer.KindDatetime, Decimals: -1},
		{Name: "day", Label: "day", Kind: writer.KindDate, Decimals: -1},
		{Name: "ok", Label: "ok", Kind: writer.KindBool, Decimals: -1},
		{Name: "flag", Label: "flag", Kind: writer.KindBool, Decimals: -1},
		{Name: "dur", Label: "dur", Kind: writer.KindDuration, Decimals: -1},
		{Name: "long_dur", Label: "long", Kind: writer.KindDuration, Decimals: -1},
		{Name: "pct", Label: "pct", Kind: writer.KindPercent, Decimals: -1},
		{Name: "s", Label: "s", Kind: writer.KindString, Decimals: -1},
		{Name: "n", Label: "n", Kind: writer.KindInt, Decimals: -1},
		{Name: "u", Label: "u", Kind: writer.KindInt, Decimals: -1},
	}
	tests := []struct {
		dialect writer.Dialect
		want    string
	}{
		{writer.RFC4180, "d,big,nan,inf,at,day,ok,flag,dur,long,pct,s,n,u\r\n" +
			`2.68,1000000000000000000000,,,2024-01-31 13:45:00,2024-01-31,true,false,3599.50,90061.00,77.78,"a;b ""c""",,18446744073709551615` + "\r\n"},
		{writer.PtBRExcel, "\uFEFFd;big;nan;inf;at;day;ok;flag;dur;long;pct;s;n;u\r\n" +
			`2,68;1000000000000000000000;;;31/01/2024 13:45:00;31/01/2024;Sim;Não;01:00:00;25:01:01;77,78;"a;b ""c""";;18446744073709551615` + "\r\n"},
	}
	for _, tt := range tests {
		t.Run("CSV "+tt.dialect.String(), func(t *testing.T) {
			var buf bytes.Buffer
			rows := query()
			defer rows.Close()
			if _, err := writer.WriteCSV(ctx, &buf, fields, rows, tt.dialect, nil); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	t.Run("XLSX", func(t *testing.T) {
		var buf bytes.Buffer
		rows := query()
		defer rows.Close()
		if _, err := writer.WriteXLSX(ctx, &buf, fields, rows, "pt-BR", nil); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, err := f.GetRows("Relatório")
		if err != nil {
			t.Fatal(err)
		}
		// Displayed values as excelize renders them; the UInt64 maximum has
		// more digits than a double keeps, so it is text.
		want := []string{"2.68", "1000000000000000000000", "", "", "31/01/2024 13:45:00", "31/01/2024", "TRUE", "FALSE", "1:00:00", "25:01:01", "77.78%", `a;b "c"`, "", "18446744073709551615"}
		if len(got) != 2 || !equalStrings(got[1], want) {
			t.Errorf("row 2 = %q, want %q", got, want)
		}
		if typ, _ := f.GetCellType("Relatório", "N2"); typ != excelize.CellTypeInlineString {
			t.Errorf("N2 type = %v, want text", typ)
		}
	})
}
