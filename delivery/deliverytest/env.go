package deliverytest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Missing skips the test, or fails it under CI=true, because something the
// test needs is not installed.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// NeedBinary returns path when it is executable, or calls Missing.
func NeedBinary(t testing.TB, path, install string) string {
	t.Helper()
	if p, err := exec.LookPath(path); err == nil {
		return p
	}
	Missing(t, "%s not found; install with: %s", path, install)
	return ""
}

// NeedRoot calls Missing when the test does not run as root (the servers
// switch to the test user).
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "this test starts vsftpd/sshd and needs root")
	}
}

// FreePort returns a TCP port free on 127.0.0.1 right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// freePortRange finds n consecutive free ports (vsftpd's passive range).
func freePortRange(t testing.TB, n int) (int, int) {
	t.Helper()
	for try := 0; try < 50; try++ {
		base := FreePort(t)
		if base+n > 65535 {
			continue
		}
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base, base + n - 1
		}
	}
	t.Fatal("no free passive port range")
	return 0, 0
}

// WaitListening waits until something accepts connections on addr.
func WaitListening(t testing.TB, addr string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("server for %s exited before listening", addr)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listening on %s after 15s", addr)
}

// startProcess runs cmd, stops it in t.Cleanup, and prints its log file
// when the test failed. The returned channel closes when it exits.
func startProcess(t testing.TB, cmd *exec.Cmd, logPath string) <-chan struct{} {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			for _, p := range []string{logPath, strings.TrimSuffix(logPath, ".out") + ".log"} {
				if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
					t.Logf("%s:\n%s", filepath.Base(p), tail(b, 4000))
				}
			}
		}
	})
	return exited
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// TestUserName is the system user vsftpd and sshd log in.
const TestUserName = "relato-test"

// TestUserPassword is its password.
const TestUserPassword = "Senha-de-teste-1"

var userOnce sync.Once
var userErr error

// EnsureTestUser creates TestUserName (home "/", no shell) if missing and
// sets its password; safe to call many times.
func EnsureTestUser(t testing.TB) (uid, gid int) {
	t.Helper()
	NeedRoot(t)
	userOnce.Do(func() {
		if exec.Command("id", "-u", TestUserName).Run() != nil {
			if out, err := exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/",
				"--shell", "/usr/sbin/nologin", TestUserName).CombinedOutput(); err != nil {
				userErr = fmt.Errorf("useradd: %v: %s", err, out)
				return
			}
		}
		// vsftpd changes into the home directory before local_root, so it must exist.
		if out, err := exec.Command("usermod", "--home", "/", TestUserName).CombinedOutput(); err != nil {
			userErr = fmt.Errorf("usermod: %v: %s", err, out)
			return
		}
		cmd := exec.Command("chpasswd")
		cmd.Stdin = strings.NewReader(TestUserName + ":" + TestUserPassword + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			userErr = fmt.Errorf("chpasswd: %v: %s", err, out)
		}
	})
	if userErr != nil {
		t.Fatal(userErr)
	}
	return idOf(t, "-u"), idOf(t, "-g")
}

func idOf(t testing.TB, flag string) int {
	out, err := exec.Command("id", flag, TestUserName).Output()
	if err != nil {
		t.Fatalf("id %s %s: %v", flag, TestUserName, err)
	}
	var n int
	fmt.Sscan(strings.TrimSpace(string(out)), &n)
	return n
}

// UserDir makes a directory under t.TempDir() owned by the test user, and
// opens the path to it (t.TempDir's parents are 0700) so the user can reach it.
func UserDir(t testing.TB) string {
	t.Helper()
	uid, gid := EnsureTestUser(t)
	tmp := t.TempDir()
	for _, p := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(tmp, "home")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// LockedDir makes <parent>/<name> owned by root, mode 0755: the test user
// can list it but not write in it.
func LockedDir(t testing.TB, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 0, 0); err != nil {
		t.Fatal(err)
	}
	return dir
}
