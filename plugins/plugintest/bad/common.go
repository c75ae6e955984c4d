// Package bad holds the definition shared by the purpose-built bad plugins.
package bad

// Definition is a minimal report definition with one int and one string column.
func Definition(id, timeout string) string {
	return `
id: ` + id + `
version: 1
title: {pt-BR: Teste, en: Test}
category: test
filters:
  - {name: size, type: int, default: 10}
limits: {max_rows: 1000, timeout: ` + timeout + `}
columns:
  - {name: n, type: int, label: {pt-BR: N, en: N}}
  - {name: s, type: string, label: {pt-BR: S, en: S}}
`
}
