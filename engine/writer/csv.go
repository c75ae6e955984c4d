package writer

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/relato/relato/engine"
)

// flushAt is the buffered size at which WriteCSV hands bytes to the destination.
const flushAt = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// CSVHeader is the first line WriteCSV writes for fields in dialect d (the
// BOM of PtBRExcel first, the labels, CR LF): what precedes lines the
// warehouse renders itself (CSVFieldsSQL).
func CSVHeader(fields []Field, d Dialect) []byte {
	return newCSVEncoder(d).appendHeader(nil, fields)
}

func (e *csvEncoder) appendHeader(out []byte, fields []Field) []byte {
	if e.dialect == PtBRExcel {
		out = append(out, utf8BOM...)
	}
	for i := range fields {
		if i > 0 {
			out = append(out, e.sep)
		}
		out = e.appendField(out, []byte(fields[i].header()))
	}
	return append(out, '\r', '\n')
}

// WriteCSV streams rows to w as CSV in dialect d: a header of field labels, then
// one line per row, lines ending in CRLF. NULL is an empty field. It checks ctx
// every few rows, calls progress (when not nil) every 100,000 rows and once at
// the end, and does not close rows.
func WriteCSV(ctx context.Context, w io.Writer, fields []Field, rows engine.Rows, d Dialect, progress func(rows int64)) (Stats, error) {
	var st Stats
	idx, err := columnIndex(fields, rows.Columns())
	if err != nil {
		return st, fmt.Errorf("write csv: %w", err)
	}
	e := newCSVEncoder(d)
	labels := codeLabelsOf(fields)
	var instant []bool
	if loc := locationOf(rows); loc != nil {
		e.clock = &zoneClock{loc: loc}
		instant = instantColumns(fields, idx, rows.Columns())
	}
	out := make([]byte, 0, flushAt+flushAt/4)
	flush := func() error {
		n, err := w.Write(out)
		st.Bytes += int64(n)
		out = out[:0]
		if err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	}
	out = e.appendHeader(out, fields)

	for rows.Next() {
		if st.Rows%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return st, fmt.Errorf("write csv: %w", canceled(err))
			}
		}
		vals := rows.Values()
		for i := range fields {
			if i > 0 {
				out = append(out, e.sep)
			}
			j := idx[i]
			if rows.IsNull(j) {
				continue
			}
			v := labels.label(i, vals[j])
			if instant != nil && instant[i] {
				v = e.clock.text(v)
			}
			out = e.appendValue(out, &fields[i], v)
		}
		out = append(out, '\r', '\n')
		st.Rows++
		if len(out) >= flushAt {
			if err := flush(); err != nil {
				return st, err
			}
		}
		if progress != nil && st.Rows%progressEvery == 0 {
			progress(st.Rows)
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("write csv: read rows: %w", err)
	}
	if err := flush(); err != nil {
		return st, err
	}
	if progress != nil {
		progress(st.Rows)
	}
	return st, nil
}

// csvEncoder renders values of one dialect, reusing its buffers.
type csvEncoder struct {
	dialect Dialect
	sep     byte
	point   byte
	dec     decimal
	cell    []byte
	special [256]bool  // bytes that force quoting
	clock   *zoneClock // date-times arrive as UTC instants (zone.go); nil: as wall clock
}

func newCSVEncoder(d Dialect) *csvEncoder {
	e := &csvEncoder{dialect: d, sep: d.separator(), point: d.decimalPoint()}
	for _, c := range []byte{e.sep, '"', '\r', '\n'} {
		e.special[c] = true
	}
	return e
}

// appendValue appends the CSV field for v, quoted when needed, neutralised
// in the dialects meant for people (see neutralise).
func (e *csvEncoder) appendValue(dst []byte, f *Field, v []byte) []byte {
	if f.Kind == KindString {
		if e.dialect == RFC4180Exact || !needsGuard(v, e.dialect) {
			return e.appendField(dst, v)
		}
		cell := e.neutralise(e.cell[:0], v)
		e.cell = cell[:0]
		return e.appendQuoted(dst, cell)
	}
	cell := e.render(e.cell[:0], f, v)
	if e.dialect != RFC4180Exact && startsFormula(cell) && !isNumberText(cell) {
		// A value of another kind that is not valid for it (a number column
		// holding "=1+1") arrives as raw text: guard it like a string.
		cell = append(cell[:0], e.neutralise(nil, cell)...)
		e.cell = cell[:0]
		return e.appendQuoted(dst, cell)
	}
	e.cell = cell[:0] // keep the grown buffer for the next value
	return e.appendField(dst, cell)
}

// render appends v's text in the dialect, unquoted.
func (e *csvEncoder) render(cell []byte, f *Field, v []byte) []byte {
	switch f.Kind {
	case KindInt, KindNumber:
		return e.appendNumber(cell, v, f.Decimals)
	case KindPercent:
		return e.appendNumber(cell, v, defaultPlaces(f.Decimals))
	case KindDuration:
		if e.dialect == PtBRExcel {
			return e.appendClock(cell, v)
		}
		return e.appendNumber(cell, v, defaultPlaces(f.Decimals))
	case KindDatetime:
		return e.appendDatetime(cell, v)
	case KindDate:
		return e.appendDate(cell, v)
	case KindBool:
		return e.appendBool(cell, v)
	}
	return append(cell, v...)
}

func defaultPlaces(decimals int) int {
	if decimals < 0 {
		return 2
	}
	return decimals
}

// appendField appends s, quoted if it holds the separator, a quote, a line
// break or leading/trailing blanks.
func (e *csvEncoder) appendField(dst, s []byte) []byte {
	if !e.needsQuotes(s) {
		return append(dst, s...)
	}
	return e.appendQuoted(dst, s)
}

