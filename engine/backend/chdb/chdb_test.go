package chdb_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/chsql"
)

var (
	sharedOnce sync.Once
	sharedB    *chdb.Backend
	sharedErr  error
)

// shared opens the package's one warehouse (chDB allows one per process).
func shared(t *testing.T) *chdb.Backend {
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chdb-test-")
		if err != nil {
			sharedErr = err
			return
		}
		sharedB, sharedErr = chdb.Open(dir)
	})
	if sharedErr != nil {
		if os.Getenv("CI") == "" {
			t.Skip(sharedErr)
		}
		t.Fatal(sharedErr)
	}
	return sharedB
}

func TestQuery_ScopesTablesBindsParamsAndRendersInTheSessionZone(t *testing.T) {
	b := shared(t)
	ctx := context.Background()
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS smoke",
		"CREATE TABLE IF NOT EXISTS smoke.t (tenant_id UInt32, name String, at DateTime) ENGINE = MergeTree ORDER BY tenant_id",
		"TRUNCATE TABLE smoke.t",
		// 03:00 UTC = 00:00 in São Paulo.
		"INSERT INTO smoke.t VALUES (1, 'a\tb\\\\c', 1704078000), (2, 'MARKER', 1704078000), (1, 'x''y', 1704164400)",
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(s, err)
		}
	}
	rows, err := b.Query(ctx, engine.Query{
		SQL:          "SELECT name, at, {p:String} AS p, NULL AS n FROM smoke.t WHERE name != {p:String} ORDER BY at",
		Params:       map[string]string{"p": chsql.EscapeParam("it's \\ me")},
		TableFilters: map[string]string{"smoke.t": "tenant_id = 1"},
		TimeZone:     "America/Sao_Paulo",
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		v := rows.Values()
		got = append(got, fmt.Sprintf("%s|%s|%s|%v", v[0], v[1], v[2], rows.IsNull(3)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	want := []string{"a\tb\\c|2024-01-01 00:00:00|it's \\ me|true", "x'y|2024-01-02 00:00:00|it's \\ me|true"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cols := rows.Columns(); cols[1].Type != "DateTime" || cols[3].Type != "Nullable(Nothing)" {
		t.Fatalf("columns %v", cols)
	}
	// Settings do not leak: the next plain query is unscoped and in UTC.
	out, err := b.QueryText(ctx, "SELECT count(), toString(min(at)) FROM smoke.t", "TabSeparated")
	if err != nil || strings.TrimSpace(string(out)) != "3\t2024-01-01 03:00:00" {
		t.Fatalf("unscoped count: %q %v", out, err)
	}
}

func TestQueryFormatted_WritesTheHeaderOnce(t *testing.T) {
	b := shared(t)
	r, err := b.QueryFormatted(context.Background(), engine.Query{SQL: "SELECT number AS n FROM numbers(300000)"}, "CSVWithNames")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if c := bytes.Count(data, []byte("\"n\"\n")); c != 1 {
		t.Fatalf("header appears %d times", c)
	}
	if lines := bytes.Count(data, []byte("\n")); lines != 300001 {
		t.Fatalf("%d lines, want 300001", lines)
	}
}

func TestQuery_AQuerysSettingsDoNotLeakIntoTheNext(t *testing.T) {
	b := shared(t)
	ctx := context.Background()
	text := func(q engine.Query) string {
		t.Helper()
		rows, err := b.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
		return string(rows.Values()[0])
	}
	// 1704078000 is 2024-01-01 03:00:00 UTC.
	q := engine.Query{SQL: "SELECT toDateTime(1704078000) AS at", TimeZone: "UTC"}
	iso := q
	iso.Settings = map[string]string{"date_time_output_format": "iso"}
	if got := text(iso); got != "2024-01-01T03:00:00Z" {
		t.Fatalf("with the setting: %q", got)
	}
	if got := text(q); got != "2024-01-01 03:00:00" {
		t.Fatalf("the next query without it: %q, want the default form back", got)
	}
	if _, err := b.Query(ctx, engine.Query{SQL: "SELECT 1", Settings: map[string]string{"no_such_setting": "1"}}); err == nil {
		t.Fatal("an unknown setting was accepted")
	}
}

func TestQueryFormatted_ReportsTheQuerysOwnProgressChunkByChunk(t *testing.T) {
	b := shared(t)
	var calls []engine.Progress
	ctx := engine.WithProgress(context.Background(), func(p engine.Progress) { calls = append(calls, p) })
	// 2,000,000 numbers, every 4th kept: 500,000 result rows, many chunks.
	r, err := b.QueryFormatted(ctx, engine.Query{SQL: "SELECT number FROM numbers(2000000) WHERE number % 4 = 0"}, "Native")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(calls) < 2 {
		t.Fatalf("progress called %d times; want once per chunk, several", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Rows <= calls[i-1].Rows {
			t.Fatalf("call %d: rows %d after %d; want growing", i, calls[i].Rows, calls[i-1].Rows)
		}
	}
	// The last count is the result: 500,000 UInt64 values of 8 bytes = 4,000,000 bytes.
	if last := calls[len(calls)-1]; last.Rows != 500_000 || last.ReadBytes != 4_000_000 {
		t.Errorf("last progress %+v; want 500000 rows, 4000000 bytes", last)
	}
}

// TestQueryToFile_AppendsAfterWhatTheFileHoldsAndCountsTheRows writes a
// scoped, parameterised result with settings that change the output form
// into a file that already holds a header, and checks the bytes, the count,
// and that the settings did not stay in the session.
func TestQueryToFile_AppendsAfterWhatTheFileHoldsAndCountsTheRows(t *testing.T) {
	b := shared(t)
	ctx := context.Background()
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS tofile",
		"CREATE TABLE IF NOT EXISTS tofile.t (tenant_id UInt32, n UInt32, at DateTime) ENGINE = MergeTree ORDER BY n",
		"TRUNCATE TABLE tofile.t",
		// 1704078000 is 2024-01-01 03:00:00 UTC, 00:00 in São Paulo (-03:00).
		"INSERT INTO tofile.t SELECT if(number % 2 = 0, 1, 2), number, 1704078000 + number FROM numbers(10)",
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(s, err)
		}
	}
	path := t.TempDir() + "/out.csv"
	if err := os.WriteFile(path, []byte("n;at\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := b.QueryToFile(ctx, engine.Query{
		SQL:          "SELECT n, at FROM tofile.t WHERE n < {max:UInt32} ORDER BY n",
		Params:       map[string]string{"max": "5"},
		TableFilters: map[string]string{"tofile.t": "tenant_id = 1"},
		TimeZone:     "America/Sao_Paulo",
		Settings: map[string]string{
			"format_custom_escaping_rule":       "Raw",
			"format_custom_field_delimiter":     ";",
			"format_custom_row_after_delimiter": "\r\n",
			"date_time_output_format":           "simple",
		},
	}, "CustomSeparated", path)
	if err != nil {
		t.Fatal(err)
	}
	// Tenant 1 holds the even n; below 5: 0, 2, 4 — 3 rows, at 00:00:00,
	// 00:00:02 and 00:00:04 in São Paulo.
	want := "n;at\r\n0;2024-01-01 00:00:00\r\n2;2024-01-01 00:00:02\r\n4;2024-01-01 00:00:04\r\n"
	got, _ := os.ReadFile(path)
	if rows != 3 || string(got) != want {
		t.Fatalf("%d rows, file %q; want 3 rows, %q", rows, got, want)
	}
	// The session keeps none of the query's settings.
	out, err := b.QueryText(ctx, "SELECT getSetting('format_custom_field_delimiter'), getSetting('date_time_output_format')", "TabSeparatedRaw")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "\t\tsimple\n" {
		t.Errorf("session settings after the query: %q, want the defaults (a tab, simple)", out)
	}
	if _, err := b.QueryToFile(ctx, engine.Query{SQL: "SELECT 1", Settings: map[string]string{"a b": "1"}}, "CSV", path); err == nil {
		t.Error("a setting name that is not an identifier was accepted")
	}
}
