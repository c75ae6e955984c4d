package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
)

func emailConfig(s *deliverytest.MailServer, over map[string]any) []byte {
	cfg := map[string]any{"host": s.Host, "port": s.SMTPPort, "username": s.User, "password": s.Password,
		"from": "Relatórios <relato@example.com>", "recipients": []string{"ana@example.com", "Bruno <bruno@example.com>"},
		"subject": "Relatório {file}", "tls": map[string]any{"ca_pem": string(s.Cert.CertPEM)}}
	for k, v := range over {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	b, _ := json.Marshal(cfg)
	return b
}

func TestEmail_AttachesFileByteForByte(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		mode deliverytest.SMTPTLS
		over map[string]any
	}{
		{"STARTTLS with PLAIN auth", deliverytest.SMTPStartTLS, nil},
		{"STARTTLS with LOGIN auth", deliverytest.SMTPStartTLS, map[string]any{"auth": "login"}},
		{"implicit TLS", deliverytest.SMTPImplicit, map[string]any{"encryption": "tls"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := deliverytest.StartMailpit(t, c.mode)
			dest, err := delivery.New(delivery.KindEmail, emailConfig(srv, c.over), loopback)
			if err != nil {
				t.Fatal(err)
			}
			body := reportCSV(7000)
			f := csvFile("nível de serviço – janeiro.csv", body)
			rc, err := dest.Send(context.Background(), f)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			msgs := srv.Messages(t)
			if len(msgs) != 1 {
				t.Fatalf("mailpit holds %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.Subject != "Relatório nível de serviço – janeiro.csv" || m.From.Address != "relato@example.com" ||
				len(m.To) != 2 || m.To[0].Address != "ana@example.com" || m.To[1].Address != "bruno@example.com" {
				t.Errorf("headers: subject %q from %+v to %+v", m.Subject, m.From, m.To)
			}
			if "<"+m.MessageID+">" != rc.Remote {
				t.Errorf("receipt Message-ID %q, mailpit has %q", rc.Remote, m.MessageID)
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("attachments = %+v, want 1", m.Attachments)
			}
			a := m.Attachments[0]
			if a.FileName != f.Name || !strings.HasPrefix(a.ContentType, "text/csv") {
				t.Errorf("attachment %+v, want name %q and text/csv", a, f.Name)
			}
			if got := srv.Part(t, m.ID, a.PartID); !bytes.Equal(got, body) {
				t.Fatalf("attachment is %d bytes and differs from the %d sent", len(got), len(body))
			}
			if rc.Bytes != int64(len(body)) || rc.Linked {
				t.Errorf("receipt = %+v", rc)
			}
		})
	}
}

func TestEmail_SendsLinkWhenFileIsOverTheLimit(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	dest, err := delivery.New(delivery.KindEmail, emailConfig(srv, map[string]any{"max_attachment_bytes": 1000}), loopback)
	if err != nil {
		t.Fatal(err)
	}
	f := csvFile("grande.csv", reportCSV(100)) // ~4 KB, over 1000
	if _, err := dest.Send(context.Background(), f); !errors.Is(err, delivery.ErrTooLarge) || !delivery.IsPermanent(err) {
		t.Fatalf("without a link: err = %v, want permanent ErrTooLarge", err)
	}
	f.DownloadURL = "https://relato.example.com/v1/runs/42/download?token=abc"
	rc, err := dest.Send(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 0 || !strings.Contains(msgs[0].Text, f.DownloadURL) || !rc.Linked {
		t.Fatalf("want one message with the link and no attachment, got %+v (receipt %+v)", msgs, rc)
	}
}

func TestEmail_Refusals(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	other := deliverytest.NewCert(t, "someone-else")
	cases := []struct {
		name    string
		over    map[string]any
		wantErr error
	}{
		{"a wrong password is an auth failure", map[string]any{"password": "wrong"}, delivery.ErrAuth},
		{"an untrusted certificate is refused", map[string]any{"tls": nil}, delivery.ErrCertificateUntrust},
		{"a certificate other than the pinned one is refused", map[string]any{"tls": map[string]any{"fingerprint_sha256": other.Fingerprint}}, delivery.ErrCertificateMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest, err := delivery.New(delivery.KindEmail, emailConfig(srv, c.over), loopback)
			if err != nil {
				t.Fatal(err)
			}
			_, err = dest.Send(context.Background(), csvFile("a.csv", []byte("x\n")))
			if !errors.Is(err, c.wantErr) || !delivery.IsPermanent(err) {
				t.Fatalf("err = %v, want permanent %v", err, c.wantErr)
			}
		})
	}
	t.Run("a connection test reports the certificate to pin", func(t *testing.T) {
		dest, _ := delivery.New(delivery.KindEmail, emailConfig(srv, map[string]any{"tls": nil}), loopback)
		res, err := dest.(delivery.Tester).Test(context.Background())
		if !errors.Is(err, delivery.ErrCertificateUntrust) || res.Fingerprint != srv.Cert.Fingerprint {
			t.Fatalf("test = %+v, %v", res, err)
		}
	})
	if n := srv.Count(t); n != 0 {
		t.Errorf("mailpit received %d messages despite the refusals", n)
	}
}

func TestEmail_TextPartReadsBackAsWritten(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	// Accents, a line longer than quoted-printable's 76 columns, an "=" and
	// a trailing space: each needs encoding, and must decode to the same text.
	long := strings.Repeat("média de atendimento = 42 ", 6)
	body := "Olá, equipe!\nSegue {file}.\n" + long + "\nfim "
	dest, err := delivery.New(delivery.KindEmail, emailConfig(srv, map[string]any{"body": body}), loopback)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dest.Send(context.Background(), csvFile("sl.csv", []byte("a\n"))); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("mailpit holds %d messages", len(msgs))
	}
	want := "Olá, equipe!\r\nSegue sl.csv.\r\n" + long + "\r\nfim "
	if got := strings.TrimRight(msgs[0].Text, "\r\n"); got != want && got != strings.ReplaceAll(want, "\r\n", "\n") {
		t.Errorf("text part\n%q\nwant\n%q", got, want)
	}
	if len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].FileName != "sl.csv" {
		t.Errorf("attachments %+v", msgs[0].Attachments)
	}
}

