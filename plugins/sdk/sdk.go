package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// Report is a custom report. Implementations must be safe for concurrent runs.
type Report interface {
	// Definition returns the report's metadata as a relato YAML definition
	// without `query`: id, version, title, description, category, filters,
	// limits, columns (and queue_key if any).
	Definition(ctx context.Context) (string, error)
	// Run computes the report for one request and writes its rows, in the
	// order of the definition's columns, to out. It must return when ctx ends.
	Run(ctx context.Context, req *Request, out Output) error
}

// Request is one run as the plugin sees it: resolved filters and the
// tenant-scoped warehouse. The tenant itself is not disclosed; the host
// scopes every query.
type Request struct {
	// Filters are the resolved filter values (defaults applied, periods absolute).
	Filters Filters
	// Location is the tenant's time zone; period bounds and datetimes are in it.
	Location *time.Location
	// Warehouse runs SQL for this run, scoped to the caller's tenant.
	Warehouse Warehouse
}

// Output receives a run's result rows.
type Output interface {
	// Write appends one row: one value per column, in the definition's order.
	// A value is nil (NULL), a string, any integer or float, a bool, a
	// time.Time (a datetime column, rendered in the request's zone), a Date, or
	// a time.Duration (a duration column, rendered in seconds).
	Write(ctx context.Context, values ...any) error
}

// Date is a calendar date for a date column.
type Date struct{ time.Time }

// Warehouse is the host's query service for one run.
type Warehouse interface {
	// Query runs one SELECT (or WITH … SELECT) over wh.<table> tables with
	// {name:Type} parameters. Values in params are formatted with
	// FormatParam. The caller must read the rows to the end or Close them
	// before the next Query: the embedded warehouse runs one query at a time.
	Query(ctx context.Context, sql string, params map[string]any) (*Rows, error)
}

// Filters holds resolved filter values by name.
//
// Periods arrive as {from, to} (the end exclusive), dates and datetimes as RFC
// 3339 instants, durations as seconds, lookups as their ids, multiple
// filters as lists; an unset filter is absent.
type Filters map[string]json.RawMessage

// Has reports whether the filter has a value.
func (f Filters) Has(name string) bool {
	v, ok := f[name]
	return ok && string(v) != "null"
}

func (f Filters) decode(name string, v any) error {
	raw, ok := f[name]
	if !ok || string(raw) == "null" {
		return fmt.Errorf("filter %q has no value", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("filter %q: %v", name, err)
	}
	return nil
}

// Period returns a period filter's bounds [from, to).
func (f Filters) Period(name string) (from, to time.Time, err error) {
	var p struct{ From, To time.Time }
	if err := f.decode(name, &p); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return p.From, p.To, nil
}

// String returns a string, enum or string-id lookup filter's value.
func (f Filters) String(name string) (string, error) {
	var s string
	return s, f.decode(name, &s)
}

// Int returns an int or numeric lookup filter's value.
func (f Filters) Int(name string) (int64, error) {
	var n int64
	return n, f.decode(name, &n)
}

// Number returns a number filter's value.
func (f Filters) Number(name string) (float64, error) {
	var n float64
	return n, f.decode(name, &n)
}

// Bool returns a bool filter's value.
func (f Filters) Bool(name string) (bool, error) {
	var b bool
	return b, f.decode(name, &b)
}

// Duration returns a duration filter's value.
func (f Filters) Duration(name string) (time.Duration, error) {
	var s float64
	if err := f.decode(name, &s); err != nil {
		return 0, err
	}
	return time.Duration(s * float64(time.Second)), nil
}

// Time returns a date or datetime filter's value.
func (f Filters) Time(name string) (time.Time, error) {
	var t time.Time
	return t, f.decode(name, &t)
}

// Ints returns a multiple numeric filter's values (nil when unset).
func (f Filters) Ints(name string) ([]int64, error) {
	if !f.Has(name) {
		return nil, nil
	}
	var v []int64
	return v, f.decode(name, &v)
}

// Strings returns a multiple string filter's values (nil when unset).
func (f Filters) Strings(name string) ([]string, error) {
	if !f.Has(name) {
		return nil, nil
	}
	var v []string
	return v, f.decode(name, &v)
}

// FormatParam renders a Go value in the text form ClickHouse reads a
// {name:Type} parameter in: strings escaped, times as UTC "YYYY-MM-DD
// hh:mm:ss" (declare them {x:DateTime('UTC')}), slices as array literals.
func FormatParam(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return escapeParam(x), nil
	case []string:
		b := []byte{'['}
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, quoteString(s)...)
		}
		return string(append(b, ']')), nil
	case []int64:
		b := []byte{'['}
		for i, n := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return string(append(b, ']')), nil
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05"), nil
	case Date:
		return x.Format("2006-01-02"), nil
	case time.Duration:
		return strconv.FormatFloat(x.Seconds(), 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	if n, ok := integer(v); ok {
		return n, nil
	}
	if f, ok := float(v); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", fmt.Errorf("%v is not a finite number", f)
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("unsupported parameter type %T", v)
}

// formatValue renders one output value as its column text; ok=false is NULL.
func formatValue(v any, loc *time.Location) (string, bool, error) {
	switch x := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return x, true, nil
	case *string:
		if x == nil {
			return "", false, nil
		}
		return *x, true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	case time.Time:
		return x.In(loc).Format("2006-01-02 15:04:05"), true, nil
	case Date:
		return x.Format("2006-01-02"), true, nil
	case time.Duration:
		return strconv.FormatFloat(x.Seconds(), 'f', -1, 64), true, nil
	}
	if n, ok := integer(v); ok {
		return n, true, nil
	}
	if f, ok := float(v); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", false, nil // an undefined ratio is empty, like the engine's nullIf
		}
		return strconv.FormatFloat(f, 'f', -1, 64), true, nil
	}
	return "", false, fmt.Errorf("unsupported value type %T", v)
}

func integer(v any) (string, bool) {
	switch x := v.(type) {
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

func float(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// escapeParam is the TabSeparated escaping ClickHouse reads String parameter
// values in (the same rule as engine/chsql.EscapeParam, which this package may
// not import).
func escapeParam(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// quoteString is a single-quoted ClickHouse literal for array elements, a
// smaller engine/chsql.QuoteString (other control bytes stay raw, which the
// server reads as is); a copy because this package may not import the engine.
func quoteString(s string) string {
	b := []byte{'\''}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '\''))
}

// Serve runs r as a plugin process; it is all a plugin's main needs. It
// returns only when the host ends the process.
func Serve(r Report) {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         goplugin.PluginSet{PluginName: &ReportPlugin{Impl: r}},
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, JSONFormat: true}),
	})
}
