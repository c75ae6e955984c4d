package delivery

import (
	"bufio"
	"context"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
)

// To returns a copy of d that sends to recipients instead of its configured
// ones (a relay set up once, mailing each notice to its own person). Each is
// an address as net/mail reads it; a malformed one is an error.
func (d *Email) To(recipients ...string) (*Email, error) {
	if len(recipients) == 0 {
		return nil, fmt.Errorf("%s: no recipient", KindEmail)
	}
	for _, r := range recipients {
		if a, err := mail.ParseAddress(r); err != nil || strings.ContainsAny(a.Address, "\r\n") {
			return nil, fmt.Errorf("%s: not an e-mail address: %q", KindEmail, r)
		}
	}
	c := *d
	c.cfg.Recipients = append([]string(nil), recipients...)
	return &c, nil
}

// SendText mails a plain-text message (UTF-8, quoted-printable) with subject
// to every recipient in one message, through the same connection, TLS and
// login as Send. Errors are classified as Send's are (ErrAuth, ErrRejected,
// a timeout); the password never appears in them.
func (d *Email) SendText(ctx context.Context, subject, body string) (Receipt, error) {
	rc := Receipt{Kind: KindEmail}
	if strings.ContainsAny(subject, "\r\n") {
		return rc, permanent(fmt.Errorf("%s: the subject must be one line", KindEmail))
	}
	from, _ := mail.ParseAddress(d.cfg.From)
	rc.Remote = newMessageID(from.Address)
	s, err := d.dial(ctx)
	if err != nil {
		return rc, err
	}
	defer s.close()
	step := func(what string, err error) (Receipt, error) {
		return rc, fmt.Errorf("%s: %s: %w", KindEmail, what, ctxErr(ctx, classifySMTP(err)))
	}
	if err := s.c.Mail(from.Address); err != nil {
		return step("MAIL FROM "+from.Address, err)
	}
	to := make([]string, len(d.cfg.Recipients))
	for i, r := range d.cfg.Recipients {
		a, _ := mail.ParseAddress(r)
		to[i] = a.String()
		if err := s.c.Rcpt(a.Address); err != nil {
			return step("RCPT TO "+a.Address, err)
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return step("DATA", err)
	}
	bw := bufio.NewWriter(w)
	h := func(k, v string) { fmt.Fprintf(bw, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", strings.Join(to, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", time.Now().Format(time.RFC1123Z))
	h("Message-ID", rc.Remote)
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Transfer-Encoding", "quoted-printable")
	bw.WriteString("\r\n")
	if err := writeQuotedPrintable(bw, body); err != nil {
		w.Close()
		return step("write message", err)
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return step("write message", err)
	}
	if err := w.Close(); err != nil {
		return step("end of DATA", err)
	}
	rc.Bytes = int64(len(body))
	_ = s.c.Quit()
	return rc, nil
}
