package export

import (
	"context"
	"io"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// CSVExact is the CSV for programs: csv's RFC 4180 text with every value
// exactly as the warehouse returned it, so a cell starting with '=', '+',
// '-', '@', TAB or CR is not guarded. A spreadsheet may run such a cell as a
// formula: never the default of the pages or of schedules. Coded columns
// keep their codes (voice, inbound), not the labels the other formats write:
// a program reading it matches on the warehouse's values, like the codes of
// the rows API.
var CSVExact = Format{
	ID:          "csv-exact",
	Aliases:     []string{"exact", "rfc4180-exact"},
	Extension:   ".csv",
	ContentType: "text/csv; charset=utf-8",
	Labels:      map[string]string{"pt-BR": "CSV exato para sistemas (sem proteção de fórmulas)", "en": "Exact CSV for programs (no formula guard)"},
	Write: func(ctx context.Context, w io.Writer, fields []writer.Field, rows engine.Rows, _ string, progress func(rows int64)) (writer.Stats, error) {
		return writer.WriteCSV(ctx, w, writer.WithoutValueLabels(fields), rows, writer.RFC4180Exact, progress)
	},
}

func init() { MustRegister(CSVExact) }
