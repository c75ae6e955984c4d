package remote

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Expected strings are what ClickHouse 26.5 (chdb) and 18.16 print in TSV.
func TestAppendFloat_MatchesClickHouseShortestForm(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{0.1, 64, "0.1"},
		{1e21, 64, "1e21"},
		{1e20, 64, "100000000000000000000"},
		{123456789012345678901234., 64, "1.2345678901234569e23"},
		{1e-7, 64, "1e-7"},
		{1e-6, 64, "0.000001"},
		{0.000123, 64, "0.000123"},
		{1e6, 64, "1000000"},
		{1.5e300, 64, "1.5e300"},
		{5e-324, 64, "5e-324"},
		{math.Copysign(0, -1), 64, "-0"},
		{math.Inf(-1), 64, "-inf"},
		{math.NaN(), 64, "nan"},
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(123456789012345678901234.)), 32, "1.2345679e23"},
	}
	for _, c := range cases {
		if got := string(appendFloat(nil, c.f, c.bits)); got != c.want {
			t.Errorf("appendFloat(%g, %d) = %q, want %q", c.f, c.bits, got, c.want)
		}
	}
}

func TestAppendText_NestedValuesUseLiteralSyntax(t *testing.T) {
	cases := []struct {
		name string
		v    any
		typ  string
		want string
	}{
		{"bools", []bool{true, false}, "Array(Bool)", "[true,false]"},
		{"nullable strings", []*string{nil, ptr("a\tb")}, "Array(Nullable(String))", "[NULL,'a\tb']"},
		{"datetime64 in its zone", time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC), "DateTime64(3, 'UTC')", "2024-01-02 03:04:05.678"},
		{"named tuple", []any{uint8(1), "x"}, "Tuple(a UInt8, b String)", "(1,'x')"},
		// How clickhouse-go actually scans a named tuple: a map by name.
		{"named tuple scanned as a map", map[string]any{"b": "x", "a": uint8(1)}, "Tuple(a UInt8, b String)", "(1,'x')"},
		{"array of named tuples", []map[string]any{{"z": "it's", "a": (*int32)(nil)}}, "Array(Tuple(z String, a Nullable(Int32)))", "[('it's',NULL)]"},
		{"enum with comma in name", []string{"a,b"}, "Array(Enum8('a,b' = 1))", "['a,b']"},
	}
	for _, c := range cases {
		got, err := appendText(nil, reflect.ValueOf(c.v), parseType(c.typ), time.UTC, false)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, err, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseDSN_ReadsEveryOptionAndReportsAllProblems(t *testing.T) {
	cfg, err := ParseDSN("clickhouse://u:p%40ss@h1:9001,h2/wh?dial_timeout=2s&read_timeout=1m&max_open_conns=4&secure=true")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "u" || cfg.Password != "p@ss" || cfg.Database != "wh" || cfg.DialTimeout != 2*time.Second ||
		cfg.ReadTimeout != time.Minute || cfg.MaxOpenConns != 4 || cfg.TLS == nil ||
		len(cfg.Addr) != 2 || cfg.Addr[0] != "h1:9001" || cfg.Addr[1] != "h2:9000" {
		t.Fatalf("got %+v", cfg)
	}
	_, err = ParseDSN("clickhouse://h/db?dial_timeout=soon&colour=red")
	if err == nil || !contains(err.Error(), `dial_timeout="soon"`) || !contains(err.Error(), `unknown option "colour"`) {
		t.Fatalf("err = %v, want both problems", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestFormatTime_GivesUTCInstantsWhenTheQueryAskedForISO(t *testing.T) {
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	// 23:00 at -02:00 on 2019-02-16 is 01:00 UTC on the 17th.
	x := time.Date(2019, 2, 16, 23, 0, 0, 0, time.FixedZone("", -2*3600))
	tests := []struct {
		typ  string
		loc  *time.Location
		want string
	}{
		{"DateTime", isoUTC, "2019-02-17T01:00:00Z"},
		{"DateTime('America/Sao_Paulo')", isoUTC, "2019-02-17T01:00:00Z"},
		{"DateTime64(3)", isoUTC, "2019-02-17T01:00:00.000Z"},
		{"Date", isoUTC, "2019-02-16"},
		{"DateTime", sp, "2019-02-16 23:00:00"},
	}
	for _, tt := range tests {
		if got := formatTime(x, parseType(tt.typ), tt.loc); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.typ, got, tt.want)
		}
	}
}
