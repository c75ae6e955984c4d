package writer

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// CSVFieldsSQL are ClickHouse expressions, one per field, whose values
// ClickHouse's CustomSeparated output format writes under
// CSVFieldsSettings exactly as WriteCSV writes the fields of a row in
// dialect d, over the result's columns cols (names and ClickHouse types):
// the warehouse renders the file and Go copies bytes, or nothing at all
// when the warehouse writes the file itself. A NULL value is written as an
// empty field. The query must run with session_timezone set to loc, where
// plain DateTime columns are written as they are. ok is false when a column
// is not one whose rendering they reproduce byte for byte, and the caller
// must use WriteCSV:
//
//   - dialects RFC4180 and RFC4180Exact only (PtBRExcel's guards need the
//     UTF-16 length of the text);
//   - int and number columns of integer types, written as ClickHouse writes
//     them, and number columns of Float32/Float64 types, with no places set
//     (Decimals < 0): exponent forms written out in digits, nan and inf
//     empty (appendNumber);
//   - string columns of String types (LowCardinality or not): formula guard
//     (guard.go) and quoting (needsQuotes) done on bytes;
//   - datetime columns of DateTime types: in a zone that never changes its
//     clock as they are, in one that does with the offset of a repeated
//     hour appended (zoneClock.local, zonedDateTimeSQL);
//   - date columns of Date types, bool columns of Bool or UInt8 types;
//   - no column with value labels (Field.Values).
//
// Columns written by ClickHouse as they are (integers, dates, Bool, plain
// DateTime) cost nothing over the query; each other column one expression.
// The equality with WriteCSV is what the tests beside it and in package
// export check, value by value and for every catalog report.
func CSVFieldsSQL(fields []Field, cols []engine.Column, d Dialect, loc *time.Location) (exprs []string, ok bool) {
	if d != RFC4180 && d != RFC4180Exact {
		return nil, false
	}
	idx, err := columnIndex(fields, cols)
	if err != nil {
		return nil, false
	}
	exprs = make([]string, len(fields))
	for i, f := range fields {
		e, ok := fieldSQL(f, cols[idx[i]], d, loc)
		if !ok {
			return nil, false
		}
		exprs[i] = e
	}
	return exprs, true
}

// CSVSelectList is CSVFieldsSQL's expressions as a SELECT list, each with
// an alias no report column takes (__relato_field_1, …), so names never clash
// with each other or with the columns they are computed from. Same ok.
func CSVSelectList(fields []Field, cols []engine.Column, d Dialect, loc *time.Location) (string, bool) {
	exprs, ok := CSVFieldsSQL(fields, cols, d, loc)
	if !ok {
		return "", false
	}
	for i, e := range exprs {
		exprs[i] = e + " AS " + chsql.QuoteIdent("__relato_field_"+strconv.Itoa(i+1))
	}
	return strings.Join(exprs, ", "), true
}

// CSVFieldsSettings are the query settings under which ClickHouse's
// CustomSeparated format writes CSVFieldsSQL's values as WriteCSV's lines:
// fields as they are (the Raw escaping rule), separated by a comma, each
// line ended by CR LF, NULL as an empty field, date-times as
// "YYYY-MM-DD hh:mm:ss" and Bool as true/false.
func CSVFieldsSettings() map[string]string {
	return map[string]string{
		"format_custom_escaping_rule":           "Raw",
		"format_custom_field_delimiter":         ",",
		"format_custom_row_before_delimiter":    "",
		"format_custom_row_after_delimiter":     "\r\n",
		"format_custom_row_between_delimiter":   "",
		"format_custom_result_before_delimiter": "",
		"format_custom_result_after_delimiter":  "",
		"format_tsv_null_representation":        "",
		"date_time_output_format":               "simple",
		"bool_true_representation":              "true",
		"bool_false_representation":             "false",
	}
}

// CSVLineSQL is one ClickHouse String expression rendering a whole row as
// the line WriteCSV writes for it (without the line end): CSVFieldsSQL's
// values as text, NULL empty, joined by commas. Same conditions and same ok.
func CSVLineSQL(fields []Field, cols []engine.Column, d Dialect, loc *time.Location) (expr string, ok bool) {
	exprs, ok := CSVFieldsSQL(fields, cols, d, loc)
	if !ok {
		return "", false
	}
	parts := make([]string, 0, 2*len(exprs))
	for i, e := range exprs {
		if i > 0 {
			parts = append(parts, "','")
		}
		parts = append(parts, "ifNull(toString("+e+"), '')")
	}
	if len(parts) == 1 {
		return parts[0], true
	}
	return "concat(" + strings.Join(parts, ", ") + ")", true
}

