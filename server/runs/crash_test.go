package runs_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
)

// createSpread creates n runs over wallets 0..wallets-1, one after the other.
func createSpread(t *testing.T, s *runs.Store, n, wallets int) []*runs.Run {
	var out []*runs.Run
	for i := range n {
		out = append(out, mustCreate(t, s, newRun(1, "ana", ptr(fmt.Sprint(i%wallets)))))
	}
	return out
}

func TestCrash_RunsOfAWorkerThatStoppedHeartbeatingAreResumedOnce(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.newDB(t)
			dead := openStore(t, dsn, runs.Options{})
			all := createSpread(t, dead, 12, 3)
			// The "dead" worker takes the three heads, then never heartbeats again.
			claimed := map[string]bool{}
			for range 3 {
				r, err := dead.Claim(context.Background(), "dead", 300*time.Millisecond)
				if err != nil || r == nil {
					t.Fatalf("claim: %v %v", r, err)
				}
				claimed[r.ID] = true
			}
			live := openStore(t, dsn, runs.Options{})
			rec := &recorder{}
			startPool(t, &runs.Pool{Store: live, Execute: rec.execute("live", 10*time.Millisecond),
				Workers: 2, Poll: 50 * time.Millisecond, Lease: 2 * time.Second})
			final := waitAllTerminal(t, live, 1, 12, 30*time.Second)
			checkFIFO(t, rec.executions(), all)
			for _, r := range final {
				wantAttempts := 1
				if claimed[r.ID] {
					wantAttempts = 2
				}
				if r.Status != runs.StatusFinished || r.Attempts != wantAttempts {
					t.Errorf("run %d: %s after %d attempts, want finished after %d", r.Seq, r.Status, r.Attempts, wantAttempts)
				}
			}
			for id := range claimed {
				if err := dead.Finish(context.Background(), id, "dead", runs.Result{}); !errors.Is(err, runs.ErrLeaseLost) {
					t.Errorf("the dead worker finishing %s late: %v, want ErrLeaseLost", id, err)
				}
			}
		})
	}
}

// TestCrashHelper_PoolProcess is the child of the SIGKILL test: a pool that logs
// "start ID" and "end ID" lines to a file and runs until killed.
func TestCrashHelper_PoolProcess(t *testing.T) {
	dsn, logPath := os.Getenv("RELATO_RUNS_CHILD_DSN"), os.Getenv("RELATO_RUNS_CHILD_LOG")
	if dsn == "" {
		t.Skip("only run as the child of TestCrash_KilledProcess")
	}
	s := openStore(t, dsn, runs.Options{})
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY|os.O_CREATE|os.O_SYNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p := &runs.Pool{Store: s, Workers: 2, Poll: 50 * time.Millisecond, Lease: time.Second,
		Execute: func(ctx context.Context, r *runs.Run) (runs.Result, error) {
			fmt.Fprintf(f, "start %s\n", r.ID)
			time.Sleep(300 * time.Millisecond)
			fmt.Fprintf(f, "end %s\n", r.ID)
			return runs.Result{}, nil
		}}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {} // until SIGKILL
}

func countStarts(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "start ") {
			n++
		}
	}
	return n
}

func TestCrash_KilledProcessLosesAndDuplicatesNoRun(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.newDB(t)
			s := openStore(t, dsn, runs.Options{})
			all := createSpread(t, s, 16, 4)
			logPath := filepath.Join(t.TempDir(), "child.log")
			child := exec.Command(os.Args[0], "-test.run=^TestCrashHelper_PoolProcess$")
			child.Env = append(os.Environ(), "RELATO_RUNS_CHILD_DSN="+dsn, "RELATO_RUNS_CHILD_LOG="+logPath)
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for countStarts(t, logPath) < 3 {
				if time.Now().After(deadline) {
					child.Process.Kill()
					child.Wait()
					t.Fatal("the child pool started fewer than 3 runs in 30s")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := child.Process.Kill(); err != nil { // SIGKILL: no cleanup, no release
				t.Fatal(err)
			}
			child.Wait()

			// What the dead process left behind.
			finishedBefore, processingAtKill := map[string]bool{}, map[string]bool{}
			p, err := s.List(context.Background(), runs.ListQuery{TenantID: 1, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Runs {
				switch r.Status {
				case runs.StatusFinished:
					finishedBefore[r.ID] = true
				case runs.StatusProcessing:
					processingAtKill[r.ID] = true
				}
			}
			if len(processingAtKill) == 0 {
				t.Fatal("no run was processing when the child was killed; the test proves nothing")
			}

			// Two instances take over (on SQLite, two stores on one file).
			rec := &recorder{}
			for i := range 2 {
				startPool(t, &runs.Pool{Store: openStore(t, dsn, runs.Options{}), Execute: rec.execute(fmt.Sprint(i), 10*time.Millisecond),
					Workers: 2, Poll: 50 * time.Millisecond, Lease: 2 * time.Second})
			}
			final := waitAllTerminal(t, s, 1, len(all), 30*time.Second)
			var rest []*runs.Run
			for _, r := range all {
				if !finishedBefore[r.ID] {
					rest = append(rest, r)
				}
			}
			checkFIFO(t, rec.executions(), rest) // each unfinished run exactly once, per-key order
			for _, r := range final {
				if r.Status != runs.StatusFinished {
					t.Errorf("run %d ended %s", r.Seq, r.Status)
				}
				if processingAtKill[r.ID] && r.Attempts != 2 {
					t.Errorf("run %d was processing at the kill: %d attempts, want 2", r.Seq, r.Attempts)
				}
			}
			t.Logf("at the kill: %d finished, %d processing; the survivors ran %d", len(finishedBefore), len(processingAtKill), len(rest))
		})
	}
}
