package remote

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/chsql"
)

// chType is the part of a ClickHouse type name the text rendering needs.
type chType struct {
	name  string    // "Array", "DateTime64", "String", …
	elems []*chType // Array/Nullable/LowCardinality: one; Tuple: each; Map: key, value
	names []string  // named Tuple: each element's name, in order
	tz    bool      // DateTime/DateTime64 with an explicit time zone
	scale int       // DateTime64 digits
}

// parseType reads a type name such as "Array(Nullable(DateTime('UTC')))".
func parseType(s string) *chType {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return &chType{name: s}
	}
	t := &chType{name: s[:open]}
	args := splitArgs(s[open+1 : len(s)-1])
	switch t.name {
	case "Array", "Nullable", "LowCardinality", "Map":
		for _, a := range args {
			t.elems = append(t.elems, parseType(a))
		}
	case "Tuple":
		for _, a := range args {
			// Named tuple elements read "name Type".
			name := ""
			if sp := strings.IndexByte(a, ' '); sp > 0 && !strings.ContainsAny(a[:sp], "(',") {
				if chsql.ValidIdentifier(a[:sp]) && a[sp+1:] != "" && a[sp+1] != '(' {
					name, a = a[:sp], a[sp+1:]
				}
			}
			t.names = append(t.names, name)
			t.elems = append(t.elems, parseType(a))
		}
		if slices.Contains(t.names, "") {
			t.names = nil // unnamed, or named only in part: read by position
		}
	case "DateTime":
		t.tz = len(args) > 0
	case "DateTime64":
		if len(args) > 0 {
			t.scale, _ = strconv.Atoi(args[0])
		}
		t.tz = len(args) > 1
	}
	return t
}

// splitArgs splits a type's argument list at top-level commas, minding
// parentheses and quoted strings (Enum names may hold both).
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\':
			i++
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// base drops the wrappers that do not change how a value is written.
func (t *chType) base() *chType {
	for t != nil && (t.name == "Nullable" || t.name == "LowCardinality") && len(t.elems) == 1 {
		t = t.elems[0]
	}
	return t
}

func (t *chType) elem(i int) *chType {
	if t == nil || i >= len(t.elems) {
		return nil
	}
	return t.elems[i]
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// appendText writes v as ClickHouse writes it in TabSeparated output, as the
// chdb backend hands it over: top-level values as their plain text, composite
// values (arrays, tuples, maps) in ClickHouse's literal syntax with quoted
// elements. chdb's rows decode the TSV escapes of the whole field, so the
// composite text is decoded the same way here to give identical bytes.
func appendText(dst []byte, v reflect.Value, t *chType, loc *time.Location, nested bool) ([]byte, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return append(dst, "NULL"...), nil
		}
		if b, ok := v.Interface().(*big.Int); ok {
			return append(dst, b.String()...), nil // Int128/256: digits, never quoted
		}
		v = v.Elem()
	}
	t = t.base()
	if !nested {
		switch v.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
			if _, ok := v.Interface().(time.Time); !ok && !isBytes(v, t) && !isStringer(v) {
				text, err := appendText(nil, v, t, loc, true)
				if err != nil {
					return dst, err
				}
				out, _ := chsql.UnescapeTSV(dst, text)
				return out, nil
			}
		}
	}
	switch x := v.Interface().(type) {
	case string:
		return appendString(dst, x, nested), nil
	case []byte:
		if isBytes(v, t) {
			return appendString(dst, string(x), nested), nil
		}
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int8, int16, int32, int64, int:
		return strconv.AppendInt(dst, v.Int(), 10), nil
	case uint8, uint16, uint32, uint64, uint:
		return strconv.AppendUint(dst, v.Uint(), 10), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case time.Time:
		return appendQuotedIf(dst, formatTime(x, t, loc), nested), nil
	case fmt.Stringer:
		// Decimal, UUID, big integers, IP addresses.
		s := x.String()
		name := ""
		if t != nil {
			name = t.name
		}
		quote := nested && !strings.HasPrefix(name, "Decimal") && !strings.Contains(name, "Int")
		return appendQuotedIf(dst, s, quote), nil
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		open, close := byte('['), byte(']')
		if t != nil && t.name == "Tuple" {
			open, close = '(', ')'
		}
		dst = append(dst, open)
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			et := t.elem(0)
			if t != nil && t.name == "Tuple" {
				et = t.elem(i)
			}
			var err error
			if dst, err = appendText(dst, v.Index(i), et, loc, true); err != nil {
				return dst, err
			}
		}
		return append(dst, close), nil
	case reflect.Map:
		if t != nil && t.name == "Tuple" && len(t.names) > 0 && v.Type().Key().Kind() == reflect.String {
			// The driver scans a named tuple into a map by element name; the
			// server writes it as a tuple, in declared order.
			dst = append(dst, '(')
			for i, name := range t.names {
				if i > 0 {
					dst = append(dst, ',')
				}
				e := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
				var err error
				if dst, err = appendText(dst, e, t.elem(i), loc, true); err != nil {
					return dst, err
				}
			}
			return append(dst, ')'), nil
		}
		// The driver hands maps over as Go maps, which lose the server's key
		// order; keys are written sorted so the text is at least stable.
		keys := v.MapKeys()
		texts := make([]string, len(keys))
		for i, k := range keys {
			kt, err := appendText(nil, k, t.elem(0), loc, true)
			if err != nil {
				return dst, err
			}
			texts[i] = string(kt)
		}
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return texts[order[a]] < texts[order[b]] })
		dst = append(dst, '{')
		for n, i := range order {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, texts[i]...)
			dst = append(dst, ':')
			var err error
			if dst, err = appendText(dst, v.MapIndex(keys[i]), t.elem(1), loc, true); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("no text form for Go value of type %s", v.Type())
}

