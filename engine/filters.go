package engine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/i18n"
)

// Param is one typed SQL parameter: its ClickHouse type and its value in
// ClickHouse's text form for that type.
type Param struct {
	Type string
	Text string
}

// Env is what resolving a filter value may depend on.
type Env struct {
	Now      time.Time
	Location *time.Location
}

// FilterType is a kind of filter value. Implementations register with
// RegisterFilterType; adding one is one file plus its test.
type FilterType interface {
	// Name is the type's name in definitions (`type: duration`).
	Name() string
	// Parse converts one raw value (CLI text, a JSON value, a YAML default) into
	// the type's Go value.
	Parse(f *Filter, raw any, env Env) (any, error)
	// Bind returns the parameter for a placeholder's sub-field ("" = bare).
	Bind(f *Filter, v any, sub string) (Param, error)
	// Subfields lists the accepted placeholder sub-fields ("" = bare).
	Subfields() []string
	// Schema describes the value as JSON Schema for API clients.
	Schema(f *Filter) map[string]any
}

var (
	filterTypesMu sync.RWMutex
	filterTypes   = map[string]FilterType{}
)

// RegisterFilterType adds a filter type; it fails on a repeated name.
func RegisterFilterType(t FilterType) error {
	filterTypesMu.Lock()
	defer filterTypesMu.Unlock()
	if _, dup := filterTypes[t.Name()]; dup {
		return fmt.Errorf("filter type %q is already registered", t.Name())
	}
	filterTypes[t.Name()] = t
	return nil
}

// MustRegisterFilterType is RegisterFilterType for init-time wiring.
func MustRegisterFilterType(t FilterType) {
	if err := RegisterFilterType(t); err != nil {
		panic(err)
	}
}

// LookupFilterType returns the registered type named name.
func LookupFilterType(name string) (FilterType, bool) {
	filterTypesMu.RLock()
	defer filterTypesMu.RUnlock()
	t, ok := filterTypes[name]
	return t, ok
}

// FilterTypeNames lists the registered types.
func FilterTypeNames() []string {
	filterTypesMu.RLock()
	defer filterTypesMu.RUnlock()
	out := make([]string, 0, len(filterTypes))
	for n := range filterTypes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func init() {
	MustRegisterFilterType(periodType{})
	MustRegisterFilterType(scalarType{name: "date", sqlType: "Date", parse: parseDateValue, text: func(v any) string { return v.(time.Time).Format("2006-01-02") }, schema: map[string]any{"type": "string", "format": "date"}})
	MustRegisterFilterType(scalarType{name: "datetime", sqlType: "DateTime('UTC')", parse: parseDatetimeValue, text: func(v any) string { return v.(time.Time).UTC().Format("2006-01-02 15:04:05") }, schema: map[string]any{"type": "string", "format": "date-time"}})
	MustRegisterFilterType(durationType{})
	MustRegisterFilterType(scalarType{name: "int", sqlType: "Int64", parse: parseIntValue, text: func(v any) string { return strconv.FormatInt(v.(int64), 10) }, schema: map[string]any{"type": "integer"}})
	MustRegisterFilterType(scalarType{name: "number", sqlType: "Float64", parse: parseNumberValue, text: func(v any) string { return strconv.FormatFloat(v.(float64), 'g', -1, 64) }, schema: map[string]any{"type": "number"}})
	MustRegisterFilterType(scalarType{name: "string", sqlType: "String", parse: parseStringValue, text: func(v any) string { return v.(string) }, schema: map[string]any{"type": "string", "maxLength": 1000}})
	MustRegisterFilterType(scalarType{name: "bool", sqlType: "Bool", parse: parseBoolValue, text: func(v any) string { return strconv.FormatBool(v.(bool)) }, schema: map[string]any{"type": "boolean"}})
	MustRegisterFilterType(enumType{})
	for _, lk := range Lookups() {
		MustRegisterFilterType(lookupType{lk})
	}
}

// scalarType is a filter with one value and one SQL type.
type scalarType struct {
	name, sqlType string
	parse         func(raw any, env Env) (any, error)
	text          func(v any) string
	schema        map[string]any
}

func (t scalarType) Name() string        { return t.name }
func (t scalarType) Subfields() []string { return []string{""} }
func (t scalarType) Parse(_ *Filter, raw any, env Env) (any, error) {
	return t.parse(raw, env)
}
func (t scalarType) Bind(_ *Filter, v any, _ string) (Param, error) {
	return Param{Type: t.sqlType, Text: t.text(v)}, nil
}
func (t scalarType) Schema(*Filter) map[string]any { return cloneMap(t.schema) }

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func rawString(raw any) (string, bool) {
	switch v := raw.(type) {
	case string:
		return strings.TrimSpace(v), true
	case fmt.Stringer:
		return v.String(), true
	}
	return "", false
}

func parseStringValue(raw any, _ Env) (any, error) {
	s, ok := raw.(string)
	if !ok {
		return nil, i18n.Errorf(i18n.FilterNotString)
	}
	if len(s) > 1000 {
		return nil, i18n.Errorf(i18n.FilterTooLongBytes, 1000)
	}
	return s, nil
}

func parseIntValue(raw any, _ Env) (any, error) {
	switch v := raw.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return nil, i18n.Errorf(i18n.FilterNotIntegerGot, strconv.FormatFloat(v, 'g', -1, 64))
		}
		return int64(v), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, i18n.Errorf(i18n.FilterNotIntegerGot, strconv.Quote(v))
		}
		return n, nil
	}
	return nil, i18n.Errorf(i18n.FilterNotInteger)
}

