package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// -o naming a link writes the file the link points to and keeps the link;
// -o naming a FIFO writes into it. Renaming the finished file over either
// replaced it (with -o /dev/stdout as root, the device's link itself).
func TestRun_WritesThroughALinkAndIntoAPipe(t *testing.T) {
	needWarehouse(t)
	args := []string{"run", "kpis.service_level", "--data", data, "--tenant", "1",
		"--filter", "period=last_7_days", "--filter", "interval=1d"}
	want, stderr, code := runRelato(t, nil, args...)
	if code != 0 || want == "" {
		t.Fatalf("to stdout: exit %d: %s", code, stderr)
	}
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.csv"), filepath.Join(dir, "link.csv")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runRelato(t, nil, append(args, "-o", link)...); code != 0 {
		t.Fatalf("-o link: exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("-o link: %s is no longer a link (%v, %v)", link, st.Mode(), err)
	}
	if got, _ := os.ReadFile(real); string(got) != want {
		t.Errorf("-o link: the linked file holds %d bytes, want stdout's %d", len(got), len(want))
	}

	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(fifo) // blocks until relato opens the pipe
		got <- b
	}()
	if _, stderr, code := runRelato(t, nil, append(args, "-o", fifo)...); code != 0 {
		t.Fatalf("-o fifo: exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("-o fifo: %s is no longer a pipe (%v, %v)", fifo, st.Mode(), err) // the reader waits on the old pipe
	}
	if b := <-got; string(b) != want {
		t.Errorf("-o fifo: read %d bytes from the pipe, want stdout's %d", len(b), len(want))
	}
}

// A target whose name nearly fills a folder entry (255 bytes) is written:
// the part file beside it took ".", 13 random characters and ".part" more,
// over the limit ("file name too long").
func TestRun_WritesAFileWithALongName(t *testing.T) {
	needWarehouse(t)
	out := filepath.Join(t.TempDir(), strings.Repeat("x", 250)+".csv") // 254 bytes
	if _, stderr, code := runRelato(t, nil, "run", "kpis.service_level", "--data", data, "--tenant", "1",
		"--filter", "period=last_7_days", "--filter", "interval=1d", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The header and one line per day of the 7 days.
	if n := strings.Count(string(b), "\n"); n != 8 {
		t.Errorf("%d lines, want 8 (header + 7 days)", n)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.part"))
	if len(left) != 0 {
		t.Errorf("part files left behind: %v", left)
	}
}

// bigDef is a report of 30M generated rows (7–9 s here): long enough to be interrupted.
const bigDef = `id: test.big
version: 1
title: {pt-BR: Grande, en: Big}
category: test
limits: {max_rows: 100000000, timeout: 5m}
query: |
  SELECT toUInt64(arrayJoin(range(30000000))) AS n
columns:
  - {name: n, type: int, label: {pt-BR: N, en: N}}
`

// TestRun_AnInterruptedRunLeavesTheOldFileAndFails sends SIGINT to a run
// writing 30M rows into an existing file, a second after it starts, several
// times: the run must fail (exit 2) and the file keep its old content. The
// warehouse's own handlers used to take the signal and end the query as if
// it had no more rows, and the run "succeeded" with a header-only file.
func TestRun_AnInterruptedRunLeavesTheOldFileAndFails(t *testing.T) {
	needWarehouse(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "defs", "test"), 0o755)
	os.WriteFile(filepath.Join(dir, "defs", "test", "big.yaml"), []byte(bigDef), 0o644)
	out := filepath.Join(dir, "out.csv")
	for i, delay := range []time.Duration{700 * time.Millisecond, 1500 * time.Millisecond} {
		if err := os.WriteFile(out, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(relato, "run", "test.big", "--definitions", filepath.Join(dir, "defs"), "--data", data, "-o", out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(os.Interrupt)
		err := cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		got, _ := os.ReadFile(out)
		if err == nil || code == 0 || string(got) != "old\n" {
			t.Errorf("try %d (SIGINT after %s): exit %d, file %.40q; want a failure and the old file\n%s", i, delay, code, got, stderr.String())
		}
	}
}
