package engine

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// Golden compile tests, after Caddy's caddyfile_adapt: each file under
// testdata/compile holds a definition, the filter values given to it and the
// compiled query expected. `go test ./engine/ -run TestCompileGolden -update`
// rewrites the expected parts; review the diff before committing it.

var updateGolden = flag.Bool("update", false, "rewrite the expected part of the golden files under testdata/compile")

const (
	goldenFiltersSep  = "\n----- filters\n"
	goldenExpectedSep = "\n----------\n"
)

// goldenEnv is the fixed caller of every golden compile.
func goldenEnv(t testing.TB) CompileEnv {
	t.Helper()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	return CompileEnv{
		Tenant:   7,
		Location: loc,
		Now:      time.Date(2024, 3, 10, 12, 0, 0, 0, time.FixedZone("-03", -3*3600)),
		Tables:   []string{"calls", "contacts", "wallets"},
	}
}

func TestCompileGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "compile", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files under testdata/compile")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			defText, rest, ok := strings.Cut(text, goldenFiltersSep)
			if !ok {
				t.Fatalf("%s: no %q line", file, strings.TrimSpace(goldenFiltersSep))
			}
			filtersText, want, ok := strings.Cut(rest, goldenExpectedSep)
			if !ok {
				t.Fatalf("%s: no %q line", file, strings.TrimSpace(goldenExpectedSep))
			}
			d, ps := ParseDefinition(file, []byte(defText+"\n"))
			if len(ps) > 0 {
				t.Fatalf("the definition has problems:\n%v", ps)
			}
			inputs, err := goldenInputs(filtersText)
			if err != nil {
				t.Fatalf("filter values: %v", err)
			}
			got := renderCompiled(t, d, inputs)
			if *updateGolden {
				out := defText + goldenFiltersSep + filtersText + goldenExpectedSep + got
				if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("compiled output differs at %s (run with -update after checking the change)\n--- got\n%s--- want\n%s", firstDifference(got, want), got, want)
			}
		})
	}
}

// sqlParamRe finds the typed parameters the compiler writes into SQL.
var sqlParamRe = regexp.MustCompile(`\{([a-z][a-z0-9_]*):([^{}]+)\}`)

// renderCompiled compiles d and prints everything a backend would receive, in
// a stable order. A compile error is printed as `error: …`.
func renderCompiled(t *testing.T, d *Definition, inputs map[string]any) string {
	t.Helper()
	c, err := Compile(context.Background(), d, inputs, goldenEnv(t))
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	q := c.Query
	var b strings.Builder
	b.WriteString(q.SQL)
	b.WriteString("\n\nparams:\n")

	// Every placeholder in the SQL must have a value, with one type per name,
	// and every value must be used.
	types := map[string]string{}
	for _, m := range sqlParamRe.FindAllStringSubmatch(q.SQL, -1) {
		name, typ := m[1], m[2]
		if prev, ok := types[name]; ok && prev != typ {
			t.Errorf("parameter %s is typed both %s and %s", name, prev, typ)
		}
		types[name] = typ
		if _, ok := q.Params[name]; !ok {
			t.Errorf("parameter %s in the SQL has no value", name)
		}
	}
	names := make([]string, 0, len(q.Params))
	for name := range q.Params {
		if _, ok := types[name]; !ok {
			t.Errorf("parameter %s has a value but is not in the SQL", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "  %s: %s = %s\n", name, types[name], goldenText(q.Params[name]))
	}

	tables := make([]string, 0, len(q.TableFilters))
	for table, cond := range q.TableFilters {
		tables = append(tables, table+" ("+cond+")")
	}
	sort.Strings(tables)
	fmt.Fprintf(&b, "table filters: %d\n", len(tables))
	for _, s := range tables {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	fmt.Fprintf(&b, "time zone: %s\n", q.TimeZone)
	fmt.Fprintf(&b, "max rows: %d\n", q.MaxRows)
	settings := make([]string, 0, len(q.Settings))
	for k, v := range q.Settings {
		settings = append(settings, k+"="+v)
	}
	sort.Strings(settings)
	fmt.Fprintf(&b, "settings: %s\n", strings.Join(settings, ", "))
	return b.String()
}

// goldenInputs reads filter values as a caller sends them: scalars that look
// like dates stay text (yaml.v3 would make them time.Time).
func goldenInputs(text string) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	inputs := map[string]any{}
	if len(doc.Content) == 0 {
		return inputs, nil
	}
	var keepText func(n *yaml.Node)
	keepText = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!timestamp" {
			n.Tag = "!!str"
		}
		for _, c := range n.Content {
			keepText(c)
		}
	}
	keepText(doc.Content[0])
	if err := doc.Content[0].Decode(&inputs); err != nil {
		return nil, err
	}
	return inputs, nil
}

// goldenText keeps a parameter's text readable on one line: printable text as
// it is, anything else Go-quoted and marked.
func goldenText(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return "(quoted) " + strconv.Quote(s)
		}
	}
	return s
}

// firstDifference names the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("expected line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}