func parseNumberValue(raw any, _ Env) (any, error) {
	switch v := raw.(type) {
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, i18n.Errorf(i18n.FilterNotFinite)
		}
		return v, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, i18n.Errorf(i18n.FilterNotNumberGot, v)
		}
		return f, nil
	}
	return nil, i18n.Errorf(i18n.FilterNotNumber)
}

func parseBoolValue(raw any, _ Env) (any, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, i18n.Errorf(i18n.FilterNotBoolGot, v)
		}
		return b, nil
	}
	return nil, i18n.Errorf(i18n.FilterNotBool)
}

func parseDateValue(raw any, env Env) (any, error) {
	s, ok := rawString(raw)
	if !ok {
		return nil, i18n.Errorf(i18n.FilterNotDate)
	}
	if t, ok := relativeDay(s, env); ok {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, env.Location)
	if err != nil {
		return nil, i18n.Errorf(i18n.FilterNotDateGot, s)
	}
	return t, nil
}

func parseDatetimeValue(raw any, env Env) (any, error) {
	s, ok := rawString(raw)
	if !ok {
		return nil, i18n.Errorf(i18n.FilterNotDatetime)
	}
	t, err := parseInstant(s, env.Location)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// parseInstant reads RFC 3339 or a local date-time in loc.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if t.Format(layout) != s {
				return time.Time{}, gapError(s, t, loc)
			}
			return t, nil
		}
	}
	return time.Time{}, i18n.Errorf(i18n.FilterNotDatetimeGot, s)
}

// gapError says that wall-clock time s does not exist in loc because the
// clocks jumped forward over it (a DST gap), naming the jump, in every zone
// alike: relato refuses such a time rather than guess (Go's time.Date would
// move it by the size of the jump, backwards in some zones). t is what
// time.ParseInLocation made of s.
func gapError(s string, t time.Time, loc *time.Location) dstGapError {
	start, end := t.ZoneBounds()
	for _, jump := range []time.Time{start, end} {
		if jump.IsZero() {
			continue
		}
		before := jump.Add(-time.Second).In(loc)
		_, offBefore := before.Zone()
		_, offAfter := jump.In(loc).Zone()
		if offAfter <= offBefore {
			continue // not a jump forward
		}
		from := jump.In(time.FixedZone("", offBefore))
		to := jump.In(loc)
		return dstGapError{i18n.M(i18n.FilterDSTGap,
			s, loc.String(), to.Format("2006-01-02"), from.Format("15:04"), to.Format("15:04"), to.Format("15:04"), to.Format(time.RFC3339))}
	}
	return dstGapError{i18n.M(i18n.FilterDSTGapShort, s, loc.String())}
}

