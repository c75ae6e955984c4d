package export_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/export"
)

// bothPaths writes comp in f through the writer (the warehouse-rendered
// paths off), streamed with them on, and into a file with them on (where the
// embedded warehouse writes the lines itself), checks that the streamed and
// the file's bytes and results are the same, and reports whether the
// warehouse rendered them.
func bothPaths(t *testing.T, b engine.Backend, comp *engine.Compiled, f export.Format, lang string) (writer, rendered []byte, byWarehouse bool) {
	t.Helper()
	ctx := context.Background()
	var w, r bytes.Buffer
	*export.SQLRendered = false
	resW, err := export.Run(ctx, b, comp, f, lang, &w, nil)
	*export.SQLRendered = true
	if err != nil {
		t.Fatalf("%s %s through the writer: %v", comp.Def.ID, f.ID, err)
	}
	before := export.SQLRenderedRuns.Load()
	resR, err := export.Run(ctx, b, comp, f, lang, &r, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", comp.Def.ID, f.ID, err)
	}
	if resW != resR {
		t.Errorf("%s %s: result %+v through the writer, %+v rendered", comp.Def.ID, f.ID, resW, resR)
	}
	streamed := export.SQLRenderedRuns.Load() > before
	// A file: the warehouse appends the lines to the writer's header.
	file, err := os.Create(filepath.Join(t.TempDir(), "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	before = export.SQLRenderedRuns.Load()
	var progressed int64 = -1
	resF, err := export.Run(ctx, b, comp, f, lang, file, func(n int64) { progressed = n })
	if err != nil {
		t.Fatalf("%s %s into a file: %v", comp.Def.ID, f.ID, err)
	}
	inFile := export.SQLRenderedRuns.Load() > before
	if inFile != streamed {
		t.Errorf("%s %s: rendered by the warehouse streamed %v, into a file %v", comp.Def.ID, f.ID, streamed, inFile)
	}
	if resF != resW || progressed != resW.Rows {
		t.Errorf("%s %s: result %+v (progress %d) into a file, %+v through the writer", comp.Def.ID, f.ID, resF, progressed, resW)
	}
	fileBytes, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fileBytes, r.Bytes()) {
		t.Errorf("%s %s %s: the file differs from the streamed bytes\nfile:\n%q\nstreamed:\n%q", comp.Def.ID, f.ID, lang, fileBytes, r.Bytes())
	}
	return w.Bytes(), r.Bytes(), streamed
}

const edges = `id: test.edges
version: 1
title: {pt-BR: Bordas, en: Edges}
category: test
limits: {max_rows: %d, timeout: 1m}
query: |
  SELECT n, s, f, at, u, day, ok, flag, lc, f32, plain FROM (
    SELECT arrayJoin(range(22)) AS k,
      [toInt64(0), -1, 9223372036854775807, -9223372036854775808, 42, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23][k + 1] AS n,
      [NULL, '', 'plain', 'a,b', 'say "hi"', 'line' || char(10) || 'break', 'cr' || char(13), ' lead', 'trail ', char(9) || 'tab', 'tab' || char(9),
       '=1+1', '+5511999990000', '-x', '@sum', char(13) || '=r', 'Ação', unhex('FF41'), '''quoted''', '=a,b', '"=x', 'çé'][k + 1] AS s,
      [toFloat64(0), -0., 1.5, -2.25, 1e-7, -1.5e-10, 1e21, 1.2345e22, 1e300, 5e-324, 0/0, 1/0, -1/0, 123456789.125, 0.1, 100, -100, 3.5e-5, 2.5e15, 1e15, 1e16, 99.99][k + 1] AS f,
      toDateTime('1970-01-01 00:00:00', 'UTC') + [0, 1, 86399, 951782400, 1709251199, 1709251200, 4294967295,
        1550365199, 1550365200, 1550368799, 1550368800, 1550372399, 1550372400, 1730610000, 1730613600, 1730617199, 1730617200,
        1712413800, 1712415600, 1712417399, 1712417400, 1710054000][k + 1] AS at,
      if(k %% 3 = 0, NULL, toUInt64(18446744073709551615) - k) AS u,
      if(k %% 5 = 4, NULL, CAST('1970-01-01' AS Date) + k * 2000) AS day,
      if(k %% 4 = 3, NULL, k %% 2 = 0) AS ok,
      toUInt8(k %% 3) AS flag,
      toLowCardinality(s) AS lc,
      toFloat32([1.5, -0.1, 1e-7, 3.4e38, nan, 7][k %% 6 + 1]) AS f32,
      if(k %% 6 = 5, NULL, toDateTime(toUInt32(1710037800 + k * 7777))) AS plain
  ) ORDER BY k
columns:
  - {name: n, type: int, label: {pt-BR: "Número", en: Number}}
  - {name: s, type: string, label: {pt-BR: "Texto, com vírgula", en: Text}}
  - {name: f, type: number, label: {pt-BR: Valor, en: Value}}
  - {name: at, type: datetime, label: {pt-BR: Quando, en: When}}
  - {name: u, type: number, label: {pt-BR: Grande, en: Big}}
  - {name: day, type: date, label: {pt-BR: Dia, en: Day}}
  - {name: ok, type: bool, label: {pt-BR: Ok, en: Ok}}
  - {name: flag, type: bool, label: {pt-BR: Sinal, en: Flag}}
  - {name: lc, type: string, label: {pt-BR: Pouca cardinalidade, en: Low cardinality}}
  - {name: f32, type: number, label: {pt-BR: Float32, en: Float32}}
  - {name: plain, type: datetime, label: {pt-BR: "Data sem zona", en: "Date-time without zone"}}
`

// TestRun_TheWarehouseRendersCSVByteForByteAsTheWriter writes values at the
// edges of each rendering rule — formula starts, quotes, separators, line
// breaks, blanks at either end, invalid UTF-8, exponent forms, nan and inf,
// the extremes of integer types and of DateTime — both ways, in both CSV
// dialects the warehouse renders, in UTC and in a fixed-offset zone, and
// cut at max_rows.
func TestRun_TheWarehouseRendersCSVByteForByteAsTheWriter(t *testing.T) {
	b := enginetest.ChDB(t)
	for _, tc := range []struct {
		zone string
		max  int
	}{{"UTC", 1000}, {"Etc/GMT+3", 1000}, {"UTC", 5},
		// Zones that set their clocks back: the instants above include the
		// two hours around São Paulo's 2019-02-17 02:00 UTC change (-02:00 →
		// -03:00: 01:00–02:59:59 UTC are ambiguous, 00:59:59 and 03:00 are
		// not), New York's 2024-11-03 06:00 UTC one, Lord Howe's half hour
		// (+11:00 → +10:30 at 2024-04-06 15:00 UTC) and New York's spring
		// forward (2024-03-10 07:00 UTC, never ambiguous).
		{"America/Sao_Paulo", 1000}, {"America/New_York", 1000}, {"Australia/Lord_Howe", 1000}} {
		d, ps := engine.ParseDefinition("test/edges.yaml", []byte(fmt.Sprintf(edges, tc.max)))
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		loc, _ := time.LoadLocation(tc.zone)
		comp, err := engine.Compile(context.Background(), d, nil, engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables()})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []export.Format{export.CSV, export.CSVExact} {
			for _, lang := range []string{"pt-BR", "en"} {
				w, r, byWarehouse := bothPaths(t, b, comp, f, lang)
				if !byWarehouse {
					t.Fatalf("%s %s %s: the warehouse did not render the file", tc.zone, f.ID, lang)
				}
				if !bytes.Equal(w, r) {
					t.Errorf("%s max %d %s %s: files differ\nwriter:\n%q\nrendered:\n%q", tc.zone, tc.max, f.ID, lang, w, r)
				}
			}
		}
	}
}

