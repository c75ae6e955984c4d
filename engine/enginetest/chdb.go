package enginetest

import (
	"os"
	"sync"
	"testing"

	"github.com/relato/relato/engine/backend/chdb"
)

var (
	chdbOnce sync.Once
	chdbB    *chdb.Backend
	chdbErr  error
)

// ChDB returns the test binary's embedded warehouse, opened once on a
// temporary directory (chDB allows one per process). Tests that share it must
// not run in parallel with each other when they change tables. Without
// libchdb the test is skipped locally and fails in CI.
func ChDB(tb testing.TB) *chdb.Backend {
	tb.Helper()
	chdbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "relato-chdb-test-")
		if err != nil {
			chdbErr = err
			return
		}
		chdbB, chdbErr = chdb.Open(dir)
	})
	if chdbErr != nil {
		if os.Getenv("CI") == "" {
			tb.Skipf("embedded warehouse unavailable: %v", chdbErr)
		}
		tb.Fatalf("embedded warehouse unavailable: %v", chdbErr)
	}
	return chdbB
}
