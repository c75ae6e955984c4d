package cli_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The CLI is tested as users run it: a built binary in a child process.

var (
	relato string // path of the built binary
	data   string // a warehouse seeded at the test scale
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relato-cli-test-")
	if err != nil {
		panic(err)
	}
	relato = filepath.Join(dir, "relato")
	build := exec.Command("go", "build", "-o", relato, "github.com/relato/relato")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	data = filepath.Join(dir, "warehouse")
	code := 0
	if out, err := exec.Command(relato, "seed", "--data", data, "--scale", "test").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" || !bytes.Contains(out, []byte("libchdb.so not found")) {
			panic("seed: " + string(out))
		}
		data = "" // no embedded warehouse here: tests that need it skip
	}
	if code == 0 {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func needWarehouse(t *testing.T) {
	if data == "" {
		t.Skip("libchdb.so not available")
	}
}

func runRelato(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(relato, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestRun_BadInputExitsTwoWithOneClearLine(t *testing.T) {
	needWarehouse(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown report", nil, []string{"run", "kpis.nope", "--data", data}, `unknown report "kpis.nope"`},
		{"unknown filter", nil, []string{"run", "kpis.service_level", "--data", data, "--filter", "period=yesterday", "--filter", "colour=blue"}, `filter "colour": unknown filter`},
		{"wrong type", nil, []string{"run", "kpis.service_level", "--data", data, "--filter", "period=yesterday", "--filter", "threshold=20"}, `filter "threshold": invalid duration "20"`},
		{"impossible period", nil, []string{"run", "kpis.service_level", "--data", data, "--filter", "period=2024-03-05..2024-03-01"}, `filter "period": ends`},
		{"unknown wallet", nil, []string{"run", "kpis.service_level", "--data", data, "--filter", "period=yesterday", "--filter", "wallet=999999"}, `filter "wallet": unknown wallet 999999`},
		{"period over the e-mail extraction's 30 days", nil, []string{"run", "extraction.contact_emails", "--data", data, "--filter", "period=2024-01-01..2024-01-31"}, `filter "period": spans 31 days, more than the maximum of 30 days`},
		{"missing library", []string{"CHDB_LIB_PATH=/nonexistent/libchdb.so"}, []string{"run", "kpis.service_level", "--data", data, "--filter", "period=yesterday"}, "libchdb.so not found at /nonexistent/libchdb.so: run `make chdb`"},
		{"unreachable server", nil, []string{"run", "kpis.service_level", "--warehouse", "clickhouse://127.0.0.1:1/wh", "--filter", "period=yesterday"}, "127.0.0.1:1: connection refused"},
		{"unknown format", nil, []string{"run", "kpis.service_level", "--data", data, "--format", "pdf"}, `unknown format "pdf"`},
		{"unknown flag", nil, []string{"run", "kpis.service_level", "--colour"}, "flag provided but not defined: -colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.csv")
			_, stderr, code := runRelato(t, tc.env, append(tc.args, "-o", out)...)
			if code != 2 {
				t.Fatalf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 {
				t.Fatalf("stderr is not one line:\n%s", stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q does not contain %q", stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatalf("a failed run left %s behind", out)
			}
		})
	}
}

func TestRun_WritesTheReportAndReportsProgress(t *testing.T) {
	needWarehouse(t)
	out := filepath.Join(t.TempDir(), "sl.csv")
	// The test scale covers the 21 days before its end date (today).
	_, stderr, code := runRelato(t, nil, "run", "kpis.service_level", "--data", data, "--tenant", "1",
		"--filter", "period=last_7_days", "--filter", "interval=1d", "--format", "csv", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "kpis.service_level: 7 rows") {
		t.Fatalf("progress/summary line missing: %q", stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 || recs[0][0] != "Intervalo" || recs[0][7] != "NS (%)" {
		t.Fatalf("unexpected CSV: header %v, %d records", recs[0], len(recs))
	}
}

func TestLint_PrintsEveryProblemWithItsPosition(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "kpis"), 0o755)
	bad := "id: kpis.bad\nversion: 1\ntitle: Bad\ncategory: kpis\ncolour: red\nlimits: {max_rows: 10, timeout: 1m}\nquery: |\n  SELECT 1 AS x FROM wh.calls WHERE y = {nope}\ncolumns:\n  - {name: x, type: int, label: X}\n"
	os.WriteFile(filepath.Join(dir, "kpis", "bad.yaml"), []byte(bad), 0o644)
	stdout, _, code := runRelato(t, nil, "lint", "--offline", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		filepath.Join(dir, "kpis/bad.yaml") + `:5:1: unknown field "colour"`,
		filepath.Join(dir, "kpis/bad.yaml") + `:8:41: query: unknown placeholder {nope}`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lint output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestTest_RunsTheBuiltInFixtures(t *testing.T) {
	needWarehouse(t)
	stdout, stderr, code := runRelato(t, nil, "test")
	if code != 0 || !strings.Contains(stdout, " passed, 0 failed") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestRun_EveryCatalogReportRunsOnTheSeededWarehouse(t *testing.T) {
	needWarehouse(t)
	out, _, code := runRelato(t, nil, "catalog")
	if code != 0 {
		t.Fatal("catalog failed")
	}
	ids := regexp.MustCompile("(?m)^### .* — `([a-z_.]+)` \\(v").FindAllStringSubmatch(out, -1)
	if len(ids) < 31 {
		t.Fatalf("catalog lists %d reports", len(ids))
	}
	firstID := func(table, col string) string {
		o, _, _ := runRelato(t, nil, "sql", "--data", data, "--format", "TabSeparated", "SELECT "+col+" FROM wh."+table+" WHERE tenant_id = 1 ORDER BY "+col+" LIMIT 1")
		return strings.TrimSpace(o)
	}
	for _, m := range ids {
		id := m[1]
		t.Run(id, func(t *testing.T) {
			args := []string{"run", id, "--data", data, "--tenant", "1", "-o", filepath.Join(t.TempDir(), "out.csv")}
			_, info, _ := runRelato(t, nil, "run", id, "--data", data)
			// Fill what the report requires: a period within its maximum, a pipeline.
			if strings.Contains(info, `filter "period": is required`) {
				args = append(args, "--filter", "period=last_7_days")
			}
			if strings.Contains(info, `filter "pipeline": is required`) {
				args = append(args, "--filter", "pipeline="+firstID("pipelines", "pipeline_id"))
			}
			_, stderr, code := runRelato(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, id+": ") || !strings.Contains(stderr, " rows") {
				t.Fatalf("no summary line: %s", stderr)
			}
		})
	}
}

func TestCatalog_TheCommittedCatalogPageIsCurrent(t *testing.T) {
	out, _, code := runRelato(t, nil, "catalog", "--lang", "en")
	if code != 0 {
		t.Fatal("catalog failed")
	}
	committed, err := os.ReadFile("../../definitions/CATALOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != out {
		t.Fatal("definitions/CATALOG.md is out of date: run `bin/relato catalog --lang en -o definitions/CATALOG.md`")
	}
}

func TestLint_WarnsAtTheLineOfAnUnannotatedPhoneColumn(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "contacts"), 0o755)
	def := "id: contacts.phones\nversion: 1\ntitle: Phones\ncategory: contacts\nlimits: {max_rows: 10, timeout: 1m}\nquery: |\n  SELECT phone FROM wh.contacts\ncolumns:\n  - {name: phone, type: string, label: Phone}\n"
	os.WriteFile(filepath.Join(dir, "contacts", "phones.yaml"), []byte(def), 0o644)
	stdout, stderr, code := runRelato(t, nil, "lint", "--offline", dir)
	// A warning does not fail lint; the column's mapping opens at line 9, column 5.
	if code != 0 {
		t.Fatalf("exit %d, want 0 (a warning is not a problem)\n%s%s", code, stdout, stderr)
	}
	want := filepath.Join(dir, "contacts/phones.yaml") + `:9:5: warning: column "phone" looks like personal data (phone)`
	if !strings.Contains(stdout, want) {
		t.Errorf("lint output lacks %q:\n%s", want, stdout)
	}
}
