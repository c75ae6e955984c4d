package delivery_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
)

// A notice is a text message to one person through a relay configured once:
// To replaces the configured recipients, SendText sends no attachment.
func TestEmail_SendTextMailsOnlyTheGivenRecipient(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	dest, err := delivery.NewEmailFromJSON(emailConfig(srv, nil), delivery.Options{Guard: delivery.MustNewGuard("127.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dest.To("ana(at)example.com"); err == nil {
		t.Error("a malformed recipient was accepted")
	}
	carla, err := dest.To("Carla <carla@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	body := "Relatório KPI Eventos: Finalizado\nCarteira: Vendas · Canal: WhatsApp"
	if _, err := carla.SendText(context.Background(), "Relatório pronto: KPI Eventos", body); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("mailpit holds %d messages", len(msgs))
	}
	m := msgs[0]
	if len(m.To) != 1 || m.To[0].Address != "carla@example.com" || m.Subject != "Relatório pronto: KPI Eventos" || len(m.Attachments) != 0 {
		t.Errorf("to %+v subject %q attachments %d", m.To, m.Subject, len(m.Attachments))
	}
	if got := strings.ReplaceAll(strings.TrimRight(m.Text, "\r\n"), "\r\n", "\n"); got != body {
		t.Errorf("text %q, want %q", got, body)
	}
	// The configured recipients (ana, bruno) got nothing: one message only.
	if _, err := carla.SendText(context.Background(), "two\nlines", "x"); err == nil {
		t.Error("a subject of two lines was accepted")
	}
}
