package definitions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
)

// A rollup query is linted against the warehouse like the report's query:
// its problems point into the rollup block.
func TestLint_ChecksTheRollupQueryAgainstTheWarehouse(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	r := engine.FixtureRunner{Backend: b, Warehouse: warehouse()}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	const def = `id: test.rollup_lint
version: 1
title: {pt-BR: T, en: T}
category: test
filters:
  - {name: period, type: period, required: true, label: {pt-BR: P, en: P}}
limits: {max_rows: 10, timeout: 1m}
rollup:
  table: wh.calls_15m
  bucket: 15m
  query: |
    SELECT sum(answerd) AS answered FROM wh.calls_15m WHERE bucket >= {period.from} AND bucket < {period.to}
query: |
  SELECT countIf(outcome = 'answered') AS answered FROM wh.calls WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
columns:
  - {name: answered, type: int, label: {pt-BR: A, en: A}}
`
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"an unknown column", "", "", "rollup.yaml:12:5: rollup.query: the warehouse rejects it:"},
		{"other output columns", "sum(answerd) AS answered", "sum(answered) AS n", "rollup.yaml:1:1: columns: rollup.query: query returns columns [n], the definition lists [answered]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := def
			if tc.from != "" {
				text = strings.Replace(def, tc.from, tc.to, 1)
			}
			d, ps := engine.ParseDefinition("rollup.yaml", []byte(text))
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			cat := &engine.Catalog{Reports: map[string]*engine.Definition{d.ID: d}}
			got := engine.LintAgainstWarehouse(ctx, b, cat, warehouse())
			if len(got) != 1 || !strings.Contains(got.Error(), tc.want) {
				t.Fatalf("lint gave:\n%v\nwant one problem containing %q", got, tc.want)
			}
		})
	}
}
