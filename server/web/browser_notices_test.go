package web_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relato/relato/delivery/deliverytest"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/servertest"
)

// Issue 14, "Notices": in the generate dialog a person ticks "e-mail me
// when it ends"; when the run finishes they receive one e-mail, in the
// page's language.
func TestBrowser_AskForAnEmailWhenTheRunEnds(t *testing.T) {
	mail := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	srv := servertest.Start(t, servertest.Options{Now: func() time.Time { return now }, Configure: func(c *instance.Config) {
		c.SMTPRelay = "smtp://" + mail.User + ":" + mail.Password + "@" + mail.Host + ":" + itoa(mail.SMTPPort)
		c.SMTPRelayCAFile = mail.Cert.CertFile
		c.MailFrom = "Relatórios <relato@example.com>"
		c.PublicURL = "https://relato.example.com"
	}})
	token, userID := srv.PersonalDataToken(1, "Operadora", auth.Viewer)
	if _, err := srv.Auth.SetEmail(context.Background(), auth.Scope{All: true}, userID, "operadora@example.com"); err != nil {
		t.Fatal(err)
	}
	b := testBundle{url: srv.URL, viewer: token}
	shots := artifacts(t)
	for i, c := range []struct{ lang, checkbox, subject string }{
		{"pt-BR", "Avisar por e-mail quando terminar", "Relatório pronto: Nível de Serviço (NS)"},
		{"en", "E-mail me when it ends", "Report ready: Service level (SL)"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			ctx := browserCtx(t, t.TempDir())
			signInAs(t, ctx, b, b.viewer, c.lang)
			do(t, ctx, "open service level",
				click("#generate"),
				chromedp.WaitVisible(chromedp.CSS("#template-search")),
				click(`#template-list input[value="kpis.service_level"]`),
				chromedp.WaitVisible(chromedp.CSS("#f-notify-email")))
			if got := strings.TrimSpace(text(t, ctx, `label[for="f-notify-email"]`)); got != c.checkbox {
				t.Errorf("checkbox label %q, want %q", got, c.checkbox)
			}
			do(t, ctx, "tick and submit",
				setInput("#f-period-from", "2024-03-01"),
				setInput("#f-period-to", "2024-03-07"),
				click("#f-notify-email"),
				click("#submit-generate"),
				waitJS(`!document.querySelector("#generate-dialog").open`))
			screenshot(t, ctx, shots, "notices-"+c.lang)
			id := eval[string](t, ctx, `document.querySelector("#runs-body tr[data-run-id]").dataset.runId`)
			var run struct {
				Status string
				Notify []string
			}
			deadline := time.Now().Add(60 * time.Second)
			for json.Unmarshal(b.apiGet(t, b.viewer, "/v1/runs/"+id), &run); run.Status != "finished" && time.Now().Before(deadline); json.Unmarshal(b.apiGet(t, b.viewer, "/v1/runs/"+id), &run) {
				time.Sleep(100 * time.Millisecond)
			}
			if run.Status != "finished" {
				t.Fatalf("run %s is %s", id, run.Status)
			}
			// One e-mail per run: the first language's, then this one's.
			for mail.Count(t) < i+1 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			msgs := mail.Messages(t)
			if len(msgs) != i+1 || msgs[0].Subject != c.subject || msgs[0].To[0].Address != "operadora@example.com" ||
				!strings.Contains(msgs[0].Text, "https://relato.example.com/#/runs/"+id) {
				t.Errorf("%d e-mails; newest %q to %+v:\n%s", len(msgs), msgs[0].Subject, msgs[0].To, msgs[0].Text)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
