package export

import "github.com/relato/relato/engine/writer"

// XLSX is an Excel workbook with one sheet of typed cells (writer.WriteXLSX);
// results over 1,048,576 rows fail with writer.ErrTooManyRows.
var XLSX = Format{
	ID:          "xlsx",
	Extension:   ".xlsx",
	ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	Labels:      map[string]string{"pt-BR": "XLSX (Excel)", "en": "XLSX (Excel)"},
	Write:       writer.WriteXLSX,
}

func init() { MustRegister(XLSX) }
