package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relato/relato/engine/chsql"
)

// Every string-typed filter kind: a free string, a fixed enum, a lookup by name
// (event_type), a fixed lookup (channel), and lists of each.
const fuzzStringsDef = `id: fuzz.strings
version: 1
title: {pt-BR: Fuzz}
category: fuzz
filters:
  - {name: period, type: period, required: true}
  - {name: note, type: string}
  - {name: mode, type: enum, values: [a, "it's"]}
  - {name: event, type: event_type}
  - {name: channel, type: channel}
  - {name: callers, type: string, multiple: true}
  - {name: events, type: event_type, multiple: true}
  - {name: channels, type: channel, multiple: true}
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT call_id FROM wh.calls
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
    [[ AND ivr_path = {note} ]]
    [[ AND mode = {mode} ]]
    [[ AND event_type = {event} ]]
    [[ AND channel = {channel} ]]
    [[ AND caller IN {callers} ]]
    [[ AND event_type IN {events} ]]
    [[ AND channel IN {channels} ]]
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
`

// fuzzSafeInputs sets every filter, so every optional clause is kept.
func fuzzSafeInputs() map[string]any {
	return map[string]any{
		"period": "yesterday", "note": "n", "mode": "a", "event": "login", "channel": "voice",
		"callers": []any{"c"}, "events": []any{"login"}, "channels": []any{"voice"},
	}
}

func FuzzStringFilterCannotChangeSQL(f *testing.F) {
	for _, s := range nastyValues {
		f.Add(s, s+"2")
		f.Add(s, "voice")
	}
	f.Add("it's", "a")
	d, ps := ParseDefinition("fuzz.yaml", []byte(fuzzStringsDef))
	if len(ps) > 0 {
		f.Fatalf("fuzz definition: %v", ps)
	}
	env := goldenEnv(f)
	base, err := Compile(context.Background(), d, fuzzSafeInputs(), env)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, tc := range []struct {
			filter string
			value  any
			want   []string // the values the parameter must carry
			list   bool
		}{
			{"note", a, []string{a}, false},
			{"mode", a, []string{a}, false},
			{"event", a, []string{a}, false},
			{"channel", a, []string{a}, false},
			{"callers", []any{a, b}, dedupe(a, b), true},
			{"events", []any{a, b}, dedupe(a, b), true},
			{"channels", []any{a, b}, dedupe(a, b), true},
		} {
			if !tc.list && a == "" {
				continue // an empty value means "not set": its clause is dropped by design
			}
			inputs := fuzzSafeInputs()
			inputs[tc.filter] = tc.value
			c, err := Compile(context.Background(), d, inputs, env)
			if err != nil {
				// Refused values are fine, as long as the refusal names the filter.
				var fe FilterErrors
				if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Filter != tc.filter {
					t.Fatalf("%s = %q: refused without naming the filter: %v", tc.filter, tc.value, err)
				}
				continue
			}
			if c.Query.SQL != base.Query.SQL {
				t.Fatalf("%s = %q changed the SQL:\n%s", tc.filter, tc.value, c.Query.SQL)
			}
			param := "f_" + tc.filter
			text, ok := c.Query.Params[param]
			if !ok {
				t.Fatalf("%s: no parameter %s", tc.filter, param)
			}
			var got []string
			if tc.list {
				got, err = readStringArray(text)
				if err != nil {
					t.Fatalf("%s = %q: parameter text %s: %v", tc.filter, tc.value, text, err)
				}
			} else {
				// A scalar parameter's text is read by ClickHouse in its escaped
				// text form (as a TSV field): a backslash starts an escape and a
				// raw newline ends the value. Checked against chDB: the text
				// a\tb arrives as a, TAB, b, and a raw newline fails the query.
				if strings.ContainsAny(text, "\n\t") {
					t.Fatalf("%s = %q: parameter text %q holds a raw newline or tab", tc.filter, tc.value, text)
				}
				v, _ := chsql.UnescapeTSV(nil, []byte(text))
				got = []string{string(v)}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s = %q: parameter %s carries %q, want %q", tc.filter, tc.value, text, got, tc.want)
			}
			for name, v := range c.Query.Params {
				if name != param && v != base.Query.Params[name] {
					t.Fatalf("%s = %q changed another parameter %s to %q", tc.filter, tc.value, name, v)
				}
			}
		}
	})
}

func dedupe(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}
