package chsql_test

import (
	"context"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/remote"
	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/enginetest"
)

// identCases pair a name with its quoted form, written out by hand from the
// rules in QuoteIdent's doc.
var identCases = []struct{ name, want string }{
	{"plain", "`plain`"},
	{"", "``"},
	{"with space", "`with space`"},
	{"it`s", "`it\\`s`"},
	{"``", "`\\`\\``"},
	{`a\b`, "`a\\\\b`"},
	{"\\`", "`\\\\\\``"},
	{"ends with \\", "`ends with \\\\`"},
	{"it's", "`it's`"},
	{"line\nbreak", "`line\\nbreak`"},
	{"tab\tcr\r", "`tab\\tcr\\r`"},
	{"nul\x00", "`nul\\0`"},
	{"esc\x1b del\x7f", "`esc\\x1B del\\x7F`"},
	{"ação €", "`ação €`"},
	{"x` FROM system.one; DROP TABLE t; --", "`x\\` FROM system.one; DROP TABLE t; --`"},
}

func TestQuoteIdent_EscapesBackticksBackslashesAndControlBytes(t *testing.T) {
	for _, c := range identCases {
		if got := chsql.QuoteIdent(c.name); got != c.want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestAppendEscaped_WritesTabSeparatedEscapesAfterDst(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "> "},
		{"plain 'quoted' `ticked`", "> plain 'quoted' `ticked`"},
		{`a\b`, `> a\\b`},
		{"a\tb\nc\rd\x00e", `> a\tb\nc\rd\0e`},
		{`\N`, `> \\N`},
		{"\x1b\b\f", "> \x1b\b\f"}, // other control bytes are legal in a TSV field
	}
	for _, c := range cases {
		if got := string(chsql.AppendEscaped([]byte("> "), c.in)); got != c.want {
			t.Errorf("AppendEscaped(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := string(chsql.AppendEscaped([]byte("> "), []byte(c.in))); got != c.want {
			t.Errorf("AppendEscaped([]byte(%q)) = %q, want %q", c.in, got, c.want)
		}
		if got := chsql.EscapeParam(c.in); "> "+got != c.want {
			t.Errorf("EscapeParam(%q) = %q, want %q", c.in, got, c.want[2:])
		}
	}
}

func TestAppendQuotedText_MatchesClickHouseOutputEscapes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"it's", `'it\'s'`},
		{`a\b`, `'a\\b'`},
		{"\b\f\n\r\t\x00", `'\b\f\n\r\t\0'`},
		{"\x1b`\"", "'\x1b`\"'"}, // written as is by the server
	}
	for _, c := range cases {
		if got := string(chsql.AppendQuotedText([]byte("["), c.in)); got != "["+c.want {
			t.Errorf("AppendQuotedText(%q) = %q, want %q", c.in, got, "["+c.want)
		}
	}
}

// roundTrip asks a real warehouse for a column named by QuoteIdent and a value
// written by QuoteString, and checks both come back byte for byte.
func roundTrip(t *testing.T, b engine.Backend) {
	t.Helper()
	for _, c := range identCases {
		if c.name == "" {
			continue // ClickHouse refuses an empty alias; the quoting is still checked above
		}
		sql := "SELECT " + chsql.QuoteString(c.name) + " AS " + chsql.QuoteIdent(c.name)
		r, err := b.Query(context.Background(), engine.Query{SQL: sql})
		if err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		if cols := r.Columns(); len(cols) != 1 || cols[0].Name != c.name {
			t.Errorf("%s: columns %q, want one named %q", sql, cols, c.name)
		}
		if !r.Next() || string(r.Values()[0]) != c.name {
			t.Errorf("%s: value %q, want %q (err %v)", sql, r.Values(), c.name, r.Err())
		}
		r.Close()
	}
}

func TestQuoteIdent_RoundTripsThroughChDB(t *testing.T) {
	roundTrip(t, enginetest.ChDB(t))
}

func TestQuoteIdent_RoundTripsThroughTheOldestSupportedServer(t *testing.T) {
	addr := enginetest.StartClickHouseServer(t)
	b, err := remote.Open(context.Background(), remote.Config{Addr: []string{addr}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t.Logf("server %s", b.ServerVersion())
	roundTrip(t, b)
}
