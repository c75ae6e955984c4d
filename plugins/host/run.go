package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/sdk"
)

// RunError is a failed plugin run: Msg is for users, Err for operators' logs.
type RunError struct {
	Report string
	Msg    string
	Err    error
}

func (e *RunError) Error() string { return "custom report " + e.Report + ": " + e.Msg }
func (e *RunError) Unwrap() error { return e.Err }

// Run starts the plugin report comp.Def for tenant with comp's resolved
// filter values (comp comes from engine.Compile on the plugin's definition,
// exactly like a YAML report's). The result streams the plugin's output
// rows; the caller must Close it. The report's timeout bounds the whole run,
// including reading the result; canceling ctx ends the plugin call.
func (h *Host) Run(ctx context.Context, tenant uint32, comp *engine.Compiled) (*Result, error) {
	e, err := h.entry(tenant, comp.Def.ID)
	if err != nil {
		return nil, err
	}
	def := e.def
	tz := comp.Query.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	filters, err := wireFilters(def, comp.Values, loc)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	if def.Limits.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, def.Limits.Timeout)
	}
	inst, err := h.acquire(runCtx, e)
	if err != nil {
		cancel()
		return nil, &RunError{Report: e.id, Msg: "the plugin is unavailable: " + strings.TrimPrefix(err.Error(), "plugin "+e.id+": "), Err: err}
	}
	qs := &queryService{h: h, report: e.id, tenant: tenant, timeZone: tz, runCtx: runCtx}
	stream, err := inst.report.Run(runCtx, sdk.RunRequest{Filters: filters, TimeZone: tz}, qs)
	r := &Result{h: h, e: e, inst: inst, def: def, ctx: runCtx, parent: ctx, cancel: cancel, stream: stream, loc: tz}
	if err != nil {
		r.fail(err)
		r.Close()
		return nil, r.err
	}
	h.log.Info("plugin run started", "report", e.id, "tenant", tenant)
	return r, nil
}

// wireFilters turns the engine's typed filter values into the JSON the SDK's
// Filters getters read.
func wireFilters(def *engine.Definition, values map[string]any, loc *time.Location) (sdk.Filters, error) {
	out := sdk.Filters{}
	for name, v := range values {
		if v == nil {
			continue
		}
		raw, err := json.Marshal(wireValue(v, loc))
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", name, err)
		}
		out[name] = raw
	}
	return out, nil
}

func wireValue(v any, loc *time.Location) any {
	switch x := v.(type) {
	case engine.Period:
		return map[string]string{"from": x.From.In(loc).Format(time.RFC3339), "to": x.To.In(loc).Format(time.RFC3339)}
	case time.Time:
		return x.In(loc).Format(time.RFC3339)
	case time.Duration:
		return x.Seconds()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = wireValue(e, loc)
		}
		return out
	}
	return v
}

// Result is a plugin run's output: an engine.Rows over the definition's
// columns, each value checked against its column type before the caller sees
// it. Columns reports ClickHouse types, so the rows can be written into a
// snapshot table as they are.
type Result struct {
	h      *Host
	e      *entry
	inst   *instance
	def    *engine.Definition
	ctx    context.Context
	parent context.Context
	cancel context.CancelFunc
	stream *sdk.RunStream
	loc    string

	batch     [][]*string
	cur       [][]byte
	nulls     []bool
	n         int64
	truncated bool
	done      bool
	retire    bool
	err       error
	closed    bool
}

var _ engine.Rows = (*Result)(nil)

// Columns are the definition's columns with the ClickHouse type of each.
func (r *Result) Columns() []engine.Column {
	cols := make([]engine.Column, len(r.def.Columns))
	for i, c := range r.def.Columns {
		cols[i] = engine.Column{Name: c.Name, Type: ClickHouseType(c.Type, r.loc)}
	}
	return cols
}

// ClickHouseType is the column type a snapshot table stores a plugin column in.
func ClickHouseType(t engine.ColumnType, timeZone string) string {
	switch t {
	case engine.ColInt:
		return "Nullable(Int64)"
	case engine.ColNumber, engine.ColPercent, engine.ColDuration:
		return "Nullable(Float64)"
	case engine.ColDatetime:
		return "Nullable(DateTime('" + timeZone + "'))"
	case engine.ColDate:
		return "Nullable(Date)"
	case engine.ColBool:
		return "Nullable(Bool)"
	}
	return "Nullable(String)"
}

