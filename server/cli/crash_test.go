package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type served struct {
	cmd   *exec.Cmd
	url   string
	token string
}

func startServe(t *testing.T, db, addr string, extra ...string) served {
	t.Helper()
	cmd := exec.Command(relato, append([]string{"serve", "--data", data, "--db", db, "--addr", addr, "--demo", "--workers", "2", "--lease", "3s"}, extra...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that fails half-way must not leave a server holding the shared
	// warehouse's lock (every later test of the package would fail on it).
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	s := served{cmd: cmd, url: "http://" + addr}
	sc := bufio.NewScanner(stderr)
	deadline := time.After(30 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for s.token == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("relato serve exited")
			}
			if _, tok, ok := strings.Cut(l, "token: "); ok && strings.Contains(l, "admin") {
				s.token = strings.Fields(tok)[0]
			}
		case <-deadline:
			t.Fatal("relato serve did not start")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return s
}

func (s served) call(t *testing.T, method, path string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestServe_AKilledServerLosesNoAcceptedRun submits runs, kills `relato serve`
// with SIGKILL while they wait or run, restarts it on the same store and
// checks every accepted run ends, once.
func TestServe_AKilledServerLosesNoAcceptedRun(t *testing.T) {
	needWarehouse(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "relato.db")
	s := startServe(t, db, addr)
	var ids []string
	for i := 0; i < 24; i++ {
		filters := map[string]any{"period": "last_7_days"}
		if i%3 != 0 {
			filters["wallet"] = 101 + i%6
		}
		code, body := s.call(t, "POST", "/v1/runs", map[string]any{"report": "contacts.all_contacts", "filters": filters})
		if code != 202 {
			t.Fatalf("generate %d: %d %s", i, code, body)
		}
		var r struct{ ID string }
		json.Unmarshal(body, &r)
		ids = append(ids, r.ID)
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s2 := startServe(t, db, addr)
	s2.token = s.token // tokens live in the store, like the runs
	defer func() { s2.cmd.Process.Signal(syscall.SIGTERM); s2.cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range ids {
		for {
			code, body := s2.call(t, "GET", "/v1/runs/"+id, nil)
			var r struct {
				Status    string
				TotalRows *int64 `json:"total_rows"`
			}
			json.Unmarshal(body, &r)
			if code != 200 {
				t.Fatalf("run %s lost after the crash: %d %s", id, code, body)
			}
			if r.Status == "finished" {
				break
			}
			if r.Status == "failed" || r.Status == "canceled" || time.Now().After(deadline) {
				t.Fatalf("run %s ended %s: %s", id, r.Status, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	code, body := s2.call(t, "GET", "/v1/runs?scope=all&limit=500", nil)
	var page struct{ Runs []struct{ ID string } }
	json.Unmarshal(body, &page)
	if code != 200 || len(page.Runs) != len(ids) {
		t.Fatalf("%d runs listed after the restart, want %d (none lost, none duplicated)", len(page.Runs), len(ids))
	}
	fmt.Printf("all %d runs finished after a SIGKILL and a restart\n", len(ids))
}