var (
	integerType   = regexp.MustCompile(`^(Nullable\()?U?Int(8|16|32|64|128|256)\)?$`)
	floatType     = regexp.MustCompile(`^(Nullable\()?Float(32|64)\)?$`)
	stringType    = regexp.MustCompile(`^(LowCardinality\()?(Nullable\()?String\)?\)?$`)
	plainDateTime = regexp.MustCompile(`^(Nullable\()?DateTime\)?$`)
	dateTimeTyp   = regexp.MustCompile(`^(Nullable\()?DateTime(\('[^']*'\))?\)?$`)
	dateType      = regexp.MustCompile(`^(Nullable\()?Date(32)?\)?$`)
	boolType      = regexp.MustCompile(`^(Nullable\()?Bool\)?$`)
	uint8Type     = regexp.MustCompile(`^(Nullable\()?UInt8\)?$`)
)

// fieldSQL is the expression of one field (NULL for NULL).
func fieldSQL(f Field, c engine.Column, d Dialect, loc *time.Location) (string, bool) {
	if f.Values != nil {
		// Labelled codes: the Go writer maps them (one lookup per cell).
		return "", false
	}
	col := chsql.QuoteIdent(c.Name)
	switch {
	case (f.Kind == KindInt || f.Kind == KindNumber) && f.Decimals < 0 && integerType.MatchString(c.Type):
		// Digits and a minus sign: never quoted, never guarded.
		return col, true
	case f.Kind == KindNumber && f.Decimals < 0 && floatType.MatchString(c.Type):
		return floatSQL(col), true
	case f.Kind == KindString && stringType.MatchString(c.Type):
		if strings.HasPrefix(c.Type, "LowCardinality(") {
			return lowCardinalitySQL(col, d), true
		}
		return stringSQL(col, d), true
	case f.Kind == KindDate && dateType.MatchString(c.Type):
		// YYYY-MM-DD, as ClickHouse writes a Date (appendDate).
		return col, true
	case f.Kind == KindBool && boolType.MatchString(c.Type):
		return col, true
	case f.Kind == KindBool && uint8Type.MatchString(c.Type):
		// true/false from UInt8's 1/0; another value as it is (parseBool).
		return "multiIf(" + col + " = 1, 'true', " + col + " = 0, 'false', toString(" + col + "))", true
	case f.Kind == KindDatetime && loc != nil && fixedZone(loc) && plainDateTime.MatchString(c.Type):
		// In the session's zone, loc.
		return col, true
	case f.Kind == KindDatetime && loc != nil && fixedZone(loc) && dateTimeTyp.MatchString(c.Type):
		// A DateTime('zone') is written in its own zone: shown in loc.
		return "formatDateTime(" + col + ", '%Y-%m-%d %H:%i:%S', " + chsql.QuoteString(loc.String()) + ")", true
	case f.Kind == KindDatetime && loc != nil && dateTimeTyp.MatchString(c.Type):
		// A zone that changes its clock: the offset where the hour repeats.
		return zonedDateTimeSQL(col, loc), true
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
// or ends with a blank. All tests are on bytes, as in Go: ascii(s) is the
// first byte's value (0 for an empty text). One multiIf, so a row is copied
// once and the rare branches run only for the rows that take them
// (measured over 10M rows: 0.1–0.2 s less than nested ifs).
func stringSQL(s string, d Dialect) string {
	escaped := "replaceAll(" + s + ", '\"', '\"\"')"
	needsQuotes := "ascii(" + s + ") IN (32, 9) OR endsWith(" + s + ", ' ') OR endsWith(" + s + ", '\\t') OR multiSearchAny(" + s +
		", [',', '\"', '\\r', '\\n'])"
	quoted := "concat('\"', " + escaped + ", '\"')"
	if d == RFC4180Exact {
		return "if(" + needsQuotes + ", " + quoted + ", " + s + ")"
	}
	guarded := "concat('\"''', " + escaped + ", '\"')"
	return "multiIf(ascii(" + s + ") IN (61, 43, 45, 64, 9, 13), " + guarded + ", " + needsQuotes + ", " + quoted + ", " + s + ")"
}

// lowCardinalitySQL renders a LowCardinality(String) column as stringSQL
// does, with functions of that one column only, so ClickHouse runs them
// once per distinct value of the column's dictionary and the result stays
// LowCardinality (if and multiIf would expand it to one string per row:
// measured 0.2 s more over 10M rows). On the text with its quotes doubled
// (a text that has none is unchanged by it, and one that has any is quoted):
// quote it when it needs quotes; then, in the people's dialect, put the
// apostrophe after the opening quote of a quoted text that starts with a
// formula character, and quote an unquoted one with the apostrophe first.
func lowCardinalitySQL(s string, d Dialect) string {
	escaped := "replaceAll(" + s + ", '\"', '\"\"')"
	quoted := "replaceRegexpOne(" + escaped + `, '^((?s:[ \\t].*|.*[ \\t]|.*[,"\\r\\n].*))$', '"\\1"')`
	if d == RFC4180Exact {
		return quoted
	}
	afterQuote := "replaceRegexpOne(" + quoted + `, '^"([=+\\-@\\t\\r])', '"''\\1')`
	return "replaceRegexpOne(" + afterQuote + `, '^([=+\\-@\\t\\r](?s:.*))$', '"''\\1"')`
}

// floatSQL renders float column x as appendNumber does with no places:
// ClickHouse's text of a finite value as it is, nan and inf empty, an
// exponent form written out in digits. Never quoted: digits, a point and a
// minus sign.
//
// ClickHouse writes a float in exponent form only as d[.ddd]e±N with one
// digit before the point and N ≤ -7 or N ≥ 21 (1e-7, 1.5e21; checked over
// 2.7M Float64 and Float32 values, random bits and every power of ten, none
// otherwise), so the digits g either follow "0." and -N-1 zeros or are
// followed by N+1-len(g) zeros. Written for just those two cases the
// expression is 600 bytes; the general one (any point position, trailing
// zeros trimmed) was 4.7 kB, and its analysis alone cost ~65 ms per query.
// A form outside the rule makes repeat's count negative: the query fails,
// it never writes a wrong number.
func floatSQL(x string) string {
	t := "toString(" + x + ")"
	g := "replaceOne(splitByChar('e', replaceOne(" + t + ", '-', ''))[1], '.', '')"
	e := "toInt32(splitByChar('e', " + t + ")[2])"
	expo := "concat(if(startsWith(" + t + ", '-'), '-', ''), if(" + e + " < 0, concat('0.', repeat('0', toUInt32(-1 - " + e + ")), " + g + "), " +
		"concat(" + g + ", repeat('0', toUInt32(" + e + " + 1 - length(" + g + "))))))"
	// 1e-6 <= |x| < 1e21 (or 0) is never written in exponent form: a test on
	// the number, cheaper than looking for an "e" in every text.
	plain := "(abs(" + x + ") >= 1e-6 OR " + x + " = 0) AND abs(" + x + ") < 1e21"
	return "multiIf(" + plain + ", " + t + ", isFinite(" + x + "), " + expo + ", '')"
}

// zonedDateTimeSQL renders DateTime column col as the zone's wall clock
// (YYYY-MM-DD hh:mm:ss) with the UTC offset (±hh:mm) appended where that
// wall clock is ambiguous, as zoneClock.local does: the d seconds before and
// the d seconds after a clock change that sets the clock back by d. An
// instant u is in the first range when off(u) − off(u+d) = d and in the
// second when off(u−d) − off(u) = d, for d among the zone's fall-back
// amounts (fallBackShifts); off is ClickHouse's timeZoneOffset, computed on
// DateTime64 so that u ± d never wraps at DateTime's ends.
func zonedDateTimeSQL(col string, loc *time.Location) string {
	tz := chsql.QuoteString(loc.String())
	wall := "formatDateTime(" + col + ", '%Y-%m-%d %H:%i:%S', " + tz + ")"
	shifts := fallBackShifts(loc)
	if len(shifts) == 0 {
		return wall
	}
	off := func(delta int) string {
		u := "toInt64(toUnixTimestamp(" + col + "))"
		if delta != 0 {
			u = "(" + u + " + " + strconv.Itoa(delta) + ")"
		}
		return "timeZoneOffset(toDateTime64(" + u + ", 0, " + tz + "))"
	}
	var conds []string
	for _, d := range shifts {
		ds := strconv.Itoa(d)
		conds = append(conds, off(0)+" - "+off(d)+" = "+ds, off(-d)+" - "+off(0)+" = "+ds)
	}
	o := off(0)
	offset := "concat(if(" + o + " < 0, '-', '+'), leftPad(toString(intDiv(abs(" + o + "), 3600)), 2, '0'), ':', leftPad(toString(intDiv(abs(" + o + "), 60) % 60), 2, '0'))"
	return "if(" + strings.Join(conds, " OR ") + ", concat(" + wall + ", " + offset + "), " + wall + ")"
}

// fallBackShifts are the distinct amounts, in seconds, by which loc's clock
// was ever set back (1800–2200, Go's zone data): 3600 for São Paulo and New
// York, 1800 for Lord Howe, none for a zone that never set it back.
func fallBackShifts(loc *time.Location) []int {
	if v, ok := shiftsCache.Load(loc.String()); ok {
		return v.([]int)
	}
	seen := map[int]bool{}
	var out []int
	t := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC).In(loc)
	stop := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	for t.Before(stop) {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		if !end.After(t) {
			// Go's bounds under a zone's ongoing rule stop at year ends.
			t = t.Add(24 * time.Hour)
			continue
		}
		_, before := t.Zone()
		_, after := end.Zone()
		if d := before - after; d > 0 && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
		t = end
	}
	sort.Ints(out)
	shiftsCache.Store(loc.String(), out)
	return out
}

var shiftsCache sync.Map
