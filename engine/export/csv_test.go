package export_test

import (
	"testing"

	"github.com/relato/relato/engine/export"
)

func TestCSV_IsRFC4180TextWithItsOwnMetadata(t *testing.T) {
	t.Parallel()
	checkMetadata(t, "csv", ".csv", "text/csv; charset=utf-8", "CSV padrão (vírgula)", "Standard CSV (comma)", "rfc4180")
	// Comma separator (so the comma in the text is quoted), decimal point,
	// ISO date, CRLF, no BOM; the language does not change CSV.
	const want = "Agente,NS %,Dia\r\n\"Ana, Souza\",77.8,2024-03-01\r\n"
	for _, lang := range []string{"pt-BR", "en"} {
		if got := string(writeSample(t, export.CSV, lang)); got != want {
			t.Errorf("csv in %s:\n%q\nwant\n%q", lang, got, want)
		}
	}
}
