// Command sqlecho is a test plugin that runs the SQL given in its `sql`
// filter through the host and writes each row's first value: tests use it to
// try to read what the tenant scope must hide. It writes <binary>.started when
// it starts, so tests can tell it was never started.
package main

import (
	"context"
	"os"

	"github.com/relato/relato/plugins/sdk"
)

const def = `
id: test.sqlecho
version: 1
title: {pt-BR: Eco SQL, en: SQL echo}
category: test
filters:
  - {name: sql, type: string, required: true}
  - {name: name, type: string, default: "x"}
limits: {max_rows: 5, timeout: 20s}
columns:
  - {name: value, type: string, label: {pt-BR: Valor, en: Value}}
`

type echo struct{}

func (echo) Definition(context.Context) (string, error) { return def, nil }

func (echo) Run(ctx context.Context, req *sdk.Request, out sdk.Output) error {
	sql, err := req.Filters.String("sql")
	if err != nil {
		return err
	}
	name, _ := req.Filters.String("name")
	rows, err := req.Warehouse.Query(ctx, sql, map[string]any{"name": name})
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := out.Write(ctx, rows.Row()[0]); err != nil {
			return err
		}
	}
	return rows.Err()
}

func main() {
	if exe, err := os.Executable(); err == nil {
		os.WriteFile(exe+".started", nil, 0o644)
	}
	sdk.Serve(echo{})
}
