// Package chsql holds the one audited place where relato turns a Go value into
// ClickHouse SQL text: string literals and identifiers. Report values never go
// through here into a query's text; they travel as typed parameters, and only
// the parameter's own SET statement quotes them. Keep this file small.
//
// It is the only quoting and escaping code outside plugins/sdk (which may not
// import the engine and keeps its own copy of QuoteString and EscapeParam).
// Everything here is plain Go with no dependency: the rules are ClickHouse's
// own lexer and text formats, which no Go library exposes on their own.
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
	return string(appendQuoted(make([]byte, 0, len(s)+2), s, '\'', false))
}

// QuoteIdent returns name as a ClickHouse back-quoted identifier, usable for any
// column or table name: `a b` for "a b", `it\`s` for "it`s", `a\\b` for a\b.
// Backticks and backslashes are escaped with a backslash, as ClickHouse's
// lexer reads them on every version relato supports; control bytes are escaped
// as in QuoteString. The name is always quoted, even when it is a plain
// identifier, so callers need no second rule.
func QuoteIdent(name string) string {
	return string(appendQuoted(make([]byte, 0, len(name)+2), name, '`', false))
}

// appendQuoted appends s between two quote bytes. The quote, the backslash,
// newline, carriage return, tab and NUL are always escaped. Other control
// bytes depend on the reader: SQL text (asOutput false) gets \xHH, readable in
// logs; asOutput reproduces ClickHouse's writeQuotedString, which escapes \b
// and \f and copies every other byte.
func appendQuoted(dst []byte, s string, quote byte, asOutput bool) []byte {
	dst = append(dst, quote)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == quote, c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == 0:
			dst = append(dst, '\\', '0')
		case asOutput && c == '\b':
			dst = append(dst, '\\', 'b')
		case asOutput && c == '\f':
			dst = append(dst, '\\', 'f')
		case !asOutput && (c < 0x20 || c == 0x7f):
			const hex = "0123456789ABCDEF"
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, quote)
}

// AppendQuotedText appends s as ClickHouse itself writes a string inside an
// array, tuple or map in its text output formats (writeQuotedString): single
// quotes, with \' \\ \b \f \n \r \t \0 escaped and every other byte as is.
// Backends use it to render composite values byte for byte as the server
// would; it is not meant for building SQL (QuoteString is).
func AppendQuotedText(dst []byte, s string) []byte {
	return appendQuoted(dst, s, '\'', true)
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
	return string(AppendEscaped(make([]byte, 0, len(s)), s))
}

// AppendEscaped appends s in ClickHouse's TabSeparated escaping, the form the
// server reads a TSV field or a parameter value in: backslash, tab, newline,
// carriage return and NUL become \\ \t \n \r \0; every other byte is copied.
// It is the allocation-free form of EscapeParam for hot paths such as writing
// INSERT … FORMAT TabSeparated bodies row by row.
func AppendEscaped[T ~string | ~[]byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		case 0:
			dst = append(dst, '\\', '0')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
