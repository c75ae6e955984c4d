package chdb

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A warehouse folder whose status file another open file description holds
// with an exclusive flock (as a running ClickHouse/chDB does) reads as taken;
// a missing or unheld status file does not. The flock is real, taken on a
// second descriptor in this process, which conflicts just as another
// process's would.
func TestLockedByAnother_SeesTheStatusFileLock(t *testing.T) {
	dir := t.TempDir()
	if lockedByAnother(dir) {
		t.Fatal("a folder without a status file reads as taken")
	}
	f, err := os.Create(filepath.Join(dir, "status"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if lockedByAnother(dir) {
		t.Fatal("an unheld status file reads as taken")
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if !lockedByAnother(dir) {
		t.Fatal("a held status file reads as free")
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if lockedByAnother(dir) {
		t.Fatal("a released status file reads as taken")
	}
}
