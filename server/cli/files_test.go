package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun_RefusesAMissingOutputFolder(t *testing.T) {
	needWarehouse(t)
	dir := filepath.Join(t.TempDir(), "nonexistent", "dir")
	_, stderr, code := runRelato(t, nil, "run", "kpis.service_level", "--data", data, "--filter", "period=yesterday", "-o", filepath.Join(dir, "x.csv"))
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
	}
	if want := "the folder " + dir + " does not exist"; !strings.Contains(stderr, want) || strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 {
		t.Errorf("stderr %q, want one line containing %q", stderr, want)
	}
	if _, err := os.Stat(filepath.Dir(dir)); err == nil {
		t.Errorf("relato created %s", filepath.Dir(dir))
	}
}

func TestRun_FollowsTheUmaskAndLogsPlainLines(t *testing.T) {
	needWarehouse(t)
	for _, tt := range []struct {
		umask string
		want  os.FileMode
	}{
		{"022", 0o644}, // 0666 &^ 0022
		{"027", 0o640}, // 0666 &^ 0027
	} {
		out := filepath.Join(t.TempDir(), "sl.csv")
		cmd := exec.Command("sh", "-c", `umask `+tt.umask+` && exec "$0" "$@"`, relato, "run", "kpis.service_level", "--data", data, "--tenant", "1",
			"--filter", "period=last_7_days", "--filter", "interval=1d", "-o", out)
		began := time.Now()
		b, err := cmd.CombinedOutput() // stderr is a pipe, as in a log
		took := time.Since(began)
		if err != nil {
			t.Fatalf("umask %s: %v: %s", tt.umask, err, b)
		}
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != tt.want {
			t.Errorf("umask %s: file mode %v, want %v", tt.umask, st.Mode().Perm(), tt.want)
		}
		if strings.Contains(string(b), "\r") || !strings.HasSuffix(string(b), "\n") {
			t.Errorf("stderr to a pipe %q has a carriage return or no line end", b)
		}
		// A run shorter than the 10 s between progress lines in a log prints
		// its summary alone, not a progress line repeating its count first
		// (a slower run may print one: not checked then).
		if n := strings.Count(string(b), "kpis.service_level: 7 rows"); took < 10*time.Second && n != 1 {
			t.Errorf("stderr to a pipe %q: %d lines about the 7 rows, want the summary only", b, n)
		}
	}
}
