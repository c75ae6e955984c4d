package export

import (
	"context"
	"io"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// CSVExcel is the CSV that Excel in Brazilian Portuguese opens with a double
// click: ';' separator, decimal comma, UTF-8 BOM, dd/mm/yyyy dates.
var CSVExcel = Format{
	ID:          "csv-excel",
	Aliases:     []string{"pt-br-excel", "excel"},
	Extension:   ".csv",
	ContentType: "text/csv; charset=utf-8",
	Labels:      map[string]string{"pt-BR": "CSV Excel pt-BR (ponto e vírgula)", "en": "pt-BR Excel CSV (semicolon)"},
	Write: func(ctx context.Context, w io.Writer, fields []writer.Field, rows engine.Rows, _ string, progress func(rows int64)) (writer.Stats, error) {
		return writer.WriteCSV(ctx, w, fields, rows, writer.PtBRExcel, progress)
	},
}

func init() { MustRegister(CSVExcel) }