// dstGapError is a wall-clock time that a clock change skips.
type dstGapError struct{ msg i18n.Message }

func (e dstGapError) Error() string                  { return e.msg.String() }
func (e dstGapError) LocalizedMessage() i18n.Message { return e.msg }

type durationType struct{}

func (durationType) Name() string        { return "duration" }
func (durationType) Subfields() []string { return []string{"", "seconds"} }
func (durationType) Parse(_ *Filter, raw any, _ Env) (any, error) {
	switch v := raw.(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := ParseDuration(v)
		if err != nil {
			return nil, err
		}
		return d, nil
	case int, int64, float64:
		return nil, i18n.Errorf(i18n.FilterNotDurationUnit)
	}
	return nil, i18n.Errorf(i18n.FilterNotDuration)
}

// Bind gives the bare placeholder in whole milliseconds and `.seconds` as a
// Float64, so queries compare against *_ms columns without conversion.
func (durationType) Bind(_ *Filter, v any, sub string) (Param, error) {
	d := v.(time.Duration)
	if sub == "seconds" {
		return Param{Type: "Float64", Text: strconv.FormatFloat(d.Seconds(), 'g', -1, 64)}, nil
	}
	return Param{Type: "Int64", Text: strconv.FormatInt(d.Milliseconds(), 10)}, nil
}
func (durationType) Schema(*Filter) map[string]any {
	return map[string]any{"type": "string", "pattern": `^[0-9]+(\.[0-9]+)?(ms|s|m|h|d)$`, "examples": []string{"20s", "5m"}}
}

type enumType struct{}

func (enumType) Name() string        { return "enum" }
func (enumType) Subfields() []string { return []string{""} }
func (enumType) Parse(f *Filter, raw any, _ Env) (any, error) {
	s, ok := raw.(string)
	if !ok {
		s = fmt.Sprint(raw)
	}
	for _, v := range f.Values {
		if v == s {
			return s, nil
		}
	}
	return nil, i18n.Errorf(i18n.FilterNotOneOf, strings.Join(f.Values, ", "), s)
}
func (enumType) Bind(_ *Filter, v any, _ string) (Param, error) {
	return Param{Type: "String", Text: v.(string)}, nil
}
func (enumType) Schema(f *Filter) map[string]any {
	return map[string]any{"type": "string", "enum": f.Values}
}

// bindMultiple renders a list of values as an Array parameter. Element texts of
// string-like types are quoted by chsql, the one audited quoting function; the
// whole text is still a parameter value parsed by the server as the Array type.
func bindMultiple(t FilterType, f *Filter, vals []any, sub string) (Param, error) {
	var elemType string
	parts := make([]string, len(vals))
	for i, v := range vals {
		p, err := t.Bind(f, v, sub)
		if err != nil {
			return Param{}, err
		}
		elemType = p.Type
		if needsQuotesInArray(p.Type) {
			parts[i] = chsql.QuoteString(p.Text)
		} else {
			parts[i] = p.Text
		}
	}
	if elemType == "" {
		p, err := t.Bind(f, zeroValue(t), sub)
		if err != nil {
			return Param{}, err
		}
		elemType = p.Type
	}
	return Param{Type: "Array(" + elemType + ")", Text: "[" + strings.Join(parts, ",") + "]"}, nil
}

func needsQuotesInArray(sqlType string) bool {
	return strings.HasPrefix(sqlType, "String") || strings.HasPrefix(sqlType, "Date") || strings.HasPrefix(sqlType, "Bool")
}

func zeroValue(t FilterType) any {
	switch t.Name() {
	case "date", "datetime":
		return time.Time{}
	case "duration":
		return time.Duration(0)
	case "int":
		return int64(0)
	case "number":
		return float64(0)
	case "bool":
		return false
	}
	if lt, ok := t.(lookupType); ok && lt.lk.Numeric {
		return uint64(0)
	}
	return ""
}
