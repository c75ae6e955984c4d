package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One broken definition per failure mode, after Prometheus' rules/testdata/*.bad.yaml:
// testdata/bad/NAME.bad.yaml must produce exactly the lines of NAME.err, every
// problem of the file together, each at file:line:col of the offending token.
// The .err files are written by hand; there is no -update for them.
func TestParseDefinition_BadFilesReportEveryProblemAtItsToken(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d bad definitions, expected one per failure mode (30 or more)", len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".bad.yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, ps := ParseDefinition(name, data)
			var got []string
			for _, p := range ps {
				got = append(got, p.Error())
			}
			wantText, err := os.ReadFile(strings.TrimSuffix(file, ".bad.yaml") + ".err")
			if err != nil {
				t.Fatalf("no expected problems: %v; the definition produced:\n%s", err, strings.Join(got, "\n"))
			}
			want := strings.Split(strings.TrimRight(string(wantText), "\n"), "\n")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems differ\n--- got (%d)\n%s\n--- want (%d)\n%s", len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
			}
		})
	}
}

// The base every bad file breaks must itself be clean, or the bad files would
// test two things at once.
func TestParseDefinition_BadFilesBaseIsClean(t *testing.T) {
	const base = `id: bad.example
version: 1
title: {pt-BR: Exemplo}
category: bad
filters:
  - {name: period, type: period, required: true}
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT call_id FROM wh.calls
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
`
	if _, ps := ParseDefinition("base.yaml", []byte(base)); len(ps) > 0 {
		t.Fatalf("the base definition has problems:\n%v", ps)
	}
}

// LoadCatalog gathers the problems of every file of a folder, sorted by file
// and position, instead of stopping at the first broken file.
func TestLoadCatalog_ReportsProblemsOfAllFilesTogether(t *testing.T) {
	_, err := LoadCatalog(os.DirFS("testdata/bad"), ".", "bad")
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("got %T %v, want Problems", err, err)
	}
	files := map[string]bool{}
	for _, p := range ps {
		files[p.Pos.File] = true
	}
	for _, f := range []string{"bad/invalid_yaml.bad.yaml", "bad/not_a_mapping.bad.yaml", "bad/table_function.bad.yaml", "bad/many_problems.bad.yaml"} {
		if !files[f] {
			t.Errorf("no problem reported for %s", f)
		}
	}
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1].Pos, ps[i].Pos
		if a.File > b.File || (a.File == b.File && (a.Line > b.Line || (a.Line == b.Line && a.Col > b.Col))) {
			t.Errorf("problems out of order: %v before %v", ps[i-1], ps[i])
		}
	}
}

// YAML reads an unquoted 2024-02-29 as a timestamp; a date or datetime default
// written that way must mean the same as the quoted text.
func TestParseDefinition_AcceptsUnquotedDateDefaults(t *testing.T) {
	const src = `id: good.dates
version: 1
title: {pt-BR: Datas}
category: good
filters:
  - {name: day, type: date, default: 2024-02-29}
  - {name: since, type: datetime, default: 2024-02-29T10:00:00}
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT call_id FROM wh.calls
  WHERE call_date = {day} AND entered_queue_at >= {since}
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
`
	d, ps := ParseDefinition("dates.yaml", []byte(src))
	if len(ps) > 0 {
		t.Fatalf("unquoted date defaults refused:\n%v", ps)
	}
	c, err := Compile(context.Background(), d, nil, goldenEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	// 2024-02-29T10:00:00 has no zone: it is São Paulo time (-03), 13:00 UTC.
	for name, want := range map[string]string{"f_day": "2024-02-29", "f_since": "2024-02-29 13:00:00"} {
		if got := c.Query.Params[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
