package cli_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/relato/relato/delivery/deliverytest"
)

// stallingProxy accepts connections for an FTP server; until forward is set it
// holds them silent (a delivery stuck mid-way), then it relays to target.
type stallingProxy struct {
	addr     *net.TCPAddr
	forward  atomic.Bool
	accepted chan struct{}
	once     sync.Once
}

func startStallingProxy(t *testing.T, target string) *stallingProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &stallingProxy{addr: l.Addr().(*net.TCPAddr), accepted: make(chan struct{})}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if !p.forward.Load() {
				p.once.Do(func() { close(p.accepted) })
				go func() { io.Copy(io.Discard, c); c.Close() }() // silent until the client dies
				continue
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return p
}

// Issue 11, point 5: a delivery cut by a crash stayed "delivering" for two
// hours. Here `relato serve` is killed while its second destination hangs,
// after the first got the file; a restarted server takes the delivery over
// within its delivery lease, finishes the second destination and does not
// send the file to the first again.
func TestServe_AKilledDeliveryIsResumedAndNotSentTwice(t *testing.T) {
	needWarehouse(t)
	sshd := deliverytest.StartSSHD(t)
	ftp := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: deliverytest.FTPPlain})
	proxy := startStallingProxy(t, net.JoinHostPort(ftp.Host, itoa(ftp.Port)))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "relato.db")
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	flags := []string{"--delivery-lease", "3s", "--allow-outbound", "127.0.0.0/8", "--secret-key", key}
	s := startServe(t, db, addr, flags...)

	code, body := s.call(t, "POST", "/v1/schedules", map[string]any{"report": "kpis.service_level",
		"filters": map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1d"}, "recurrence": "0 6 1 1 *", "file_name": "sl_{run_id}",
		"destinations": []any{
			map[string]any{"kind": "sftp", "config": map[string]any{"host": sshd.Host, "port": sshd.Port, "username": sshd.User,
				"password": deliverytest.TestUserPassword, "host_key_sha256": sshd.HostKeyFingerprint, "directory": sshd.Root}},
			map[string]any{"kind": "ftp", "config": map[string]any{"host": "127.0.0.1", "port": proxy.addr.Port, "username": ftp.User,
				"password": ftp.Password, "directory": ftp.Root}},
		}})
	if code != 201 {
		t.Fatalf("create schedule: %d %s", code, body)
	}
	var sch struct{ ID string }
	json.Unmarshal(body, &sch)
	code, body = s.call(t, "POST", "/v1/schedules/"+sch.ID+"/run-now", nil)
	if code != 202 {
		t.Fatalf("run now: %d %s", code, body)
	}
	var run struct{ ID string }
	json.Unmarshal(body, &run)
	name := "sl_" + run.ID + ".csv"

	select { // the second destination is being delivered, and hangs
	case <-proxy.accepted:
	case <-time.After(2 * time.Minute): // a failure bound, not a timing claim
		t.Fatal("the delivery never reached the second destination")
	}
	if _, err := os.Stat(filepath.Join(sshd.Root, name)); err != nil {
		t.Fatalf("the first destination has no file before the crash: %v", err)
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	// Remove the first destination's copy: a second sending would bring it back.
	if err := os.Remove(filepath.Join(sshd.Root, name)); err != nil {
		t.Fatal(err)
	}
	proxy.forward.Store(true)

	s2 := startServe(t, db, addr, flags...)
	defer func() { s2.cmd.Process.Signal(syscall.SIGTERM); s2.cmd.Wait() }()
	var dl struct {
		State      string
		Deliveries []struct {
			Destination int
			Outcome     string
		}
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		code, body = s2.call(t, "GET", "/v1/runs/"+run.ID+"/deliveries", nil)
		json.Unmarshal(body, &dl)
		if dl.State == "delivered" || dl.State == "failed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery was not resumed: %d %s", code, body)
		}
	}
	if dl.State != "delivered" {
		t.Fatalf("the resumed delivery ended %s: %s", dl.State, body)
	}
	if _, err := os.Stat(filepath.Join(ftp.Root, name)); err != nil {
		t.Fatalf("the second destination has no file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sshd.Root, name)); !os.IsNotExist(err) {
		t.Fatalf("the first destination got the file again (%v)", err)
	}
	delivered := map[int]int{}
	for _, d := range dl.Deliveries {
		if d.Outcome == "delivered" {
			delivered[d.Destination]++
		}
	}
	if delivered[0] != 1 || delivered[1] != 1 {
		t.Fatalf("successful attempts per destination %v: %s", delivered, body)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