// Next advances to the next output row.
func (r *Result) Next() bool {
	for !r.done && r.err == nil {
		if len(r.batch) == 0 {
			batch, err := r.stream.Recv()
			if err == io.EOF {
				r.done = true
				break
			}
			if err != nil {
				r.fail(err)
				break
			}
			r.batch = batch
			continue
		}
		row := r.batch[0]
		r.batch = r.batch[1:]
		if max := r.def.Limits.MaxRows; max > 0 && r.n >= max {
			r.truncated, r.done = true, true
			r.stream.Close() // the cap is reached: stop the plugin's work
			break
		}
		if err := r.check(row); err != nil {
			r.err = &RunError{Report: r.e.id, Msg: fmt.Sprintf("the plugin returned an invalid row %d: %v", r.n+1, err)}
			break
		}
		r.n++
		return true
	}
	if r.err != nil && !r.closed {
		r.h.log.Warn("plugin run failed", "report", r.e.id, "err", r.err)
	}
	return false
}

// check validates a row against the definition's columns and makes it current.
func (r *Result) check(row []*string) error {
	if len(row) != len(r.def.Columns) {
		return fmt.Errorf("%d values for %d columns", len(row), len(r.def.Columns))
	}
	r.cur = r.cur[:0]
	r.nulls = r.nulls[:0]
	size := 0
	for i, v := range row {
		c := r.def.Columns[i]
		if v == nil {
			r.cur = append(r.cur, nil)
			r.nulls = append(r.nulls, true)
			continue
		}
		size += len(*v)
		if size > r.h.cfg.MaxRowBytes {
			return fmt.Errorf("the row is larger than the limit of %d bytes", r.h.cfg.MaxRowBytes)
		}
		if err := checkValue(c.Type, *v); err != nil {
			return fmt.Errorf("column %q: %v", c.Name, err)
		}
		r.cur = append(r.cur, []byte(*v))
		r.nulls = append(r.nulls, false)
	}
	return nil
}

func checkValue(t engine.ColumnType, s string) error {
	bad := func(what string) error {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return fmt.Errorf("%q is not %s", s, what)
	}
	switch t {
	case engine.ColInt:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return bad("an integer")
		}
	case engine.ColNumber, engine.ColPercent, engine.ColDuration:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("a finite number")
		}
	case engine.ColDatetime:
		if _, err := time.Parse("2006-01-02 15:04:05", s); err != nil {
			return bad("a datetime like 2024-01-31 13:45:00")
		}
	case engine.ColDate:
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return bad("a date like 2024-01-31")
		}
	case engine.ColBool:
		if s != "true" && s != "false" {
			return bad("true or false")
		}
	default:
		if !utf8.ValidString(s) {
			return bad("valid UTF-8 text")
		}
	}
	return nil
}

// fail turns a plugin call error into the run's error.
func (r *Result) fail(err error) {
	id := r.e.id
	code, msg := sdk.ErrorMessage(err)
	switch {
	case errors.Is(r.parent.Err(), context.Canceled):
		r.err = &RunError{Report: id, Msg: "canceled", Err: fmt.Errorf("%w: %w", engine.ErrCanceled, err)}
	case errors.Is(r.ctx.Err(), context.DeadlineExceeded):
		// A plugin still busy at its deadline may be hung: start afresh next time.
		r.retire = true
		r.err = &RunError{Report: id, Msg: fmt.Sprintf("the report took longer than its limit of %s", r.def.Limits.Timeout), Err: err}
	case r.exited():
		r.retire = true
		r.err = &RunError{Report: id, Msg: "the plugin process crashed during the run; it will be restarted on the next run", Err: err}
	case code == codes.ResourceExhausted:
		r.err = &RunError{Report: id, Msg: "the plugin sent an oversized message (" + msg + ")", Err: err}
	case code == codes.Unavailable:
		r.retire = true
		r.err = &RunError{Report: id, Msg: "lost the connection to the plugin: " + msg, Err: err}
	default:
		r.err = &RunError{Report: id, Msg: "failed: " + msg, Err: err}
	}
}

// exited waits briefly for the process to be seen gone: a crash closes the
// connection a moment before go-plugin notices the exit.
func (r *Result) exited() bool {
	for range 20 {
		if r.inst.client.Exited() {
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

// Values returns the current row.
func (r *Result) Values() [][]byte { return r.cur }

// IsNull reports whether column i of the current row is NULL.
func (r *Result) IsNull(i int) bool { return r.nulls[i] }

// Truncated reports whether the report's max_rows cut the output.
func (r *Result) Truncated() bool { return r.truncated }

// Err is the error that ended the run, a *RunError for plugin failures.
func (r *Result) Err() error { return r.err }

// Close ends the plugin call (if still running) and releases the plugin.
func (r *Result) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.stream != nil {
		r.stream.Close()
	}
	r.cancel()
	r.e.release(r.inst, r.retire)
	return nil
}
