package api_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/relato/relato/delivery/deliverytest"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/servertest"
)

// listener accepts connections on addr and counts them: a server that must
// never be contacted.
func listener(t *testing.T, addr string) (host string, port int, contacts *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { l.Close() })
	contacts = new(atomic.Int64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			contacts.Add(1)
			c.Write([]byte("220 trap\r\n")) // looks like an FTP server, to draw the login out
			buf := make([]byte, 4096)
			c.Read(buf)
			c.Close()
		}
	}()
	a := l.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port, contacts
}

// Issue 11, point 2: a manager pointed an admin's FTP schedule at another
// host, sending the password back as "[redacted]", and the stored password
// went to the new host; runs queued before the edit delivered there too; the
// audit said only "schedule.update".
func TestSchedules_AStoredPasswordNeverFollowsAnEditedHost(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { storedPasswordNeverFollowsAnEditedHost(t, db) })
	}
}

func storedPasswordNeverFollowsAnEditedHost(t *testing.T, db string) {
	clock := &fixedClock{t: servertest.SeedEnd}
	dsn := ""
	if db == "postgres" {
		dsn = runstest.StartPostgres(t).NewDatabase(t)
	}
	tb := setupWith(t, servertest.Options{Now: clock.Now, Configure: func(c *instance.Config) {
		if dsn != "" {
			c.DB = dsn
		}
	}})
	b := scheduleBundle{testBundle: tb, svc: tb.server.Schedules, clock: clock}
	ctx := context.Background()
	ftp := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: deliverytest.FTPPlain})
	trapHost, trapPort, contacts := listener(t, "127.0.0.2:0")

	dest := func(host string, port int, password string) map[string]any {
		return map[string]any{"kind": "ftp", "config": map[string]any{"host": host, "port": port, "username": ftp.User, "password": password, "directory": ftp.Root}}
	}
	body := func(d map[string]any) map[string]any {
		return map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1d"},
			"recurrence": "0 6 * * *", "file_name": "sl_{run_id}", "destinations": []any{d}}
	}
	code, _, data := b.do(t, b.admin, "POST", "/v1/schedules", body(dest(ftp.Host, ftp.Port, ftp.Password)))
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, data)
	}
	var sch scheduleJSON
	json.Unmarshal(data, &sch)

	// The edit to another host with the password as "[redacted]" is refused,
	// naming the field; so is leaving the password out.
	for _, pw := range []any{"[redacted]", nil} {
		d := dest(trapHost, trapPort, "")
		if pw == nil {
			delete(d["config"].(map[string]any), "password")
		} else {
			d["config"].(map[string]any)["password"] = pw
		}
		code, _, data := b.do(t, b.manager, "PUT", "/v1/schedules/"+sch.ID, body(d))
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(data), `"location":"body.destinations[0].config.password"`) ||
			!strings.Contains(string(data), "e houve mudança em host, port") { // no Accept-Language: pt-BR (issue 12)
			t.Fatalf("edit to another host with password %v: %d %s", pw, code, data)
		}
	}
	// The same host with another folder keeps the stored password.
	if code, _, data := b.do(t, b.manager, "PUT", "/v1/schedules/"+sch.ID, body(dest(ftp.Host, ftp.Port, "[redacted]"))); code != http.StatusOK {
		t.Fatalf("edit on the same host: %d %s", code, data)
	}

	// A run queued now delivers where the schedule pointed when it fired,
	// even though the schedule is then pointed at the trap with a new password.
	code, _, data = b.do(t, b.manager, "POST", "/v1/schedules/"+sch.ID+"/run-now", nil)
	if code != http.StatusAccepted {
		t.Fatalf("run now: %d %s", code, data)
	}
	var fired struct {
		RunID string `json:"id"`
	}
	json.Unmarshal(data, &fired)
	if fired.RunID == "" {
		t.Fatalf("run now answered %s", data)
	}
	if code, _, data := b.do(t, b.manager, "PUT", "/v1/schedules/"+sch.ID, body(dest(trapHost, trapPort, "another-password"))); code != http.StatusOK {
		t.Fatalf("edit with a new password: %d %s", code, data)
	}
	if run := b.wait(t, b.manager, fired.RunID); run.Status != "finished" {
		t.Fatalf("run %+v", run)
	}
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ftp.Root, "sl_"+fired.RunID+".csv")); err != nil {
		entries, _ := os.ReadDir(ftp.Root)
		t.Fatalf("the queued run did not deliver to the host of its fire: %v (folder: %v)", err, entries)
	}
	if n := contacts.Load(); n != 0 {
		t.Fatalf("the listener on %s was contacted %d times", trapHost, n)
	}

	// The audit names what changed, never the secret.
	_, _, data = b.do(t, b.admin, "GET", "/v1/audit", nil)
	if !strings.Contains(string(data), "changed: destinations[0].config.host, destinations[0].config.password, destinations[0].config.port") {
		t.Fatalf("audit: %s", data)
	}
	if strings.Contains(string(data), "another-password") || strings.Contains(string(data), ftp.Password) {
		t.Fatalf("a password is in the audit: %s", data)
	}
}
