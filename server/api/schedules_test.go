package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
	"github.com/relato/relato/server/schedules"
	"github.com/relato/relato/server/servertest"
)

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type scheduleBundle struct {
	testBundle
	svc   *schedules.Service
	clock *fixedClock
}

// setupSchedules is setup plus a schedules store (its own SQLite file), a
// scheduler whose clock the test moves, and an API server with the schedules
// operations; the outbound guard allows 127.0.0.0/8 for the test servers.
func setupSchedules(t *testing.T) scheduleBundle {
	t.Helper()
	clock := &fixedClock{t: servertest.SeedEnd} // 09:00 in São Paulo
	b := setupWith(t, servertest.Options{Now: clock.Now})
	return scheduleBundle{testBundle: b, svc: b.server.Schedules, clock: clock}
}

type scheduleJSON struct {
	ID           string      `json:"id"`
	NextFileName string      `json:"next_file_name"`
	NextRuns     []time.Time `json:"next_runs"`
	Paused       bool        `json:"paused"`
	TimeZone     string      `json:"time_zone"`
	LastRunID    *string     `json:"last_run_id"`
	LastOutcome  *string     `json:"last_delivery_outcome"`
	LastError    *string     `json:"last_delivery_error"`
	Destinations []struct {
		Kind   string         `json:"kind"`
		Config map[string]any `json:"config"`
	} `json:"destinations"`
}

func sftpDestination(s *deliverytest.SSHServer, password string) map[string]any {
	return map[string]any{"kind": "sftp", "config": map[string]any{"host": s.Host, "port": s.Port, "username": s.User, "password": password,
		"host_key_sha256": s.HostKeyFingerprint, "directory": s.Root}}
}

func (b scheduleBundle) create(t *testing.T, body map[string]any) scheduleJSON {
	t.Helper()
	code, _, data := b.do(t, b.manager, "POST", "/v1/schedules", body)
	if code != http.StatusCreated {
		t.Fatalf("create schedule: %d %s", code, data)
	}
	var s scheduleJSON
	json.Unmarshal(data, &s)
	return s
}

func TestSchedules_DeliverTheFileUnderTheNameAsTyped(t *testing.T) {
	b := setupSchedules(t)
	sshd := deliverytest.StartSSHD(t)
	sch := b.create(t, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1d"},
		"recurrence": "0 6 * * *", "format": "xlsx", "file_name": "relatório_nível serviço_{from}_{to}", "destinations": []any{sftpDestination(sshd, deliverytest.TestUserPassword)}})
	// Issue 13: the letters as typed, the last day included (07/03), told on save.
	const want = "relatório_nível serviço_2024-03-01_2024-03-07.xlsx"
	if sch.NextFileName != want {
		t.Fatalf("next_file_name %q, want %q", sch.NextFileName, want)
	}
	ctx := context.Background()
	b.clock.Set(sch.NextRuns[0])
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, data := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastRunID == nil {
		t.Fatalf("not fired: %s", data)
	}
	if run := b.wait(t, b.manager, *sch.LastRunID); run.Status != "finished" {
		t.Fatalf("run %+v", run)
	}
	if err := b.svc.Tick(ctx); err != nil { // delivers the finished run
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sshd.Root, want)); err != nil {
		t.Fatalf("the SFTP server has no %q: %v", want, err)
	}
}

func TestSchedules_EmailLinksAFileOverTheLimit(t *testing.T) {
	b := setupSchedules(t)
	b.srv.PublicURL = b.url // the pages' address (--public-url)
	mail := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	email := map[string]any{"kind": "email", "config": map[string]any{"host": mail.Host, "port": mail.SMTPPort, "username": mail.User, "password": mail.Password,
		"from": "relato@example.com", "recipients": []string{"ana@example.com"}, "subject": "Relatório {file}",
		"tls": map[string]any{"ca_pem": string(mail.Cert.CertPEM)}, "max_attachment_bytes": 1000}}
	sch := b.create(t, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1h"},
		"recurrence": "0 6 * * *", "format": "csv-excel", "file_name": "nível_{from}_{to}", "destinations": []any{email}})
	ctx := context.Background()
	b.clock.Set(sch.NextRuns[0])
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, data := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastRunID == nil {
		t.Fatalf("not fired: %s", data)
	}
	if run := b.wait(t, b.manager, *sch.LastRunID); run.Status != "finished" {
		t.Fatalf("run %+v", run)
	}
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastOutcome == nil || *sch.LastOutcome != "delivered" {
		t.Fatalf("outcome %v (%v): the e-mail was not sent", sch.LastOutcome, sch.LastError)
	}
	// Recorded as delivered, by link.
	var dl struct {
		State      string               `json:"state"`
		Deliveries []schedules.Delivery `json:"deliveries"`
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/runs/"+*sch.LastRunID+"/deliveries", nil)
	json.Unmarshal(data, &dl)
	if dl.State != "delivered" || len(dl.Deliveries) != 1 || dl.Deliveries[0].Outcome != "delivered_linked" {
		t.Errorf("deliveries: %s", data)
	}
	// 7 days of hourly rows in csv-excel are far over 1,000 bytes: a link.
	msgs := mail.Messages(t)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 0 {
		t.Fatalf("want one message without attachment: %+v", msgs)
	}
	// Issue 12: the e-mail shows every filter in words (defaults T 20 s,
	// S 0 s, abandons negative, only_with_calls false; both days included).
	if words := "Período: 01/03/2024 a 07/03/2024 · Limite (T): 20 s · Abandono curto (S): 0 s · Abandonos: negativos · Intervalo: 1 h · Só intervalos com chamadas: Não"; !strings.Contains(msgs[0].Text, words) {
		t.Errorf("the e-mail does not show the filters in words %q:\n%s", words, msgs[0].Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(b.url) + `/v1/links/[A-Za-z0-9_.-]+`).FindString(msgs[0].Text)
	if link == "" {
		t.Fatalf("no link in %q", msgs[0].Text)
	}
	path := strings.TrimPrefix(link, b.url)
	_, _, want := b.do(t, b.manager, "GET", "/v1/runs/"+*sch.LastRunID+"/download?format=csv-excel&lang=pt-BR", nil)

	// No token: the link is the credential, for that one file.
	code, hdr, got := b.do(t, "", "GET", path, nil)
	if code != 200 || !bytes.Equal(got, want) {
		t.Fatalf("link: %d, %d bytes; want 200 and the %d bytes of the download", code, len(got), len(want))
	}
	if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, `filename*=utf-8''n%C3%ADvel_2024-03-01_2024-03-07.csv`) {
		t.Errorf("Content-Disposition %q does not name the file as typed", cd)
	}
	// A changed link is refused (one character of its payload changed).
	tampered := []byte(path)
	if i := len("/v1/links/") + 3; tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	if code, _, body := b.do(t, "", "GET", string(tampered), nil); code != 403 {
		t.Errorf("tampered link: %d %s, want 403", code, body)
	}
	// After its TTL (7 days by default) the link is gone.
	b.clock.Set(sch.NextRuns[0].Add(7*24*time.Hour + time.Minute))
	if code, _, body := b.do(t, "", "GET", path, nil); code != 410 || !strings.Contains(string(body), "expirou") { // no Accept-Language: pt-BR (issue 12)
		t.Errorf("expired link: %d %s, want 410", code, body)
	}
}

func TestSchedules_FiredByTheClockDeliversTheDownloadToSFTP(t *testing.T) {
	b := setupSchedules(t)
	sshd := deliverytest.StartSSHD(t)
	sch := b.create(t, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-07", "interval": "1d"},
		"recurrence": "0 6 * * *", "file_name": "{report}_{from}_{to}", "destinations": []any{sftpDestination(sshd, deliverytest.TestUserPassword)}})

	// Secrets: redacted in the response, absent from the stored row.
	if got := sch.Destinations[0].Config["password"]; got != "[redacted]" {
		t.Fatalf("password in the response: %v", got)
	}
	raw, err := b.svc.Store.RawRow(context.Background(), sch.ID)
	if err != nil || strings.Contains(raw, deliverytest.TestUserPassword) {
		t.Fatalf("raw destinations row holds the password (err %v): %s", err, raw)
	}
	_, _, got := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	if bytes.Contains(got, []byte(deliverytest.TestUserPassword)) {
		t.Fatalf("GET returns the password: %s", got)
	}
	// Next runs: 06:00 in São Paulo (-03) on the 21st, 22nd, 23rd… (five
	// since issue 14, which asked for the next five fires).
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	if sch.TimeZone != "America/Sao_Paulo" || len(sch.NextRuns) != 5 || !sch.NextRuns[0].Equal(time.Date(2024, 3, 21, 6, 0, 0, 0, sp)) ||
		!sch.NextRuns[2].Equal(time.Date(2024, 3, 23, 6, 0, 0, 0, sp)) {
		t.Fatalf("zone %s next runs %v", sch.TimeZone, sch.NextRuns)
	}

	ctx := context.Background()
	b.clock.Set(time.Date(2024, 3, 21, 8, 59, 0, 0, time.UTC)) // 05:59: not yet
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, data := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastRunID != nil {
		t.Fatal("fired before its time")
	}
	b.clock.Set(time.Date(2024, 3, 21, 9, 0, 0, 0, time.UTC)) // 06:00 in São Paulo
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastRunID == nil {
		t.Fatalf("not fired: %s", data)
	}
	run := b.wait(t, b.manager, *sch.LastRunID)
	if run.Status != "finished" {
		t.Fatalf("run %+v", run)
	}
	if err := b.svc.Tick(ctx); err != nil { // delivers the finished run
		t.Fatal(err)
	}
	code, _, download := b.do(t, b.manager, "GET", "/v1/runs/"+run.ID+"/download?format=csv", nil)
	if code != 200 || len(download) < 100 {
		t.Fatalf("download %d %q", code, download)
	}
	delivered, err := os.ReadFile(filepath.Join(sshd.Root, "service_level_2024-03-01_2024-03-07.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(delivered, download) {
		t.Fatalf("delivered file (%d bytes) differs from the download (%d bytes)", len(delivered), len(download))
	}
	var dl struct {
		State      string               `json:"state"`
		Deliveries []schedules.Delivery `json:"deliveries"`
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/runs/"+run.ID+"/deliveries", nil)
	json.Unmarshal(data, &dl)
	if dl.State != "delivered" || len(dl.Deliveries) != 1 || dl.Deliveries[0].Outcome != "delivered" || dl.Deliveries[0].Bytes != int64(len(download)) ||
		dl.Deliveries[0].Kind != "delivery.sftp" {
		t.Fatalf("deliveries: %s", data)
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastOutcome == nil || *sch.LastOutcome != "delivered" {
		t.Fatalf("schedule after delivery: %s", data)
	}
	// Another tick neither fires nor delivers again.
	b.svc.Tick(ctx)
	_, _, data = b.do(t, b.manager, "GET", "/v1/runs/"+run.ID+"/deliveries", nil)
	json.Unmarshal(data, &dl)
	if len(dl.Deliveries) != 1 {
		t.Fatalf("delivered again: %s", data)
	}
}

func TestSchedules_FailedDeliveryIsVisibleOnTheRunAndTheSchedule(t *testing.T) {
	b := setupSchedules(t)
	sshd := deliverytest.StartSSHD(t)
	sch := b.create(t, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-02"},
		"recurrence": "0 6 * * *", "destinations": []any{sftpDestination(sshd, "wrong-password")}})
	code, _, data := b.do(t, b.manager, "POST", "/v1/schedules/"+sch.ID+"/run-now", nil)
	if code != http.StatusAccepted {
		t.Fatalf("run-now: %d %s", code, data)
	}
	var run runJSON
	json.Unmarshal(data, &run)
	b.wait(t, b.manager, run.ID)
	b.svc.Tick(context.Background())
	var dl struct {
		State      string               `json:"state"`
		Error      string               `json:"error"`
		Deliveries []schedules.Delivery `json:"deliveries"`
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/runs/"+run.ID+"/deliveries", nil)
	json.Unmarshal(data, &dl)
	// A wrong password is permanent: one attempt, given up, no retry.
	if dl.State != "failed" || len(dl.Deliveries) != 1 || dl.Deliveries[0].Outcome != "gave_up" || dl.Deliveries[0].Error == nil ||
		!strings.Contains(dl.Error, "unable to authenticate") {
		t.Fatalf("deliveries: %s", data)
	}
	_, _, data = b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastOutcome == nil || *sch.LastOutcome != "failed" || sch.LastError == nil {
		t.Fatalf("schedule: %s", data)
	}
	if bytes.Contains(data, []byte("wrong-password")) {
		t.Fatal("the password shows in the schedule")
	}
}

func TestSchedules_RelativePeriodResolvesWhenTheScheduleFires(t *testing.T) {
	b := setupSchedules(t)
	sch := b.create(t, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"},
		"recurrence": "30 0 * * *", "destinations": []any{map[string]any{"kind": "sftp", "config": map[string]any{"host": "127.0.0.1", "username": "u", "password": "p", "insecure_ignore_host_key": true}}}})
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		// 2024-03-21 00:30 in São Paulo (03:30Z): yesterday is the 20th.
		{time.Date(2024, 3, 21, 3, 30, 0, 0, time.UTC), "2024-03-20T00:00:00-03:00/2024-03-21T00:00:00-03:00"},
		// 2024-04-01 00:30: yesterday is 31 March.
		{time.Date(2024, 4, 1, 3, 30, 0, 0, time.UTC), "2024-03-31T00:00:00-03:00/2024-04-01T00:00:00-03:00"},
	} {
		b.clock.Set(c.now)
		if err := b.svc.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, _, data := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
		json.Unmarshal(data, &sch)
		_, _, data = b.do(t, b.manager, "GET", "/v1/runs/"+*sch.LastRunID, nil)
		var r struct {
			Filters         map[string]any    `json:"filters"`
			FiltersResolved map[string]string `json:"filters_resolved"`
		}
		json.Unmarshal(data, &r)
		if r.Filters["period"] != "yesterday" || r.FiltersResolved["period"] != c.want {
			t.Fatalf("at %v: given %v resolved %v, want %s", c.now, r.Filters, r.FiltersResolved, c.want)
		}
	}
}

func TestSchedules_UpdateKeepsSecretsAndPauseHidesNextRuns(t *testing.T) {
	b := setupSchedules(t)
	dest := map[string]any{"kind": "ftp", "config": map[string]any{"host": "127.0.0.1", "username": "u", "password": "keep-me"}}
	sch := b.create(t, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "recurrence": "0 6 * * 1", "destinations": []any{dest}})
	// The client sends back what it got: the password as "[redacted]".
	dest["config"].(map[string]any)["password"] = "[redacted]"
	dest["config"].(map[string]any)["directory"] = "/out"
	code, _, data := b.do(t, b.manager, "PUT", "/v1/schedules/"+sch.ID, map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "last_7_days"},
		"recurrence": "0 7 * * 1", "format": "xlsx", "destinations": []any{dest}})
	if code != 200 {
		t.Fatalf("put: %d %s", code, data)
	}
	stored, _ := b.svc.Store.Get(context.Background(), 1, sch.ID)
	if !strings.Contains(string(stored.Destinations[0].Config), `"password":"keep-me"`) || !strings.Contains(string(stored.Destinations[0].Config), `"/out"`) {
		t.Fatalf("stored after update: %s", stored.Destinations[0].Config)
	}
	code, _, data = b.do(t, b.manager, "POST", "/v1/schedules/"+sch.ID+"/pause", nil)
	json.Unmarshal(data, &sch)
	if code != 200 || !sch.Paused || len(sch.NextRuns) != 0 {
		t.Fatalf("pause: %d %s", code, data)
	}
	code, _, data = b.do(t, b.manager, "POST", "/v1/schedules/"+sch.ID+"/resume", nil)
	json.Unmarshal(data, &sch)
	// Wednesday 2024-03-20 09:00 → Mondays 25 March, 1, 8, 15 and 22 April at 07:00 -03.
	if code != 200 || sch.Paused || len(sch.NextRuns) != 5 || !sch.NextRuns[0].Equal(time.Date(2024, 3, 25, 10, 0, 0, 0, time.UTC)) ||
		!sch.NextRuns[2].Equal(time.Date(2024, 4, 8, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("resume: %d %s", code, data)
	}
	// Viewers cannot manage schedules; another tenant does not see this one.
	if code, _, _ := b.do(t, b.viewer, "GET", "/v1/schedules", nil); code != http.StatusForbidden {
		t.Fatalf("viewer list: %d", code)
	}
	if code, _, _ := b.do(t, b.other, "GET", "/v1/schedules/"+sch.ID, nil); code != http.StatusNotFound {
		t.Fatalf("other tenant get: %d", code)
	}
	if code, _, _ := b.do(t, b.other, "DELETE", "/v1/schedules/"+sch.ID, nil); code != http.StatusNotFound {
		t.Fatalf("other tenant delete: %d", code)
	}
	if code, _, _ := b.do(t, b.manager, "DELETE", "/v1/schedules/"+sch.ID, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil); code != http.StatusNotFound {
		t.Fatalf("get after delete: %d", code)
	}
}

func TestSchedules_BadInputNamesTheField(t *testing.T) {
	b := setupSchedules(t)
	sftp := func(cfg map[string]any) map[string]any {
		base := map[string]any{"host": "127.0.0.1", "username": "u", "password": "p", "insecure_ignore_host_key": true}
		for k, v := range cfg {
			base[k] = v
		}
		return map[string]any{"kind": "sftp", "config": base}
	}
	good := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "recurrence": "0 6 * * *",
			"destinations": []any{sftp(nil)}}
		change(m)
		return m
	}
	// Sent without Accept-Language, so the messages are pt-BR (issue 12).
	cases := []struct {
		name, location, message string
		body                    map[string]any
	}{
		{"invalid cron", "body.recurrence", "cron", good(func(m map[string]any) { m["recurrence"] = "0 25 * * *" })},
		{"six fields", "body.recurrence", "5 campos", good(func(m map[string]any) { m["recurrence"] = "0 0 6 * * *" })},
		{"unknown time zone", "body.time_zone", "fuso horário", good(func(m map[string]any) { m["time_zone"] = "America/Atlantis" })},
		{"port out of range", "body.destinations[0].config.port", "de 1 a 65535", good(func(m map[string]any) { m["destinations"] = []any{sftp(map[string]any{"port": 70000})} })},
		{"sftp with ftp's encryption", "body.destinations[0].config.encryption", "não é válido para sftp", good(func(m map[string]any) {
			m["destinations"] = []any{sftp(map[string]any{"encryption": "explicit"})}
		})},
		{"e-mail without recipients", "body.destinations[1].config.recipients", "", good(func(m map[string]any) {
			m["destinations"] = []any{sftp(nil), map[string]any{"kind": "email", "config": map[string]any{"host": "127.0.0.1", "from": "relato@example.com"}}}
		})},
		{"unknown kind", "body.destinations[0].kind", "tipo de destino desconhecido", good(func(m map[string]any) {
			m["destinations"] = []any{map[string]any{"kind": "gopher", "config": map[string]any{}}}
		})},
		{"private address refused", "body.destinations[0].config.host", "lista de saída permitida", good(func(m map[string]any) { m["destinations"] = []any{sftp(map[string]any{"host": "10.1.2.3"})} })},
		{"unknown report", "body.report", "não há relatório", good(func(m map[string]any) { m["report"] = "kpis.nope" })},
		{"bad filter value", "body.filters.period", "", good(func(m map[string]any) { m["filters"] = map[string]any{"period": "someday"} })},
		{"unknown format", "body.format", "csv", good(func(m map[string]any) { m["format"] = "pdf" })},
		{"unknown file name placeholder", "body.file_name", "{wallet}", good(func(m map[string]any) { m["file_name"] = "{report}_{wallet}" })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, hdr, data := b.do(t, b.manager, "POST", "/v1/schedules", c.body)
			if code != http.StatusUnprocessableEntity || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%d %s %s", code, hdr.Get("Content-Type"), data)
			}
			var p problem
			json.Unmarshal(data, &p)
			for _, e := range p.Errors {
				if e.Location == c.location && strings.Contains(e.Message, c.message) {
					return
				}
			}
			t.Fatalf("no error at %s containing %q: %s", c.location, c.message, data)
		})
	}
	_, _, data := b.do(t, b.manager, "GET", "/v1/schedules", nil)
	if !strings.Contains(string(data), `"schedules":[]`) {
		t.Fatalf("bad input stored something: %s", data)
	}
}

