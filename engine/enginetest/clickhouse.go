// Package enginetest holds shared test helpers for the engine and its
// backends: real warehouse servers started on free loopback ports and stopped
// with t.Cleanup (River's rivertest is the model), and RunBackendSuite, the
// conformance suite every warehouse backend runs (River's riverdrivertest is
// the model). Only tests import it; it must not import anything above engine/.
package enginetest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ErrClickHouseMissing is returned when no clickhouse-server binary is installed.
var ErrClickHouseMissing = errors.New("clickhouse-server is not installed (Debian: apt-get install -y clickhouse-server clickhouse-client)")

// ClickHouseServerPath finds the clickhouse-server binary: $PATH, then
// /usr/sbin where Debian's package puts it.
func ClickHouseServerPath() (string, error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrClickHouseMissing
}

// ClickHouseServer is a clickhouse-server child process on loopback ports.
type ClickHouseServer struct {
	Addr     string // native protocol, 127.0.0.1:port
	HTTPAddr string
	Dir      string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartClickHouseServer starts a private ClickHouse server for the test and
// returns its native-protocol address; it is stopped when the test ends.
// Without the binary the test is skipped, unless CI is set: CI must not skip.
func StartClickHouseServer(t testing.TB) string {
	t.Helper()
	s, err := StartClickHouseServerIn(t.TempDir())
	if errors.Is(err, ErrClickHouseMissing) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s.Addr
}

// StartClickHouseServerIn starts a server whose config, data and logs live in
// dir, for a TestMain that shares one server across a package's tests; the
// caller must Stop it.
//
// Debian's package (18.16) runs as root without complaint, so the server runs
// as the test's own user with its files in dir; nothing under /etc or /var is
// touched, and the packaged service is not needed.
func StartClickHouseServerIn(dir string) (*ClickHouseServer, error) {
	bin, err := ClickHouseServerPath()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"data", "tmp", "log", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return nil, err
		}
	}
	config := fmt.Sprintf(configXML, dir, dir, ports[0], ports[1], ports[2], dir, dir, dir, dir, dir)
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(config), 0o640); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersXML), 0o640); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "log", "stdout.log"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(bin, "--config-file="+filepath.Join(dir, "config.xml"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &ClickHouseServer{
		Addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		HTTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1])),
		Dir:      dir,
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	go func() { cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls the HTTP /ping endpoint, which answers only once the server
// has loaded its metadata and accepts queries on every port.
func (s *ClickHouseServer) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("clickhouse-server exited during start-up: %s", s.logTail())
		default:
		}
		if c, err := net.DialTimeout("tcp", s.HTTPAddr, 200*time.Millisecond); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(c, "GET /ping HTTP/1.0\r\n\r\n")
			buf := make([]byte, 256)
			n, _ := c.Read(buf)
			c.Close()
			if strings.Contains(string(buf[:n]), "Ok.") {
				if nc, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
					nc.Close()
					return nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("clickhouse-server did not accept connections on %s within %s: %s", s.Addr, timeout, s.logTail())
}

func (s *ClickHouseServer) logTail() string {
	var parts []string
	for _, f := range []string{"log/stdout.log", "log/err.log"} {
		b, _ := os.ReadFile(filepath.Join(s.Dir, f))
		if len(b) > 2000 {
			b = b[len(b)-2000:]
		}
		if len(b) > 0 {
			parts = append(parts, f+": "+strings.TrimSpace(string(b)))
		}
	}
	if len(parts) == 0 {
		return "no log output"
	}
	return strings.Join(parts, "\n")
}

// Stop terminates the server: SIGTERM, then SIGKILL after 10s.
func (s *ClickHouseServer) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// freePorts reserves n distinct free loopback ports (released just before
// the server binds them).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free loopback port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// configXML is the smallest config 18.16 starts with; newer servers accept it
// too. Arguments: log dir ×2, tcp, http, interserver ports, data dir ×5.
const configXML = `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>%s/log/server.log</log>
    <errorlog>%s/log/err.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%d</tcp_port>
  <http_port>%d</http_port>
  <interserver_http_port>%d</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>%s/data/</path>
  <tmp_path>%s/tmp/</tmp_path>
  <user_files_path>%s/user_files/</user_files_path>
  <format_schema_path>%s/format_schemas/</format_schema_path>
  <users_config>%s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>32</max_concurrent_queries>
</yandex>
`

const usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>2</max_threads></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`
