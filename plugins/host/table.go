package host

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/relato/relato/engine"
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
	defs = append(defs, quoteIdent(rowColumn)+" UInt64")
	for _, c := range cols {
		defs = append(defs, quoteIdent(c.Name)+" "+c.Type)
	}
	if err := b.Exec(ctx, "CREATE TABLE "+table+" ("+strings.Join(defs, ", ")+") ENGINE = MergeTree ORDER BY "+quoteIdent(rowColumn)); err != nil {
		return 0, err
	}
	var n int64
	var buf strings.Builder
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		err := b.Exec(ctx, "INSERT INTO "+table+" FORMAT TabSeparated\n"+buf.String())
		buf.Reset()
		pending = 0
		return err
	}
	for rows.Next() {
		n++
		buf.WriteString(strconv.FormatInt(n, 10))
		for i, v := range rows.Values() {
			buf.WriteByte('\t')
			if rows.IsNull(i) {
				buf.WriteString(`\N`)
			} else {
				writeTSV(&buf, v)
			}
		}
		buf.WriteByte('\n')
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

func writeTSV(b *strings.Builder, v []byte) {
	for _, c := range v {
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
}

func quoteIdent(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }
