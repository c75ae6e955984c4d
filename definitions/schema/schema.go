// Package schema holds the warehouse DDL (warehouse.sql) that every report
// queries, embedded so the binary and tests create the same tables. It must not
// import anything from the rest of relato.
package schema

import (
	_ "embed"
	"strings"
)

// SQL is warehouse.sql as shipped: ClickHouse DDL for database wh.
//
//go:embed warehouse.sql
var SQL string

// Statements splits SQL into its statements (without the trailing ';'), in
// file order. A statement ends at a line whose code (not a "--" comment line)
// ends with ';'; comment-only chunks are dropped.
func Statements() []string {
	return split(SQL)
}

func split(text string) []string {
	var out []string
	var cur strings.Builder
	code := false
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		isComment := strings.HasPrefix(t, "--")
		if t != "" && !isComment {
			code = true
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if !isComment && strings.HasSuffix(t, ";") {
			s := strings.TrimSpace(cur.String())
			out = append(out, strings.TrimSpace(strings.TrimSuffix(s, ";")))
			cur.Reset()
			code = false
		}
	}
	if code {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}
