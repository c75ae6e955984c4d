package host

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// copyBatch is how many rows one INSERT carries.
const copyBatch = 5000

// CopyRows creates table (database.name, which must not exist) with a
// rowColumn UInt64 numbering the rows in order followed by rows' columns, and
// inserts every row. It is how a plugin run's output becomes a snapshot table:
// the caller passes a *Result, then checks rows.Err and rows.Truncated. It
// returns the number of rows copied.
func CopyRows(ctx context.Context, b engine.Backend, table, rowColumn string, rows engine.Rows) (int64, error) {
	cols := rows.Columns()
	defs := make([]string, 0, len(cols)+1)
	defs = append(defs, chsql.QuoteIdent(rowColumn)+" UInt64")
	for _, c := range cols {
		defs = append(defs, chsql.QuoteIdent(c.Name)+" "+c.Type)
	}
	if err := b.Exec(ctx, "CREATE TABLE "+table+" ("+strings.Join(defs, ", ")+") ENGINE = MergeTree ORDER BY "+chsql.QuoteIdent(rowColumn)); err != nil {
		return 0, err
	}
	var n int64
	head := "INSERT INTO " + table + " FORMAT TabSeparated\n"
	buf := []byte(head)
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		err := b.Exec(ctx, string(buf))
		buf = append(buf[:0], head...)
		pending = 0
		return err
	}
	for rows.Next() {
		n++
		buf = strconv.AppendInt(buf, n, 10)
		for i, v := range rows.Values() {
			buf = append(buf, '\t')
			if rows.IsNull(i) {
				buf = append(buf, `\N`...)
			} else {
				buf = chsql.AppendEscaped(buf, v)
			}
		}
		buf = append(buf, '\n')
		if pending++; pending >= copyBatch {
			if err := flush(); err != nil {
				return n, fmt.Errorf("writing rows: %w", err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("writing rows: %w", err)
	}
	return n, nil
}
