package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/delivery/deliverytest"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/servertest"
)

// Issue 14, "Notices": a person asks to be told by e-mail when a run ends;
// the e-mail goes through the configured relay (mailpit here) to the
// requester's address, once, in the language they asked in, with the
// report's title, the status, the rows or the reason, the filters in words
// and a link to the run. A requested run that fails also reaches the failure
// webhook, naming the run, the report and the error people see.
func TestNotices_TheRequesterIsMailedOnceWhenARunFinishesAndWhenItFails(t *testing.T) {
	mail := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	var hookMu sync.Mutex
	var hooks []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n map[string]any
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &n)
		hookMu.Lock()
		hooks = append(hooks, n)
		hookMu.Unlock()
	}))
	t.Cleanup(hook.Close)
	const internal = "clickhouse: code 241: memory limit exceeded on node ch-3"
	b := setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }, Configure: func(c *instance.Config) {
		c.SMTPRelay = "smtp://" + mail.User + ":" + mail.Password + "@" + mail.Host + ":" + itoa(mail.SMTPPort)
		c.SMTPRelayCAFile = mail.Cert.CertFile
		c.MailFrom = "Relatórios <relato@example.com>"
		c.PublicURL = "https://relato.example.com"
		c.FailureWebhook = hook.URL
		c.AllowOutbound = append(c.AllowOutbound, "127.0.0.1")
	}, WrapExecute: func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error) {
		return func(ctx context.Context, r *runs.Run) (runs.Result, error) {
			if r.ReportID == "service.protocols" { // this report's runs fail, as a warehouse outage would
				return runs.Result{}, runs.UserError("the warehouse could not run the report; try again later", errors.New(internal))
			}
			return next(ctx, r)
		}
	}})

	// Without an address on the user, the notice is refused where it was asked.
	create := func(body string, accept string) (int, []byte) {
		req, _ := http.NewRequest("POST", b.url+"/v1/runs", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+b.viewer)
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		code, _, out := send(t, req)
		return code, out
	}
	kpi := `{"report":"kpis.kpi_events","filters":{"period":"2024-03-01..2024-03-07","wallet":"Vendas","channels":["whatsapp"],"event_type":"Venda"},"notify":["email"]}`
	code, body := create(kpi, "")
	var p problem
	json.Unmarshal(body, &p)
	// No Accept-Language: pt-BR, from the message catalog.
	if code != 422 || len(p.Errors) != 1 || p.Errors[0].Location != "body.notify" || p.Errors[0].Message != "seu usuário não tem endereço de e-mail; peça a um administrador que o cadastre" {
		t.Fatalf("notice without an address: %d %s", code, body)
	}
	code, body = create(kpi, "en")
	p = problem{}
	json.Unmarshal(body, &p)
	if code != 422 || len(p.Errors) != 1 || p.Errors[0].Message != "your user has no e-mail address; ask an admin to set it" {
		t.Fatalf("notice without an address, in English: %d %s", code, body)
	}

	// An admin gives the viewer an address (a malformed one is refused).
	_, _, me := b.do(t, b.viewer, "GET", "/v1/me", nil)
	var who struct {
		UserID string `json:"user_id"`
		Name   string
	}
	json.Unmarshal(me, &who)
	if code, _, body := b.do(t, b.admin, "PUT", "/v1/users/"+who.UserID+"/email", map[string]any{"email": "ana(at)example.com"}); code != 422 || !strings.Contains(string(body), "body.email") {
		t.Errorf("malformed address: %d %s", code, body)
	}
	if code, _, body := b.do(t, b.admin, "PUT", "/v1/users/"+who.UserID+"/email", map[string]any{"email": "ana@example.com"}); code != 200 {
		t.Fatalf("set address: %d %s", code, body)
	}

	// A run asked in English finishes: one e-mail, in English.
	code, body = create(kpi, "en-US,en;q=0.9")
	if code != 202 {
		t.Fatalf("create: %d %s", code, body)
	}
	var run runJSON
	json.Unmarshal(body, &run)
	done := b.wait(t, b.viewer, run.ID)
	if done.Status != "finished" || done.TotalRows == nil {
		t.Fatalf("run %+v", done)
	}
	msgs := waitMessages(t, mail, 1)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0].Address != "ana@example.com" || m.Subject != "Report ready: KPI events" {
		t.Errorf("e-mail to %+v, subject %q", m.To, m.Subject)
	}
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	for _, want := range []string{
		"Hello " + who.Name + ",",
		"Status: Finished\n",
		"Rows: " + itoa(int(*done.TotalRows)) + "\n",
		// the period's both days are included; names as picked
		"Filters: Period: 2024-03-01 to 2024-03-07 · Wallet: Vendas · Channels: WhatsApp · Event type: Venda\n",
		"Open: https://relato.example.com/#/runs/" + run.ID + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, text)
		}
	}

	// A run asked in Portuguese fails: one more e-mail (two in all, so the
	// first was not sent again), in Portuguese, with the reason for people.
	code, body = create(`{"report":"service.protocols","filters":{"period":"2024-03-01..2024-03-07"},"notify":["email"]}`, "pt-BR")
	if code != 202 {
		t.Fatalf("create: %d %s", code, body)
	}
	json.Unmarshal(body, &run)
	if done := b.wait(t, b.viewer, run.ID); done.Status != "failed" {
		t.Fatalf("run %+v", done)
	}
	msgs = waitMessages(t, mail, 2)
	m = msgs[0] // newest first
	text = strings.ReplaceAll(m.Text, "\r\n", "\n")
	if !strings.HasPrefix(m.Subject, "Falha no relatório: ") || !strings.Contains(text, "Situação: Falha\n") ||
		!strings.Contains(text, "Motivo: the warehouse could not run the report; try again later\n") || strings.Contains(text, "ch-3") {
		t.Errorf("failure e-mail %q:\n%s", m.Subject, text)
	}

	// The failure webhook heard of the failed run only (the finished one is
	// no failure), with the message for people and never the internal detail.
	deadline := time.Now().Add(10 * time.Second)
	for {
		hookMu.Lock()
		n := len(hooks)
		hookMu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	hookMu.Lock()
	defer hookMu.Unlock()
	if len(hooks) != 1 {
		t.Fatalf("webhook notices: %v", hooks)
	}
	n := hooks[0]
	raw, _ := json.Marshal(n)
	if n["run_id"] != run.ID || n["report"] != "service.protocols" || n["outcome"] != "run_failed" || n["owner_id"] != who.UserID ||
		n["error"] != "the warehouse could not run the report; try again later" || n["report_title"] == "" || strings.Contains(string(raw), "ch-3") {
		t.Errorf("webhook notice %s", raw)
	}
	if _, ok := n["schedule_id"]; ok {
		t.Errorf("a requested run's notice names a schedule: %s", raw)
	}
}

// waitMessages waits until mailpit holds want messages, then checks no more
// arrive for a moment (each notice is sent once), and returns them newest first.
func waitMessages(t *testing.T, mail *deliverytest.MailServer, want int) []deliverytest.MailMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for mail.Count(t) < want && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	msgs := mail.Messages(t)
	if len(msgs) != want {
		t.Fatalf("mailpit holds %d messages, want %d", len(msgs), want)
	}
	return msgs
}

func itoa(n int) string { return strconv.Itoa(n) }
