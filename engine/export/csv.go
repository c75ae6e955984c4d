package export

import (
	"context"
	"io"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// CSV is plain CSV (RFC 4180): ',' separator, '.' decimal point, UTF-8 without
// BOM, ISO dates; labels as header. The default format.
var CSV = Format{
	ID:          "csv",
	Aliases:     []string{"rfc4180"},
	Extension:   ".csv",
	ContentType: "text/csv; charset=utf-8",
	Labels:      map[string]string{"pt-BR": "CSV padrão (vírgula)", "en": "Standard CSV (comma)"},
	Write: func(ctx context.Context, w io.Writer, fields []writer.Field, rows engine.Rows, _ string, progress func(rows int64)) (writer.Stats, error) {
		return writer.WriteCSV(ctx, w, fields, rows, writer.RFC4180, progress)
	},
}

func init() { MustRegister(CSV) }
