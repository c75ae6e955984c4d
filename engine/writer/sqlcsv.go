package writer

import (
	"regexp"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// CSVLineSQL is a ClickHouse expression that renders one result row as the
// line WriteCSV writes for it in dialect d, without the line end, over the
// result's columns cols (names and ClickHouse types) shown in loc: the
// warehouse renders the file and Go only copies bytes. ok is false when a
// column is not one whose rendering it reproduces byte for byte, and the
// caller must use WriteCSV:
//
//   - dialects RFC4180 and RFC4180Exact only (PtBRExcel's guards need the
//     UTF-16 length of the text);
//   - int and number columns of integer types, and number columns of
//     Float32/Float64 types, with no places set (Decimals < 0): numbers as
//     ClickHouse writes them, exponent forms written out in digits, nan and
//     inf empty (appendNumber);
//   - string columns of String types: formula guard (guard.go) and quoting
//     (needsQuotes) done on bytes;
//   - datetime columns of DateTime types in a zone that never changes its
//     clock (no hour is ever ambiguous, zoneClock.local);
//   - date columns of Date types, bool columns of Bool or UInt8 types;
//
// NULL is an empty field in all of them. The equality with WriteCSV is what
// the tests beside it check, value by value and for every catalog report.
func CSVLineSQL(fields []Field, cols []engine.Column, d Dialect, loc *time.Location) (expr string, ok bool) {
	if d != RFC4180 && d != RFC4180Exact {
		return "", false
	}
	idx, err := columnIndex(fields, cols)
	if err != nil {
		return "", false
	}
	parts := make([]string, 0, 2*len(fields))
	for i, f := range fields {
		c := cols[idx[i]]
		e, ok := fieldSQL(f, c, d, loc)
		if !ok {
			return "", false
		}
		if i > 0 {
			parts = append(parts, "','")
		}
		parts = append(parts, e)
	}
	if len(parts) == 1 {
		return parts[0], true
	}
	return "concat(" + strings.Join(parts, ", ") + ")", true
}

var (
	integerType = regexp.MustCompile(`^(Nullable\()?U?Int(8|16|32|64|128|256)\)?$`)
	floatType   = regexp.MustCompile(`^(Nullable\()?Float(32|64)\)?$`)
	stringType  = regexp.MustCompile(`^(LowCardinality\()?(Nullable\()?String\)?\)?$`)
	dateTimeTyp = regexp.MustCompile(`^(Nullable\()?DateTime(\('[^']*'\))?\)?$`)
	dateType    = regexp.MustCompile(`^(Nullable\()?Date(32)?\)?$`)
	boolType    = regexp.MustCompile(`^(Nullable\()?(Bool|UInt8)\)?$`)
)

// fieldSQL is the rendered, quoted field of one column, ” for NULL.
func fieldSQL(f Field, c engine.Column, d Dialect, loc *time.Location) (string, bool) {
	if f.Values != nil {
		// Labelled codes: the Go writer maps them (one lookup per cell).
		return "", false
	}
	col := chsql.QuoteIdent(c.Name)
	switch {
	case (f.Kind == KindInt || f.Kind == KindNumber) && f.Decimals < 0 && integerType.MatchString(c.Type):
		// Digits and a minus sign: never quoted, never guarded.
		return "ifNull(toString(" + col + "), '')", true
	case f.Kind == KindNumber && f.Decimals < 0 && floatType.MatchString(c.Type):
		return "ifNull(" + floatSQL("toString("+col+")") + ", '')", true
	case f.Kind == KindString && stringType.MatchString(c.Type):
		return "ifNull(" + stringSQL("toString("+col+")", d) + ", '')", true
	case f.Kind == KindDate && dateType.MatchString(c.Type):
		// YYYY-MM-DD, as ClickHouse writes a Date (appendDate).
		return "ifNull(toString(" + col + "), '')", true
	case f.Kind == KindBool && boolType.MatchString(c.Type):
		// true/false from Bool or from UInt8's 1/0; another UInt8 as it is
		// (parseBool).
		return "ifNull(multiIf(toUInt8(" + col + ") = 1, 'true', toUInt8(" + col + ") = 0, 'false', toString(" + col + ")), '')", true
	case f.Kind == KindDatetime && dateTimeTyp.MatchString(c.Type) && loc != nil && fixedZone(loc):
		return "ifNull(formatDateTime(" + col + ", '%Y-%m-%d %H:%i:%S', " + chsql.QuoteString(loc.String()) + "), '')", true
	}
	return "", false
}

// fixedZone reports whether loc has one UTC offset for all time: then no
// wall clock is ever ambiguous and none gets an offset appended.
func fixedZone(loc *time.Location) bool {
	start, end := time.Unix(0, 0).In(loc).ZoneBounds()
	return start.IsZero() && end.IsZero()
}

// stringSQL renders string s as appendValue does for KindString: the formula
// guard of the people's dialect (an apostrophe first, always quoted), then
// quoting when the text holds the separator, a quote, a line break or starts
// or ends with a blank. All tests are on bytes, as in Go.
func stringSQL(s string, d Dialect) string {
	quoted := "concat('\"', replaceAll(" + s + ", '\"', '\"\"'), '\"')"
	first := "substring(" + s + ", 1, 1)"
	last := "substring(" + s + ", -1, 1)"
	needsQuotes := "(" + first + " IN (' ', '\\t') OR " + last + " IN (' ', '\\t') OR position(" + s + ", ',') > 0 OR position(" + s +
		", '\"') > 0 OR position(" + s + ", '\\r') > 0 OR position(" + s + ", '\\n') > 0)"
	plain := "if(" + needsQuotes + ", " + quoted + ", " + s + ")"
	if d == RFC4180Exact {
		return plain
	}
	guarded := "concat('\"''', replaceAll(" + s + ", '\"', '\"\"'), '\"')"
	return "if(" + first + " IN ('=', '+', '-', '@', '\\t', '\\r'), " + guarded + ", " + plain + ")"
}

// floatSQL renders ClickHouse's text t of a float as appendNumber does with
// no places: plain decimals as they are, nan and inf empty, an exponent form
// (1e-7, 1.5e+21) written out in digits without trailing fraction zeros.
// Never quoted: digits, a point and a minus sign.
func floatSQL(t string) string {
	// Exponent form: mantissa m (sign stripped), digits g, point position p.
	m := "splitByChar('e', replaceOne(" + t + ", '-', ''))[1]"
	exp := "toInt32(splitByChar('e', " + t + ")[2])"
	intPart := "splitByChar('.', " + m + ")[1]"
	g := "replaceOne(" + m + ", '.', '')"
	p := "(length(" + intPart + ") + " + exp + ")"
	text := "multiIf(" + p + " <= 0, concat('0.', repeat('0', toUInt32(-" + p + ")), " + g + "), " +
		p + " >= length(" + g + "), concat(" + g + ", repeat('0', toUInt32(" + p + " - length(" + g + ")))), " +
		"concat(substring(" + g + ", 1, " + p + "), '.', substring(" + g + ", " + p + " + 1)))"
	// Trailing zeros of the fraction go, then a bare point.
	trimmed := "if(position(" + text + ", '.') > 0, trimRight(trimRight(" + text + ", '0'), '.'), " + text + ")"
	signed := "concat(if(startsWith(" + t + ", '-') AND match(" + g + ", '[1-9]'), '-', ''), " + trimmed + ")"
	return "multiIf(" + t + " IN ('nan', '-nan', 'inf', '-inf', '+inf'), '', position(" + t + ", 'e') > 0, " + signed + ", " + t + ")"
}
