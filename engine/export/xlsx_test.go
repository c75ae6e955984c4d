package export_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine/export"
)

func TestXLSX_IsAWorkbookNamedInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	checkMetadata(t, "xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX (Excel)", "XLSX (Excel)")
	for _, tt := range []struct{ lang, sheet string }{{"pt-BR", "Relatório"}, {"en", "Report"}} {
		out := writeSample(t, export.XLSX, tt.lang)
		wb, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("xlsx in %s does not open: %v", tt.lang, err)
		}
		if sheets := wb.GetSheetList(); len(sheets) != 1 || sheets[0] != tt.sheet {
			t.Errorf("xlsx in %s: sheets %v, want [%s]", tt.lang, sheets, tt.sheet)
		}
		header, _ := wb.GetCellValue(tt.sheet, "A1")
		agent, _ := wb.GetCellValue(tt.sheet, "A2")
		if header != "Agente" || agent != "Ana, Souza" {
			t.Errorf("xlsx in %s: A1 %q, A2 %q; want Agente, Ana, Souza", tt.lang, header, agent)
		}
		wb.Close()
	}
}
