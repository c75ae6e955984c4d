// Package chsql holds the one audited place where relato turns a Go value into
// ClickHouse SQL text: string literals and identifiers. Report values never go
// through here into a query's text; they travel as typed parameters, and only
// the parameter's own SET statement quotes them. Keep this file small.
package chsql

import (
	"sort"
	"strings"
)

// QuoteString returns s as a ClickHouse single-quoted string literal. Every byte
// that could end or alter the literal is escaped: the quote, the backslash and
// control bytes (a NUL or newline inside a literal is legal but escaped for
// readable logs).
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\0`)
		default:
			if c < 0x20 || c == 0x7f {
				const hex = "0123456789ABCDEF"
				b.WriteString(`\x`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// ValidIdentifier reports whether s is a plain identifier ([A-Za-z_][A-Za-z0-9_]*)
// that can be written in SQL without quoting.
func ValidIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// TableFiltersLiteral renders a table → filter map as the value of the
// additional_table_filters setting: {'db.t': 'expr', ...}. Keys and expressions
// are quoted; the expressions themselves are written by the engine, never by
// users.
func TableFiltersLiteral(filters map[string]string) string {
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteString(k))
		b.WriteString(": ")
		b.WriteString(QuoteString(filters[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// UnescapeTSV decodes one field of ClickHouse's TabSeparated format into dst
// (reused) and reports whether the field was NULL (\N).
func UnescapeTSV(dst, field []byte) ([]byte, bool) {
	if len(field) == 2 && field[0] == '\\' && field[1] == 'N' {
		return dst[:0], true
	}
	dst = dst[:0]
	for i := 0; i < len(field); i++ {
		c := field[i]
		if c != '\\' || i+1 == len(field) {
			dst = append(dst, c)
			continue
		}
		i++
		switch field[i] {
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case '0':
			dst = append(dst, 0)
		case 'a':
			dst = append(dst, '\a')
		case 'v':
			dst = append(dst, '\v')
		default: // \\ \' \" and anything else: the byte itself
			dst = append(dst, field[i])
		}
	}
	return dst, false
}

// EscapeParam writes a String parameter's value in the escaped text form the
// server reads parameter values in (the TabSeparated escaping): without it a
// backslash would be taken as an escape and a newline would break the query.
func EscapeParam(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