func TestEmail_ComparesTheLimitWithTheEncodedMessage(t *testing.T) {
	t.Parallel()
	// 8,000 bytes fit a 10,000-byte limit as a file, but not as a message:
	// base64 makes 8,000 bytes 10,668 (4 per 3), plus line ends and headers.
	if got := delivery.MessageSize(8000, 0); got <= 10000 {
		t.Fatalf("MessageSize(8000) = %d, want over 10,000", got)
	}
	srv := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	dest, err := delivery.New(delivery.KindEmail, emailConfig(srv, map[string]any{"max_attachment_bytes": 10000}), loopback)
	if err != nil {
		t.Fatal(err)
	}
	f := delivery.FileFromBytes("relatório_nível serviço.csv", "text/csv; charset=utf-8", bytes.Repeat([]byte("a"), 8000))
	f.DownloadURL = "https://relato.example.com/v1/links/x.y"
	f.Manifest.Truncated, f.Manifest.Rows = true, 10000
	rc, err := dest.Send(context.Background(), f)
	if err != nil || !rc.Linked {
		t.Fatalf("send: %+v, %v; want a link", rc, err)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 0 || !strings.Contains(msgs[0].Text, f.DownloadURL) {
		t.Fatalf("want the link and no attachment: %+v", msgs)
	}
	// The cap travels with the file: the text says it.
	if !strings.Contains(msgs[0].Text, "cortado no limite de 10000 linhas") {
		t.Errorf("the text does not say the result was cut: %q", msgs[0].Text)
	}
}

func TestEmail_NamesTheAttachmentAsTyped(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartMailpit(t, deliverytest.SMTPStartTLS)
	dest, err := delivery.New(delivery.KindEmail, emailConfig(srv, nil), loopback)
	if err != nil {
		t.Fatal(err)
	}
	f := csvFile("relatório_nível serviço_2026-11-30.csv", []byte("a;b\r\n1;2\r\n"))
	if _, err := dest.Send(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].FileName != f.Name {
		t.Fatalf("want one attachment named %q: %+v", f.Name, msgs)
	}
	raw := string(srv.Raw(t, msgs[0].ID))
	// RFC 2231 for mail programs that read it, ASCII for the others.
	for _, want := range []string{`filename="relatorio_nivel servico_2026-11-30.csv"`, `filename*=utf-8''relat%C3%B3rio_n%C3%ADvel%20servi%C3%A7o_2026-11-30.csv`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the message lacks %s", want)
		}
	}
}