// appendQuoted appends s always quoted. A guarded cell is quoted so that a
// reader guessing the quote character (gnumeric) does not take the
// apostrophe for one.
func (e *csvEncoder) appendQuoted(dst, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func (e *csvEncoder) needsQuotes(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if isBlank(s[0]) || isBlank(s[len(s)-1]) {
		return true
	}
	for _, c := range s {
		if e.special[c] {
			return true
		}
	}
	return false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// appendNumber renders numeric text with places decimals (places < 0: as given).
// nan and ±inf render empty; text that is not a number is kept as it is.
func (e *csvEncoder) appendNumber(dst, v []byte, places int) []byte {
	if places < 0 && isPlainNumber(v) {
		// The common case, an integer or plain decimal kept as given.
		for _, c := range v {
			if c == '.' {
				c = e.point
			}
			dst = append(dst, c)
		}
		return dst
	}
	switch e.dec.parse(v) {
	case numNaN, numInf:
		return dst
	case numInvalid:
		return append(dst, v...)
	}
	if places < 0 {
		if e.dec.hasExp {
			return e.dec.appendText(dst, -1, e.point)
		}
		if v[0] == '+' {
			v = v[1:]
		}
		for _, c := range v {
			if c == '.' {
				c = e.point
			}
			dst = append(dst, c)
		}
		return dst
	}
	e.dec.round(places)
	return e.dec.appendText(dst, places, e.point)
}

// isPlainNumber reports whether v is digits with an optional leading minus
// and at most one decimal point between digits.
func isPlainNumber(v []byte) bool {
	i := 0
	if len(v) > 0 && v[0] == '-' {
		i = 1
	}
	if i >= len(v) || v[i] < '0' || v[i] > '9' || v[len(v)-1] < '0' || v[len(v)-1] > '9' {
		return false
	}
	point := false
	for ; i < len(v); i++ {
		if c := v[i]; c == '.' && !point {
			point = true
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendClock renders seconds as hh:mm:ss rounded to the nearest second; hours
// go past 24.
func (e *csvEncoder) appendClock(dst, v []byte) []byte {
	switch e.dec.parse(v) {
	case numNaN, numInf:
		return dst
	case numInvalid:
		return append(dst, v...)
	}
	e.dec.round(0)
	secs, ok := e.dec.uint64Value()
	if !ok {
		return e.dec.appendText(dst, 0, e.point)
	}
	if e.dec.neg && secs > 0 {
		dst = append(dst, '-')
	}
	return appendClock(dst, secs)
}

func appendClock(dst []byte, secs uint64) []byte {
	h, m, s := secs/3600, secs/60%60, secs%60
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendUint(dst, h, 10)
	return append(dst, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
}

// isDate reports whether v starts with YYYY-MM-DD.
func isDate(v []byte) bool {
	return len(v) >= 10 && v[4] == '-' && v[7] == '-' && allDigits(v[0:4]) && allDigits(v[5:7]) && allDigits(v[8:10])
}

// isDatetime reports whether v starts with YYYY-MM-DD hh:mm:ss.
func isDatetime(v []byte) bool {
	return len(v) >= 19 && isDate(v) && (v[10] == ' ' || v[10] == 'T') && v[13] == ':' && v[16] == ':' &&
		allDigits(v[11:13]) && allDigits(v[14:16]) && allDigits(v[17:19])
}

func allDigits(v []byte) bool {
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendDateText appends the date part of v (known to be a date) in the dialect.
func (e *csvEncoder) appendDateText(dst, v []byte) []byte {
	if e.dialect == PtBRExcel {
		return append(dst, v[8], v[9], '/', v[5], v[6], '/', v[0], v[1], v[2], v[3])
	}
	return append(dst, v[:10]...)
}

// appendDatetime renders to the second; fractional seconds are dropped and a
// bare date gets midnight. A UTC instant (zone.go) is shown in the zone, with
// its offset appended when the wall clock is ambiguous.
func (e *csvEncoder) appendDatetime(dst, v []byte) []byte {
	if e.clock != nil && isUTCInstant(v) {
		wall, offset := e.clock.local(v)
		dst = e.appendDatetime(dst, wall)
		return append(dst, offset...)
	}
	switch {
	case isDatetime(v):
		dst = e.appendDateText(dst, v)
		return append(append(dst, ' '), v[11:19]...)
	case len(v) == 10 && isDate(v):
		dst = e.appendDateText(dst, v)
		return append(dst, " 00:00:00"...)
	}
	return append(dst, v...)
}

func (e *csvEncoder) appendDate(dst, v []byte) []byte {
	if e.clock != nil && isUTCInstant(v) {
		v, _ = e.clock.local(v) // the day in the zone
	}
	if len(v) == 10 && isDate(v) || isDatetime(v) {
		return e.appendDateText(dst, v)
	}
	return append(dst, v...)
}

func (e *csvEncoder) appendBool(dst, v []byte) []byte {
	b, ok := parseBool(v)
	switch {
	case !ok:
		return append(dst, v...)
	case e.dialect == PtBRExcel && b:
		return append(dst, "Sim"...)
	case e.dialect == PtBRExcel:
		return append(dst, "Não"...)
	case b:
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// parseBool reads ClickHouse's Bool (true/false) and UInt8 (1/0) text.
func parseBool(v []byte) (value, ok bool) {
	switch {
	case equalFold(v, "true"), len(v) == 1 && v[0] == '1':
		return true, true
	case equalFold(v, "false"), len(v) == 1 && v[0] == '0':
		return false, true
	}
	return false, false
}