// isBytes tells a String scanned as []byte from an Array(UInt8).
func isBytes(v reflect.Value, t *chType) bool {
	return v.Type() == reflect.TypeOf([]byte(nil)) && (t == nil || t.name != "Array")
}

func isStringer(v reflect.Value) bool {
	_, ok := v.Interface().(fmt.Stringer)
	return ok
}

// isoUTC stands for the query's zone when the query asked for
// date_time_output_format = 'iso': DateTime values are then rendered as
// ClickHouse renders them under that setting, ISO 8601 in UTC.
var isoUTC = time.FixedZone("iso-utc", 0)

// formatTime renders Date as YYYY-MM-DD and DateTime as YYYY-MM-DD hh:mm:ss,
// in the column's own time zone when its type names one, else the query's;
// under isoUTC, DateTime as YYYY-MM-DDThh:mm:ss[.fff]Z.
func formatTime(x time.Time, t *chType, loc *time.Location) string {
	name := ""
	if t != nil {
		name = t.name
	}
	if loc == isoUTC && name != "Date" && name != "Date32" {
		layout := "2006-01-02T15:04:05"
		if name == "DateTime64" && t.scale > 0 {
			layout += "." + strings.Repeat("0", t.scale)
		}
		return x.UTC().Format(layout) + "Z"
	}
	switch name {
	case "Date", "Date32":
		return x.Format("2006-01-02")
	case "DateTime64":
		if !t.tz {
			x = x.In(loc)
		}
		layout := "2006-01-02 15:04:05"
		if t.scale > 0 {
			layout += "." + strings.Repeat("0", t.scale)
		}
		return x.Format(layout)
	default:
		if t == nil || !t.tz {
			x = x.In(loc)
		}
		return x.Format("2006-01-02 15:04:05")
	}
}

func appendQuotedIf(dst []byte, s string, quote bool) []byte {
	if !quote {
		return append(dst, s...)
	}
	return appendString(dst, s, true)
}

// appendString writes s raw at the top level and, inside a composite value, as
// the quoted literal ClickHouse's own text output writes.
func appendString(dst []byte, s string, quoted bool) []byte {
	if !quoted {
		return append(dst, s...)
	}
	return chsql.AppendQuotedText(dst, s)
}

// appendFloat writes f in ClickHouse's shortest round-trip form: plain digits
// for decimal exponents from -6 to 20 (0.000001, 100000000000000000000),
// otherwise d.ddde±x without a plus sign or padding (1e21, 1e-7); inf, -inf, nan.
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	exp := int(math.Floor(math.Log10(math.Abs(f))))
	// Log10 can be off by one near powers of ten; the 'e' form knows exactly.
	e := strconv.FormatFloat(f, 'e', -1, bits)
	if i := strings.IndexByte(e, 'e'); i >= 0 {
		exp, _ = strconv.Atoi(e[i+1:])
	}
	if exp >= -6 && exp <= 20 {
		return strconv.AppendFloat(dst, f, 'f', -1, bits)
	}
	i := strings.IndexByte(e, 'e')
	dst = append(dst, e[:i+1]...)
	x := e[i+1:]
	if x[0] == '+' {
		x = x[1:]
	} else if x[0] == '-' {
		dst = append(dst, '-')
		x = x[1:]
	}
	x = strings.TrimLeft(x, "0")
	return append(dst, x...)
}
