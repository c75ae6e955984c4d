package main

import (
	"errors"
	"go/build"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the import path of this repository.
const module = "github.com/relato/relato"

// importRule is what a package doc says a package may import. Paths are
// relative to the module ("server/api"); "x/..." is x and everything under
// it; "..." is every package of the module; a path with no module package
// of that name ("net/http") is a standard-library one.
type importRule struct {
	pkg string // the package the rule is about; "engine/..." covers sub-packages
	doc string // the file whose package doc states the rule
	// forbid lists imports the package's non-test files must not have.
	forbid []string
	// only, when set, lists the module packages its non-test files may
	// import, besides its own sub-packages (runs → runs/migrations).
	only []string
}

// importerRule is what a package doc says about who imports a package:
// only the listed packages' non-test files, and tests (_test.go files and
// the test-helper packages, named *test, like servertest).
type importerRule struct {
	pkg, doc  string
	importers []string
	// testsOnly: only tests import it (no listed importers).
	testsOnly bool
}

var importRules = []importRule{
	{pkg: "engine/i18n", doc: "engine/i18n/doc.go", forbid: []string{"..."}}, // the standard library and golang.org/x/text only
	{pkg: "engine/...", doc: "engine/doc.go", forbid: []string{"server/...", "delivery/...", "plugins/..."}},
	{pkg: "engine/backend/chdb", doc: "engine/backend/chdb/chdb.go", only: []string{"engine/..."}},
	{pkg: "engine/backend/remote", doc: "engine/backend/remote/remote.go", only: []string{"engine/..."}},
	{pkg: "engine/export", doc: "engine/export/doc.go", only: []string{"engine", "engine/writer"}},
	{pkg: "engine/writer", doc: "engine/writer/doc.go", forbid: []string{"server/...", "delivery/...", "plugins/..."}},
	{pkg: "delivery", doc: "delivery/doc.go", only: []string{"engine/i18n"}}, // the standard library, the protocol clients and the message catalog only
	{pkg: "plugins/sdk", doc: "plugins/sdk/doc.go", forbid: []string{"..."}},
	{pkg: "plugins/host", doc: "plugins/host/doc.go", only: []string{"engine/...", "plugins/sdk"}},
	{pkg: "definitions/schema", doc: "definitions/schema/schema.go", forbid: []string{"..."}},
	{pkg: "definitions/seed", doc: "definitions/seed/seed.go", only: []string{"definitions/schema", "engine/chsql"}},
	{pkg: "server/auth", doc: "server/auth/auth.go", forbid: []string{"server/api", "server/web", "net/http"}},
	{pkg: "server/snapshot", doc: "server/snapshot/snapshot.go", only: []string{"engine/..."}, forbid: []string{"net/http"}},
	{pkg: "server/runs", doc: "server/runs/doc.go", only: []string{"server/database"}, forbid: []string{"net/http"}},
	{pkg: "server/runs/migrations", doc: "server/runs/migrations/migrations.go", only: []string{"server/database"}},
	{pkg: "server/database", doc: "server/database/doc.go", forbid: []string{"..."}},
	{pkg: "server/schedules", doc: "server/schedules/doc.go", only: []string{"delivery", "server/database", "server/runs", "engine/export", "engine/i18n"}, forbid: []string{"server/api"}},
	{pkg: "server/reporting", doc: "server/reporting/doc.go", forbid: []string{"server/api", "server/web", "net/http"}},
	{pkg: "server/web", doc: "server/web/doc.go", forbid: []string{"server/..."}},
}

var importerRules = []importerRule{
	{pkg: "server/api", doc: "server/instance/instance.go", importers: []string{"server/instance"}},
	{pkg: "server/instance", doc: "server/instance/instance.go", importers: []string{"server/servertest", "server/cli"}},
	{pkg: "engine/enginetest", doc: "engine/enginetest/clickhouse.go", testsOnly: true},
	{pkg: "engine/enginetest/chhttp", doc: "engine/enginetest/chhttp/chhttp.go", importers: []string{"engine/enginetest/chhttp/warehoused"}},
	{pkg: "server/runs/runstest", doc: "server/runs/runstest/postgres.go", testsOnly: true},
}

// modulePackages reads every package of the repository with go/build: its
// path relative to the module, and the imports of its non-test files and of
// its test files.
func modulePackages(t *testing.T) map[string]*build.Package {
	t.Helper()
	pkgs := map[string]*build.Package{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "bin") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return err
		}
		pkgs[filepath.ToSlash(path)] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// matches reports whether pkg (relative to the module, or a standard one)
// matches the pattern of an importRule.
func matches(pattern, pkg string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// local is imp relative to the module, and whether it is a module package.
func local(imp string) (string, bool) {
	if imp == module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(imp, module+"/")
	return rel, ok
}

func isTestHelper(pkg string) bool { return strings.HasSuffix(pkg, "test") }

// checkImports returns every broken rule as "pkg imports imp: doc says …".
func checkImports(pkgs map[string]*build.Package, rules []importRule, importers []importerRule) []string {
	var broken []string
	names := slices.Sorted(maps.Keys(pkgs))
	for _, r := range rules {
		for _, name := range names {
			if !matches(r.pkg, name) {
				continue
			}
			for _, imp := range pkgs[name].Imports {
				rel, inModule := local(imp)
				if inModule && (rel == name || strings.HasPrefix(rel, name+"/")) {
					continue // itself and its own sub-packages
				}
				for _, f := range r.forbid {
					if inModule && matches(f, rel) || !inModule && f == imp {
						broken = append(broken, name+" imports "+imp+": "+r.doc+" forbids "+f)
					}
				}
				if r.only != nil && inModule && !slices.ContainsFunc(r.only, func(a string) bool { return matches(a, rel) }) {
					broken = append(broken, name+" imports "+imp+": "+r.doc+" allows only "+strings.Join(append([]string{"its own sub-packages"}, r.only...), ", "))
				}
			}
		}
	}
	for _, r := range importers {
		for _, name := range names {
			if name == r.pkg || slices.Contains(r.importers, name) || isTestHelper(name) {
				continue
			}
			if !slices.Contains(pkgs[name].Imports, module+"/"+r.pkg) {
				continue
			}
			if r.testsOnly {
				broken = append(broken, name+" imports "+r.pkg+": "+r.doc+" says only tests import it")
			} else {
				broken = append(broken, name+" imports "+r.pkg+": "+r.doc+" says only "+strings.Join(r.importers, " and ")+" (and tests) import it")
			}
		}
	}
	return broken
}

// TestImports_FollowThePackageDocs checks the import rules the package docs
// state (each rule names its doc): a doc that states a rule is a promise the
// code keeps. Only non-test files count; tests may import what they test
// with.
func TestImports_FollowThePackageDocs(t *testing.T) {
	pkgs := modulePackages(t)
	for _, r := range importRules {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(pkgs)), func(name string) bool { return matches(r.pkg, name) }) {
			t.Errorf("rule for %s (%s): no such package; update the rule with the package", r.pkg, r.doc)
		}
	}
	for _, r := range importerRules {
		if pkgs[r.pkg] == nil {
			t.Errorf("rule for %s (%s): no such package; update the rule with the package", r.pkg, r.doc)
		}
	}
	for _, b := range checkImports(pkgs, importRules, importerRules) {
		t.Error(b)
	}
}