func TestDestinations_TestConnectionShowsTheHostKeyToPin(t *testing.T) {
	b := setupSchedules(t)
	sshd := deliverytest.StartSSHD(t)
	// Without a pin the test fails but shows the fingerprint to pin.
	code, _, data := b.do(t, b.manager, "POST", "/v1/destinations/test", map[string]any{"kind": "sftp",
		"config": map[string]any{"host": sshd.Host, "port": sshd.Port, "username": sshd.User, "password": sshd.Password}})
	var res struct {
		OK          bool   `json:"ok"`
		Fingerprint string `json:"fingerprint"`
		Error       string `json:"error"`
	}
	json.Unmarshal(data, &res)
	if code != 200 || res.OK || res.Fingerprint != sshd.HostKeyFingerprint {
		t.Fatalf("%d %s (want fingerprint %s)", code, data, sshd.HostKeyFingerprint)
	}
	// Pinned, it passes.
	code, _, data = b.do(t, b.manager, "POST", "/v1/destinations/test", sftpDestination(sshd, sshd.Password))
	json.Unmarshal(data, &res)
	if code != 200 || !res.OK {
		t.Fatalf("pinned: %d %s", code, data)
	}
	// Config problems are a 422 naming the field.
	code, _, data = b.do(t, b.manager, "POST", "/v1/destinations/test", map[string]any{"kind": "sftp", "config": map[string]any{"host": "127.0.0.1", "port": 0.5}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(data), "body.config.port") {
		t.Fatalf("bad config: %d %s", code, data)
	}
}

func TestSchedules_AFailedDeliveryNotifiesTheOwnerByWebhook(t *testing.T) {
	b := setupSchedules(t)
	got := make(chan schedules.FailureNotice, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n schedules.FailureNotice
		json.NewDecoder(r.Body).Decode(&n)
		got <- n
	}))
	defer hook.Close()
	b.svc.Notifier = &schedules.Webhook{URL: hook.URL, Guard: delivery.MustNewGuard("127.0.0.0/8")}
	sshd := deliverytest.StartSSHD(t)
	sch := b.create(t, map[string]any{"name": "diário", "report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-02"},
		"recurrence": "0 6 * * *", "destinations": []any{sftpDestination(sshd, "wrong-password")}})
	_, _, data := b.do(t, b.manager, "POST", "/v1/schedules/"+sch.ID+"/run-now", nil)
	var run runJSON
	json.Unmarshal(data, &run)
	b.wait(t, b.manager, run.ID)
	b.svc.Tick(context.Background())
	select {
	case n := <-got:
		if n.ScheduleID != sch.ID || n.RunID != run.ID || n.Outcome != "failed" || !strings.Contains(n.Error, "unable to authenticate") || n.OwnerID == "" {
			t.Fatalf("notice %+v", n)
		}
		if strings.Contains(n.Error, "wrong-password") {
			t.Fatal("the notice shows the password")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no failure notice")
	}
}

// A schedule saved without a name is named by its report's title in the
// language of the request (found trying relato: the list and the "saved"
// notice showed "kpis.kpi_events"); a name typed is kept as typed.
func TestSchedules_WithoutANameTakeTheReportsTitle(t *testing.T) {
	b := setupSchedules(t)
	dest := []any{map[string]any{"kind": "ftp", "config": map[string]any{"host": "127.0.0.1", "username": "u", "password": "p"}}}
	for _, c := range []struct{ lang, name, want string }{
		{"pt-BR", "", "Nível de Serviço (NS)"},
		{"en", "", "Service level (SL)"},
		{"en", "diário", "diário"},
	} {
		body := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "recurrence": "0 6 * * *", "destinations": dest}
		if c.name != "" {
			body["name"] = c.name
		}
		j, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", b.url+"/v1/schedules", strings.NewReader(string(j)))
		req.Header.Set("Authorization", "Bearer "+b.manager)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", c.lang)
		code, _, data := send(t, req)
		var got struct{ Name string }
		json.Unmarshal(data, &got)
		if code != http.StatusCreated || got.Name != c.want {
			t.Errorf("%s, name %q: %d, named %q, want %q (%s)", c.lang, c.name, code, got.Name, c.want, data)
		}
	}
}
