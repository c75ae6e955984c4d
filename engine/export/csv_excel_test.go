package export_test

import (
	"testing"

	"github.com/relato/relato/engine/export"
)

func TestCSVExcel_IsWhatBrazilianExcelOpens(t *testing.T) {
	t.Parallel()
	checkMetadata(t, "csv-excel", ".csv", "text/csv; charset=utf-8", "CSV Excel pt-BR (ponto e vírgula)", "pt-BR Excel CSV (semicolon)", "pt-br-excel", "excel")
	// BOM, semicolon separator (the comma in the text needs no quotes),
	// decimal comma, dd/mm/yyyy.
	const want = "\uFEFFAgente;NS %;Dia\r\nAna, Souza;77,8;01/03/2024\r\n"
	if got := string(writeSample(t, export.CSVExcel, "en")); got != want {
		t.Errorf("csv-excel:\n%q\nwant\n%q", got, want)
	}
}