// TestImports_ABrokenRuleIsReported checks the checker on made-up packages:
// each forbidden edge is reported once, allowed ones are not.
func TestImports_ABrokenRuleIsReported(t *testing.T) {
	pkg := func(imports ...string) *build.Package {
		p := &build.Package{}
		for _, i := range imports {
			if i != "net/http" {
				i = module + "/" + i
			}
			p.Imports = append(p.Imports, i)
		}
		return p
	}
	pkgs := map[string]*build.Package{
		"engine":                 pkg("engine/chsql", "server/runs"),
		"engine/chsql":           pkg(),
		"server/runs":            pkg("server/runs/migrations", "engine", "net/http"),
		"server/runs/migrations": pkg(),
		"server/web":             pkg("server/api"),
		"server/api":             pkg("server/runs"),
		"server/instance":        pkg("server/api"),
		"server/servertest":      pkg("server/instance", "engine/enginetest"),
		"engine/enginetest":      pkg(),
		"server/cli":             pkg("engine/enginetest"),
	}
	got := checkImports(pkgs,
		[]importRule{
			{pkg: "engine/...", doc: "e", forbid: []string{"server/..."}},
			{pkg: "server/runs", doc: "r", only: []string{}, forbid: []string{"net/http"}},
		},
		[]importerRule{
			{pkg: "server/api", doc: "i", importers: []string{"server/instance"}},
			{pkg: "engine/enginetest", doc: "t", testsOnly: true},
		})
	want := []string{
		"engine imports " + module + "/server/runs: e forbids server/...",
		"server/runs imports " + module + "/engine: r allows only its own sub-packages",
		"server/runs imports net/http: r forbids net/http",
		"server/web imports server/api: i says only server/instance (and tests) import it",
		"server/cli imports engine/enginetest: t says only tests import it",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("broken rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
