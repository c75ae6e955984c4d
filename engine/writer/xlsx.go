package writer

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/relato/relato/engine"
)

// maxExactDigits is how many significant digits an Excel number keeps; longer
// integers (ids, big counters) are written as text so no digit is lost, and
// so are number and percent values that a float64 cannot hold exactly.
const maxExactDigits = 15

// maxCellUnits is the most text one Excel cell holds, in UTF-16 code units
// (Excel's "Specifications and limits": 32,767 characters).
const maxCellUnits = 32767

// textFormat is Excel's built-in "@" (Text) number format: a string cell in
// it stays text when a person edits it, so "=1+1" typed back is not run.
const textFormat = 49

// WriteXLSX streams rows into a one-sheet workbook written to w: a bold, frozen
// header row of labels, then typed cells — numbers as numbers, datetimes and
// dates as Excel dates, percents with a percent format, durations as [h]:mm:ss,
// bools as booleans, strings as typed strings in the Text ("@") format (never
// formulas, so no text runs, and no apostrophe is added).
//
// No value is changed silently: a number or percent with more than 15
// significant digits that a float64 cannot hold is written as text (its
// digits in lang's decimal mark, a percent followed by "%") and counted in
// Stats.TextNumbers; a text over 32,767 characters is cut to Excel's cell
// limit and counted in Stats.CutCells. Bold notes follow the data after one
// empty row: CutNotice when rows report Truncated (the result was cut at the
// report's max_rows), then how many values were kept as text or cut. lang picks the sheet name and the date display format
// (dd/mm/yyyy for Portuguese); date-times that arrive as UTC instants with a
// zone (zone.go) are shown in it, and the hour a clock change repeats is
// written as text with its offset ("16/02/2019 23:00:00-02:00"). A result
// that does not fit in one sheet returns
// ErrTooManyRows and writes nothing. It does not close rows.
func WriteXLSX(ctx context.Context, w io.Writer, fields []Field, rows engine.Rows, lang string, progress func(rows int64)) (Stats, error) {
	var st Stats
	idx, err := columnIndex(fields, rows.Columns())
	if err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	pt := strings.HasPrefix(strings.ToLower(lang), "pt")
	sheet := "Report"
	if pt {
		sheet = "Relatório"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	x, err := newXLSXEncoder(f, fields, pt)
	if err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	for i, fd := range fields {
		if err := sw.SetColWidth(i+1, i+1, x.width(fd)); err != nil {
			return st, fmt.Errorf("write xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	row := make([]any, len(fields))
	for i, fd := range fields {
		row[i] = excelize.Cell{StyleID: x.header, Value: fd.header()}
	}
	x.stats = &st
	labels := codeLabelsOf(fields)
	var instant []bool
	if loc := locationOf(rows); loc != nil {
		x.clock = &zoneClock{loc: loc}
		instant = instantColumns(fields, idx, rows.Columns())
	}
	if err := sw.SetRow("A1", row); err != nil {
		return st, fmt.Errorf("write xlsx: header: %w", err)
	}

	for rows.Next() {
		if st.Rows%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return st, fmt.Errorf("write xlsx: %w", canceled(err))
			}
		}
		rowNum := int(st.Rows) + 2
		if rowNum > excelize.TotalRows {
			return st, fmt.Errorf("write xlsx: %w", ErrTooManyRows)
		}
		vals := rows.Values()
		for i := range fields {
			j := idx[i]
			if rows.IsNull(j) {
				row[i] = nil
				continue
			}
			v := labels.label(i, vals[j])
			if instant != nil && instant[i] {
				v = x.clock.text(v)
			}
			row[i] = x.cell(i, v)
		}
		if err := sw.SetRow("A"+strconv.Itoa(rowNum), row); err != nil {
			return st, fmt.Errorf("write xlsx: row %d: %w", rowNum, err)
		}
		st.Rows++
		if progress != nil && st.Rows%progressEvery == 0 {
			progress(st.Rows)
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("write xlsx: read rows: %w", err)
	}
	// Notes below the data, after an empty row so that Excel's current
	// region (filters, pivot tables) ends with the data: the cap marker, then
	// what was kept as text or cut.
	var notes []string
	if rows.Truncated() {
		notes = append(notes, CutNotice(st.Rows, lang))
	}
	notes = append(notes, valueNotes(st, lang)...)
	for i, n := range notes {
		if err := sw.SetRow("A"+strconv.Itoa(int(st.Rows)+3+i), []any{excelize.Cell{StyleID: x.header, Value: n}}); err != nil {
			return st, fmt.Errorf("write xlsx: note: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	n, err := f.WriteTo(w)
	st.Bytes = n
	if err != nil {
		return st, fmt.Errorf("write xlsx: %w", err)
	}
	if progress != nil {
		progress(st.Rows)
	}
	return st, nil
}

// xlsxEncoder turns canonical text into typed cells.
type xlsxEncoder struct {
	fields []Field
	styles []int // per field; 0 = General
	header int
	text   int // the Text ("@") style
	pt     bool
	dec    decimal
	back   decimal
	num    []byte
	stats  *Stats
	clock  *zoneClock // date-times arrive as UTC instants (zone.go); nil: as wall clock
}

func newXLSXEncoder(f *excelize.File, fields []Field, pt bool) (*xlsxEncoder, error) {
	x := &xlsxEncoder{fields: fields, styles: make([]int, len(fields)), pt: pt}
	var err error
	if x.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if x.text, err = f.NewStyle(&excelize.Style{NumFmt: textFormat}); err != nil {
		return nil, err
	}
	for i, fd := range fields {
		if fd.Kind == KindString {
			x.styles[i] = x.text
			continue
		}
		format := x.numFormat(fd)
		if format == "" {
			continue
		}
		if x.styles[i], err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			return nil, fmt.Errorf("column %q: %w", fd.Name, err)
		}
	}
	return x, nil
}

// numFormat is the Excel number format of a field's cells ("" = General).
func (x *xlsxEncoder) numFormat(fd Field) string {
	fixed := func(places int) string {
		if places <= 0 {
			return "0"
		}
		return "0." + strings.Repeat("0", places)
	}
	switch fd.Kind {
	case KindInt:
		return "0"
	case KindNumber:
		if fd.Decimals < 0 {
			return ""
		}
		return fixed(fd.Decimals)
	case KindPercent:
		return fixed(defaultPlaces(fd.Decimals)) + "%"
	case KindDuration:
		return "[h]:mm:ss"
	case KindDatetime:
		if x.pt {
			return "dd/mm/yyyy hh:mm:ss"
		}
		return "yyyy-mm-dd hh:mm:ss"
	case KindDate:
		if x.pt {
			return "dd/mm/yyyy"
		}
		return "yyyy-mm-dd"
	}
	return ""
}

// width is a column width (in characters) that fits the header and typical values.
func (x *xlsxEncoder) width(fd Field) float64 {
	w := 10
	switch fd.Kind {
	case KindDatetime:
		w = 20
	case KindDate:
		w = 12
	case KindString:
		w = 16
	}
	if n := len([]rune(fd.header())) + 2; n > w {
		w = n
	}
	return float64(min(w, 60))
}

// cell returns field i's cell for v (not NULL).
func (x *xlsxEncoder) cell(i int, v []byte) any {
	fd := &x.fields[i]
	style := x.styles[i]
	text := func() any { return excelize.Cell{StyleID: x.text, Value: x.string(v)} }
	switch fd.Kind {
	case KindString:
		return excelize.Cell{StyleID: style, Value: x.string(v)}
	case KindInt, KindNumber, KindPercent, KindDuration:
		switch x.dec.parse(v) {
		case numNaN, numInf:
			return nil
		case numInvalid:
			return text()
		}
		places := fd.Decimals
		switch fd.Kind {
		case KindPercent:
			places = defaultPlaces(places)
		case KindDuration:
			places = 0 // [h]:mm:ss shows whole seconds; round like the CSV does
		case KindInt:
			if fd.Decimals < 0 && len(x.dec.digits) > maxExactDigits {
				return text()
			}
		}
		if places >= 0 {
			x.dec.round(places)
		}
		switch fd.Kind {
		case KindPercent:
			x.dec.point -= 2 // percentage points to the fraction Excel formats
		}
		x.num = x.dec.appendText(x.num[:0], -1, '.')
		n, err := strconv.ParseFloat(string(x.num), 64)
		if err != nil {
			return text()
		}
		if (fd.Kind == KindNumber || fd.Kind == KindPercent) && !x.exact(n) {
			return x.exactText(fd)
		}
		if fd.Kind == KindDuration {
			n /= 86400
		}
		return excelize.Cell{StyleID: style, Value: n}
	case KindDatetime, KindDate:
		if x.clock != nil && isUTCInstant(v) {
			wall, offset := x.clock.local(v)
			if offset != "" && fd.Kind == KindDatetime {
				// The repeated hour: a date cell cannot say which, text can.
				layout := "2006-01-02 15:04:05"
				if x.pt {
					layout = "02/01/2006 15:04:05"
				}
				return excelize.Cell{StyleID: x.text, Value: civil(wall, true).Format(layout) + offset}
			}
			v = wall
		}
		var t time.Time
		switch {
		case isDatetime(v):
			t = civil(v, true)
		case len(v) == 10 && isDate(v):
			t = civil(v, false)
		default:
			return text()
		}
		if fd.Kind == KindDate {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		serial, ok := excelSerial(t)
		if !ok {
			return text()
		}
		return excelize.Cell{StyleID: style, Value: serial}
	case KindBool:
		if b, ok := parseBool(v); ok {
			return b
		}
		return text()
	}
	return text()
}

// exact reports whether float64 n holds the number in x.dec: it has at most
// 15 significant digits, or n's shortest form has the same digits (a float
// result such as 0.30000000000000004 is that double already; its last digits
// are binary noise, and the file gets Excel's 15 digits, 0.3).
func (x *xlsxEncoder) exact(n float64) bool {
	if significant(x.dec.digits) <= maxExactDigits {
		return true
	}
	x.num = strconv.AppendFloat(x.num[:0], n, 'g', -1, 64)
	if x.back.parse(x.num) != numFinite {
		return false
	}
	a, b := x.dec.digits[:significant(x.dec.digits)], x.back.digits[:significant(x.back.digits)]
	return string(a) == string(b) && x.dec.point == x.back.point
}

// exactText is the text cell of x.dec for a number or percent that a float64
// cannot hold: every digit, in the language's decimal mark.
func (x *xlsxEncoder) exactText(fd *Field) any {
	x.stats.TextNumbers++
	mark := byte('.')
	if x.pt {
		mark = ','
	}
	if fd.Kind == KindPercent {
		x.dec.point += 2 // back to percentage points
	}
	places := -1
	if fd.Decimals >= 0 || fd.Kind == KindPercent {
		places = defaultPlaces(fd.Decimals)
	}
	x.num = x.dec.appendText(x.num[:0], places, mark)
	if fd.Kind == KindPercent {
		x.num = append(x.num, '%')
	}
	return excelize.Cell{StyleID: x.text, Value: string(x.num)}
}

// significant is the number of significant digits in digits (no leading
// zeros by construction; trailing zeros do not count).
func significant(digits []byte) int {
	n := len(digits)
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	return n
}

// string is v as cell text, cut to Excel's cell limit (counted in
// Stats.CutCells) instead of letting the library cut it silently.
func (x *xlsxEncoder) string(v []byte) string {
	if len(v) <= maxCellUnits {
		return string(v)
	}
	units := 0
	for i, r := range string(v) {
		u := 1
		if r > 0xFFFF {
			u = 2
		}
		if units+u > maxCellUnits {
			x.stats.CutCells++
			return string(v[:i])
		}
		units += u
	}
	return string(v)
}

// CutNotice is the note a file carries when its result was cut at the
// report's row limit after rows rows, in lang (Portuguese unless "en…").
func CutNotice(rows int64, lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return fmt.Sprintf("Result cut at the report's limit of %s rows: there is more data. Narrow the period or the filters to get all of it.", groupThousands(rows, ','))
	}
	return fmt.Sprintf("Resultado cortado no limite de %s linhas do relatório: há mais dados. Reduza o período ou os filtros para obter tudo.", groupThousands(rows, '.'))
}

// valueNotes say, in lang, how many values st records as kept as text or cut.
func valueNotes(st Stats, lang string) []string {
	en := strings.HasPrefix(strings.ToLower(lang), "en")
	pick := func(n int64, one, many string) string {
		if n == 1 {
			return one
		}
		sep := byte('.')
		if en {
			sep = ','
		}
		return fmt.Sprintf(many, groupThousands(n, sep))
	}
	var out []string
	if n := st.TextNumbers; n > 0 && en {
		out = append(out, pick(n, "1 number with more than 15 significant digits is written as text, to keep every digit.",
			"%s numbers with more than 15 significant digits are written as text, to keep every digit."))
	} else if n > 0 {
		out = append(out, pick(n, "1 número com mais de 15 algarismos significativos está como texto, para manter todos os dígitos.",
			"%s números com mais de 15 algarismos significativos estão como texto, para manter todos os dígitos."))
	}
	if n := st.CutCells; n > 0 && en {
		out = append(out, pick(n, "1 text was cut at 32,767 characters, the most an Excel cell holds; the CSV download has it whole.",
			"%s texts were cut at 32,767 characters, the most an Excel cell holds; the CSV download has them whole."))
	} else if n > 0 {
		out = append(out, pick(n, "1 texto foi cortado em 32.767 caracteres, o máximo de uma célula do Excel; o download em CSV o traz inteiro.",
			"%s textos foram cortados em 32.767 caracteres, o máximo de uma célula do Excel; o download em CSV os traz inteiros."))
	}
	return out
}

// groupThousands writes n with sep between groups of three digits.
func groupThousands(n int64, sep byte) string {
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, sep)
		}
		out = append(out, s[i])
	}
	return string(out)
}

// civil reads YYYY-MM-DD[ hh:mm:ss] (already checked) as a wall-clock time.
func civil(v []byte, withTime bool) time.Time {
	n := func(s []byte) int {
		r := 0
		for _, c := range s {
			r = r*10 + int(c-'0')
		}
		return r
	}
	h, m, s := 0, 0, 0
	if withTime {
		h, m, s = n(v[11:13]), n(v[14:16]), n(v[17:19])
	}
	return time.Date(n(v[0:4]), time.Month(n(v[5:7])), n(v[8:10]), h, m, s, 0, time.UTC)
}

// excelEpoch is day 0 of Excel's 1900 date system as it counts from March 1900
// on (Excel wrongly treats 1900 as a leap year, so earlier dates are off by one).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelSerial is t as an Excel date serial; dates before 1900-03-01 are refused.
func excelSerial(t time.Time) (float64, bool) {
	if t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) {
		return 0, false
	}
	secs := t.Unix() - excelEpoch.Unix()
	return upTo15Digits(float64(secs/86400) + float64(secs%86400)/86400), true
}

// upTo15Digits rounds a date serial (61 ≤ v < 100000 for the years 1900–2173)
// up at its 15th significant digit. excelize writes a float with at most 15
// significant digits by cutting the rest (formatCellFloat), which puts most
// times a few microseconds before their second (00:03:02 is 46356.00210648148…,
// written 46356.0021064814), and LibreOffice then shows the second before
// (00:03:01). Rounded up, the written serial is at most 1e-10 day (9 µs) late,
// never early, so Excel (rounding) and LibreOffice (cutting) show the same
// second as the CSV.
func upTo15Digits(v float64) float64 {
	p := math.Pow10(15 - len(strconv.FormatInt(int64(v), 10)))
	return math.Ceil(v*p) / p
}
