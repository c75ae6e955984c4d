package engine

import (
	"context"

	"errors"
	"github.com/relato/relato/engine/chsql"
	"strings"
	"testing"
	"time"
)

// A small self-contained specification of the DSL's promises; the golden and
// bad-definition suites cover the details.

const specDef = `id: spec.calls
version: 1
title: {pt-BR: Chamadas}
category: spec
filters:
  - {name: period, type: period, required: true, max_span: 30d}
  - {name: wallet, type: wallet}
  - {name: callers, type: string, multiple: true}
  - {name: note, type: string}
  - {name: threshold, type: duration, default: 20s}
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT call_id FROM wh.calls
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
    AND wait_ms <= {threshold}
    [[ AND wallet_id = {wallet} ]]
    [[ AND caller IN {callers} ]]
    [[ AND ivr_path = {note} ]]
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
`

func specEnv() CompileEnv {
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	return CompileEnv{Tenant: 7, Location: loc, Now: time.Date(2024, 3, 10, 12, 0, 0, 0, loc), Tables: []string{"calls", "wallets"}}
}

func specDefinition(t testing.TB) *Definition {
	d, ps := ParseDefinition("spec/calls.yaml", []byte(specDef))
	if len(ps) > 0 {
		t.Fatalf("spec definition has problems: %v", ps)
	}
	return d
}

func TestSpec_CompileBindsValuesAsParametersAndScopesTheTenant(t *testing.T) {
	d := specDefinition(t)
	c, err := Compile(context.Background(), d, map[string]any{"period": "yesterday", "wallet": "3", "callers": []any{"+55", "x'y"}}, specEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT call_id FROM wh.calls\nWHERE entered_queue_at >= {f_period__from:DateTime('UTC')} AND entered_queue_at < {f_period__to:DateTime('UTC')}\n  AND wait_ms <= {f_threshold:Int64}\n   AND wallet_id = {f_wallet:UInt64} \n   AND caller IN {f_callers:Array(String)}"
	if c.Query.SQL != want {
		t.Fatalf("SQL:\n%s\nwant:\n%s", c.Query.SQL, want)
	}
	// yesterday in São Paulo (UTC-3) = 2024-03-09 03:00 .. 2024-03-10 03:00 UTC.
	for k, v := range map[string]string{"f_period__from": "2024-03-09 03:00:00", "f_period__to": "2024-03-10 03:00:00", "f_threshold": "20000", "f_wallet": "3", "f_callers": `['+55','x\'y']`} {
		if c.Query.Params[k] != v {
			t.Errorf("param %s = %q, want %q", k, c.Query.Params[k], v)
		}
	}
	if c.Query.TableFilters["wh.calls"] != "tenant_id = 7" || c.Query.TableFilters["wh.wallets"] != "tenant_id = 7" {
		t.Errorf("table filters %v", c.Query.TableFilters)
	}
	if c.Query.TimeZone != "America/Sao_Paulo" || c.Query.MaxRows != 10 {
		t.Errorf("time zone %q, max rows %d", c.Query.TimeZone, c.Query.MaxRows)
	}
}

// failingLookups fails the test if anything asks the warehouse.
type failingLookups struct{ t *testing.T }

func (f failingLookups) Unknown(context.Context, Lookup, uint32, []any) ([]any, error) {
	f.t.Fatal("the warehouse was queried although the period was already invalid")
	return nil, nil
}

func TestSpec_APeriodOverMaxSpanIsRefusedBeforeAnyQuery(t *testing.T) {
	d := specDefinition(t)
	env := specEnv()
	env.Lookups = failingLookups{t}
	_, err := Compile(context.Background(), d, map[string]any{"period": "2024-01-01..2024-01-31", "wallet": "3"}, env)
	var fe FilterErrors
	if !errors.As(err, &fe) || fe[0].Filter != "period" || !strings.Contains(err.Error(), "spans 31 days, more than the maximum of 30 days") {
		t.Fatalf("got %v", err)
	}
}

func TestSpec_BrokenDefinitionsReportEveryProblemWithItsPosition(t *testing.T) {
	src := `id: Spec
version: 1
title: {pt-BR: X}
category: spec
colour: red
filters:
  - {name: period, type: period, required: true}
  - {name: n, type: nope}
  - {name: unused, type: int}
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT 1 AS x FROM calls, file('x') WHERE a = {period.start} SETTINGS max_threads = 1
columns:
  - {name: x, type: integer, label: X}
`
	_, ps := ParseDefinition("bad.yaml", []byte(src))
	got := ps.Error()
	for _, want := range []string{
		`bad.yaml:1:5: id "Spec" must be dotted lower-case`,
		`bad.yaml:5:1: unknown field "colour"`,
		`bad.yaml:8:21: filter "n": unknown type "nope"`,
		`bad.yaml:9:5: filter "unused" is never used by the query`,
		`bad.yaml:12:22: query: table "calls" must be qualified as wh.<table>`,
		`bad.yaml:12:29: query: table function file(…) is not allowed`,
		`bad.yaml:12:49: query: {period.start}: a period filter offers {period.from} and {period.to}`,
		`bad.yaml:12:64: query: SETTINGS is not allowed`,
		`bad.yaml:14:21: column "x": unknown type "integer"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func FuzzSpec_StringValuesNeverChangeTheSQL(f *testing.F) {
	for _, s := range []string{"", "x", "'", `\`, `'); DROP TABLE wh.calls; --`, "{f_wallet:UInt64}", "]] OR 1=1 [[", "\x00\n\r\t", "\xff\xfe"} {
		f.Add(s, s+"2")
	}
	d := specDefinition(f)
	base, err := Compile(context.Background(), d, map[string]any{"period": "yesterday", "note": "a", "callers": []any{"b"}}, specEnv())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" || b == "" {
			return // an empty value means "not set": its optional clause is dropped by design
		}
		c, err := Compile(context.Background(), d, map[string]any{"period": "yesterday", "note": a, "callers": []any{a, b}}, specEnv())
		if err != nil {
			return // e.g. longer than allowed: refused, nothing compiled
		}
		if c.Query.SQL != base.Query.SQL {
			t.Fatalf("value %q changed the SQL:\n%s", a, c.Query.SQL)
		}
		if got, _ := chsql.UnescapeTSV(nil, []byte(c.Query.Params["f_note"])); string(got) != a {
			t.Fatalf("string parameter text %q, want the value itself %q", c.Query.Params["f_note"], a)
		}
	})
}
