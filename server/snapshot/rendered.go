package snapshot

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// formattedBackend is a warehouse that streams its own rendering of a result
// in a ClickHouse output format (the embedded one).
type formattedBackend interface {
	QueryFormatted(ctx context.Context, q engine.Query, format string) (io.ReadCloser, error)
}

// RenderedCSV streams the lines of run's snapshot as WriteCSV writes them in
// dialect d for fields (no header), in result order, with date-times shown
// in timeZone and the columns of mask masked, rendered by the warehouse
// (writer.CSVFieldsSQL in ClickHouse's CustomSeparated format) so Go only
// copies bytes. ok is false, with nothing started, when the backend does not
// stream its own formats or a column is not one the warehouse renders byte
// for byte (labelled codes, places, percent, duration…): read RowsMasked
// with the writer then. ErrNotFound when the snapshot is gone.
func (s *Store) RenderedCSV(ctx context.Context, runID, timeZone string, mask Mask, fields []writer.Field, d writer.Dialect) (r io.ReadCloser, ok bool, err error) {
	fb, can := s.B.(formattedBackend)
	if !can {
		return nil, false, nil
	}
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		return nil, false, fmt.Errorf("snapshot: time zone %q: %w", timeZone, err)
	}
	tbl, err := table(runID)
	if err != nil {
		return nil, false, err
	}
	if ok, err := s.Exists(ctx, runID); err != nil {
		return nil, false, err
	} else if !ok {
		return nil, false, ErrNotFound
	}
	src, err := mask.source(tbl)
	if err != nil {
		return nil, false, err
	}
	head, err := s.B.Query(ctx, engine.Query{SQL: "SELECT * EXCEPT " + rowColumn + " FROM " + src + " LIMIT 0", TimeZone: timeZone})
	if err != nil {
		return nil, false, err
	}
	cols := head.Columns()
	head.Close()
	list, can := writer.CSVSelectList(fields, cols, d, loc)
	if !can {
		return nil, false, nil
	}
	r, err = fb.QueryFormatted(ctx, engine.Query{
		SQL:      "SELECT " + list + " FROM " + src + " ORDER BY " + rowColumn,
		TimeZone: timeZone,
		Settings: writer.CSVFieldsSettings(),
	}, "CustomSeparated")
	if err != nil {
		return nil, false, err
	}
	return r, true, nil
}
