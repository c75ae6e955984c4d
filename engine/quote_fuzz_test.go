package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/relato/relato/engine/chsql"
)

// A small reader of ClickHouse single-quoted string literals, limited to the
// escapes chsql.QuoteString writes (\' \\ \n \r \t \0 \xHH). It is strict: any
// other escape, a raw control byte or a missing closing quote is an error, so a
// quoting change that ClickHouse would read differently shows up here.

var errNotALiteral = errors.New("not a string literal")

// readStringLiteral reads one literal at the start of s and returns its value
// and the text after the closing quote.
func readStringLiteral(s string) (value, rest string, err error) {
	if !strings.HasPrefix(s, "'") {
		return "", s, fmt.Errorf("%w: no opening quote in %q", errNotALiteral, s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			return b.String(), s[i+1:], nil
		case c < 0x20 || c == 0x7f:
			return "", s, fmt.Errorf("%w: raw control byte %#x at %d", errNotALiteral, c, i)
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", s, fmt.Errorf("%w: ends inside an escape", errNotALiteral)
		}
		switch s[i] {
		case '\'', '\\':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case 'x':
			if i+2 >= len(s) {
				return "", s, fmt.Errorf("%w: short \\x escape", errNotALiteral)
			}
			var v byte
			for _, h := range []byte{s[i+1], s[i+2]} {
				v <<= 4
				switch {
				case h >= '0' && h <= '9':
					v |= h - '0'
				case h >= 'A' && h <= 'F':
					v |= h - 'A' + 10
				default:
					return "", s, fmt.Errorf("%w: bad hex digit %q", errNotALiteral, h)
				}
			}
			b.WriteByte(v)
			i += 2
		default:
			return "", s, fmt.Errorf("%w: unexpected escape \\%c", errNotALiteral, s[i])
		}
	}
	return "", s, fmt.Errorf("%w: no closing quote", errNotALiteral)
}

// readStringArray reads ClickHouse's text form of an Array(String):
// ['a','b\'c'] with no spaces, as bindMultiple writes it.
func readStringArray(s string) ([]string, error) {
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, fmt.Errorf("not an array: %q", s)
	}
	rest := s[1:]
	var out []string
	for !strings.HasPrefix(rest, "]") {
		if len(out) > 0 {
			if !strings.HasPrefix(rest, ",") {
				return nil, fmt.Errorf("missing comma before %q", rest)
			}
			rest = rest[1:]
		}
		v, r, err := readStringLiteral(rest)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		rest = r
	}
	if rest != "]" {
		return nil, fmt.Errorf("text after the array: %q", rest[1:])
	}
	return out, nil
}

// nastyValues seed every fuzz target of the package.
var nastyValues = []string{
	"", "x", "'", "''", `\`, `\'`, `'\`, `\\'`, "'); DROP TABLE wh.calls; --",
	"' OR 1=1 --", "{x:String}", "{f_wallet:UInt64}", "{tenant}", "]]", "[[", "]] OR 1=1 [[",
	"a\nb", "\r\n", "\t", "\x00", "nul\x00inside", "\x1b[31m", "\x7f", "\xff\xfe", "\xc3\x28",
	"d'Ávila", "ação", "😀", "/* */", "-- comment", "`", `"`, "$$", "?", ":x", "%s",
}

func TestReadStringLiteral_RefusesWhatQuoteStringNeverWrites(t *testing.T) {
	for _, s := range []string{`abc'`, `'abc`, `'a\qb'`, "'a\nb'", `'\x4'`, `'\x4g'`, `'a\`} {
		if _, _, err := readStringLiteral(s); err == nil {
			t.Errorf("%q read as a literal", s)
		}
	}
	if v, rest, err := readStringLiteral(`'it\'s\\\n\x1B',`); err != nil || v != "it's\\\n\x1b" || rest != "," {
		t.Errorf("got %q, %q, %v", v, rest, err)
	}
}

func FuzzQuoteStringReadsBackToTheSameBytes(f *testing.F) {
	for _, s := range nastyValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := chsql.QuoteString(s)
		v, rest, err := readStringLiteral(q)
		if err != nil {
			t.Fatalf("QuoteString(%q) = %s: %v", s, q, err)
		}
		if v != s {
			t.Fatalf("QuoteString(%q) = %s reads back as %q", s, q, v)
		}
		// The first unescaped quote after the opening one closes the literal at
		// the very end: nothing of s can leak out as SQL.
		if rest != "" {
			t.Fatalf("QuoteString(%q) = %s ends early; left over %q", s, q, rest)
		}
		for i := 0; i < len(q); i++ {
			if q[i] < 0x20 || q[i] == 0x7f {
				t.Fatalf("QuoteString(%q) = %q holds a raw control byte", s, q)
			}
		}
	})
}
