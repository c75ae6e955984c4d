// Package plugintest holds shared helpers for plugin tests: building plugin
// binaries once per test binary, installing them with a manifest, and the
// embedded warehouse with relato's schema. The purpose-built bad plugins the
// fault tests use live under bad/.
package plugintest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/plugins/host"
)

var (
	buildMu  sync.Mutex
	built    = map[string]string{}
	buildDir string
)

// Build compiles the main package pkg (an import path such as
// github.com/relato/relato/examples/plugins/scorecard) once per test binary
// and returns the binary's path.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "relato-plugins-")
		if err != nil {
			tb.Fatal(err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built[pkg] = out
	return out
}

// Cleanup removes the built binaries; call it from TestMain after m.Run.
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// Sum is the hex sha256 of the file at path.
func Sum(tb testing.TB, path string) string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Install copies binary into dir as name and writes name.plugin.json for
// report id with the binary's checksum. It returns the installed binary's path.
func Install(tb testing.TB, dir, name, binary, id string, version int, tenants ...uint32) string {
	tb.Helper()
	dst := filepath.Join(dir, name)
	data, err := os.ReadFile(binary)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		tb.Fatal(err)
	}
	m := host.Manifest{ID: id, Version: version, Binary: name, SHA256: Sum(tb, dst), Tenants: tenants}
	if err := host.WriteManifest(filepath.Join(dir, name+host.ManifestSuffix), m); err != nil {
		tb.Fatal(err)
	}
	return dst
}

var (
	whOnce sync.Once
	whErr  error
)

// Warehouse is the test binary's embedded warehouse with relato's schema
// created (once). Tests insert their own rows into tables they clear first.
func Warehouse(tb testing.TB) *chdb.Backend {
	tb.Helper()
	b := enginetest.ChDB(tb)
	whOnce.Do(func() {
		for _, st := range schema.Statements() {
			if strings.TrimSpace(st) == "" {
				continue
			}
			if whErr = b.Exec(context.Background(), st); whErr != nil {
				return
			}
		}
	})
	if whErr != nil {
		tb.Fatalf("creating the warehouse schema: %v", whErr)
	}
	return b
}
