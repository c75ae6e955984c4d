package writer

import "unicode/utf8"

// Spreadsheet guards: how a string cell reaches a spreadsheet as the same
// text and never as a live formula.
//
// The rule for starting characters is OWASP's "CSV Injection" page: a cell
// that starts with '=', '+', '-', '@', TAB or CR may be run as a formula by
// Excel, LibreOffice or Google Sheets. In the people's dialects such a string
// cell is neutralised:
//
//   - RFC4180 prefixes it with an apostrophe ("'=1+1"), OWASP's remedy, and
//     quotes the field ("'=1+1" in double quotes) so that gnumeric's
//     guesser does not take the apostrophe for the quote character; the
//     apostrophe shows in LibreOffice and Excel, gnumeric hides it.
//   - PtBRExcel also keeps text that a spreadsheet would read as a number,
//     date or boolean ("+5511900000002", "011900000007", an 18-digit
//     protocol) as the same text: it writes the cell as a string-literal
//     formula, ="+5511900000002", which Excel and LibreOffice both show as
//     exactly that text and which can compute nothing (a quoted constant, its
//     quotes doubled). Excel caps a literal in a formula at 255 characters,
//     so longer text, and text with a line break, falls back to the
//     apostrophe when it starts like a formula and is left as it is
//     otherwise (long text is never read as a number).
//   - RFC4180Exact, for machines, writes every value as it is.
//
// XLSX needs no guard: its string cells are typed strings, never formulas
// (see WriteXLSX).

// maxLiteralUnits is Excel's limit on a text constant inside a formula, in
// UTF-16 code units.
const maxLiteralUnits = 255

// startsFormula reports whether v starts with a character OWASP lists as a
// formula trigger: = + - @ TAB CR.
func startsFormula(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// readAsValue reports whether a spreadsheet opening a CSV may read text v as
// a number, date, time, percent, currency or boolean instead of text: it
// starts (after blanks) with a digit, or with one of . , ( % $ followed by a
// digit ("(11)" is -11 to an accountant), or it is a boolean word in English
// or Portuguese.
func readAsValue(v []byte) bool {
	i := 0
	for i < len(v) && v[i] == ' ' {
		i++
	}
	if i == len(v) {
		return false
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	switch c := v[i]; {
	case digit(c):
		return true
	case c == '.', c == ',', c == '(', c == '%', c == '$':
		if i+1 < len(v) && digit(v[i+1]) {
			return true
		}
	}
	for _, w := range []string{"true", "false", "verdadeiro", "falso"} {
		if equalFold(v, w) {
			return true
		}
	}
	return false
}

// needsGuard reports whether string cell v must be neutralised in dialect d.
func needsGuard(v []byte, d Dialect) bool {
	switch d {
	case RFC4180:
		return startsFormula(v)
	case PtBRExcel:
		return startsFormula(v) || readAsValue(v)
	}
	return false
}

// isNumberText reports whether a rendered cell is a number, duration or date
// as the writer renders them ("-0,25", "-00:00:05", "-2500"), which a
// spreadsheet reads as a value and never as a formula.
func isNumberText(v []byte) bool {
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9', c == '.', c == ',', c == '-', c == '+', c == ':', c == '/', c == ' ':
		default:
			return false
		}
	}
	return true
}

// neutralise appends v guarded for e's dialect (v needs a guard).
func (e *csvEncoder) neutralise(dst, v []byte) []byte {
	if e.dialect == PtBRExcel && fitsLiteral(v) {
		dst = append(dst, '=', '"')
		for _, c := range v {
			if c == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, c)
		}
		return append(dst, '"')
	}
	if !startsFormula(v) {
		return append(dst, v...)
	}
	return append(append(dst, '\''), v...)
}

// fitsLiteral reports whether v can be an Excel formula's text constant: at
// most 255 UTF-16 code units, no line break.
func fitsLiteral(v []byte) bool {
	if len(v) > 4*maxLiteralUnits {
		return false
	}
	units := 0
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRune(v[i:])
		if r == '\n' || r == '\r' {
			return false
		}
		units++
		if r > 0xFFFF {
			units++
		}
		i += n
	}
	return units <= maxLiteralUnits
}
