package export_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

func TestCSVExact_IsTheUnguardedCSVForPrograms(t *testing.T) {
	t.Parallel()
	checkMetadata(t, "csv-exact", ".csv", "text/csv; charset=utf-8",
		"CSV exato para sistemas (sem proteção de fórmulas)", "Exact CSV for programs (no formula guard)", "exact", "rfc4180-exact")
	if got := string(writeSample(t, export.CSVExact, "pt-BR")); got != "Agente,NS %,Dia\r\n\"Ana, Souza\",77.8,2024-03-01\r\n" {
		t.Errorf("csv-exact sample: %q", got)
	}
	// The same formula in the three CSVs: raw only in csv-exact.
	fields := []writer.Field{{Name: "n", Label: "Nome", Kind: writer.KindString, Decimals: -1}}
	for _, tt := range []struct {
		f    export.Format
		want string
	}{
		{export.CSVExact, "Nome\r\n=1+1\r\n"},
		{export.CSV, "Nome\r\n\"'=1+1\"\r\n"},
		{export.CSVExcel, "\uFEFFNome\r\n\"=\"\"=1+1\"\"\"\r\n"},
	} {
		var buf bytes.Buffer
		if _, err := tt.f.Write(context.Background(), &buf, fields, writertest.New([]string{"n"}, []any{"=1+1"}), "pt-BR", nil); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("%s: %q, want %q", tt.f.ID, buf.String(), tt.want)
		}
	}
}