// TestRun_EveryCatalogReportIsByteIdenticalInEveryFormat writes every
// catalog report's result over the seeded test data, in São Paulo and UTC, in
// each format the warehouse may render through the writer and through the
// path Run chooses, and compares the bytes.
func TestRun_EveryCatalogReportIsByteIdenticalInEveryFormat(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
	opt, _ := seed.Scale("test")
	opt.End = end
	if err := seed.Seed(ctx, b, opt); err != nil {
		t.Fatal(err)
	}
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		t.Fatal(err)
	}
	rendered := 0
	for _, def := range cat.List() {
		for _, zone := range []string{"America/Sao_Paulo", "UTC"} {
			loc, _ := time.LoadLocation(zone)
			filters := map[string]any{}
			if def.Filter("period") != nil {
				filters["period"] = "2024-02-28..2024-03-19"
			}
			if def.Filter("pipeline") != nil {
				filters["pipeline"] = 1
			}
			comp, err := engine.Compile(ctx, def, filters, engine.CompileEnv{Tenant: 1, Location: loc, Now: end, Tables: schema.Tables(), Lookups: nil})
			if err != nil {
				t.Errorf("%s: compile: %v", def.ID, err)
				continue
			}
			// The other formats (csv-excel, xlsx) have one path, the writer.
			for _, f := range []export.Format{export.CSV, export.CSVExact} {
				w, r, byWarehouse := bothPaths(t, b, comp, f, "pt-BR")
				if byWarehouse {
					rendered++
				}
				if !bytes.Equal(w, r) {
					t.Errorf("%s in %s, %s: files differ (%d vs %d bytes)", def.ID, zone, f.ID, len(w), len(r))
				}
			}
		}
	}
	t.Logf("%d files rendered by the warehouse", rendered)
}
