package delivery

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/i18n"
)

// KindEmail sends the file by SMTP, attached or as a link.
const KindEmail = "delivery.email"

func init() {
	MustRegister(emailSpec, func(cfgJSON []byte, opts Options) (Destination, error) {
		return NewEmailFromJSON(cfgJSON, opts)
	})
}

// emailSpec describes EmailConfig for forms and secret sealing.
var emailSpec = KindSpec{Kind: KindEmail, Labels: txt("E-mail", "E-mail"), Fields: []FieldSpec{
	{Name: "recipients", Type: FieldList, Required: true, Labels: txt("Destinatários", "Recipients"),
		Help: txt("e-mails separados por vírgula", "e-mail addresses separated by commas")},
	{Name: "subject", Type: FieldString, Default: "{file}", Labels: txt("Assunto", "Subject"),
		Help: txt("pode usar {file} para o nome do arquivo", "may use {file} for the file name")},
	{Name: "from", Type: FieldString, Required: true, Labels: txt("Remetente (From)", "Sender (From)")},
	fieldHost,
	{Name: "port", Type: FieldInt, Default: 587, DefaultBy: "encryption", Defaults: map[string]any{"starttls": 587, "tls": 465, "none": 25},
		Labels: txt("Porta", "Port")},
	{Name: "encryption", Type: FieldEnum, Default: "starttls", Values: []string{"starttls", "tls", "none"},
		ValueLabels: map[string]Text{
			"starttls": txt("STARTTLS (porta 587)", "STARTTLS (port 587)"),
			"tls":      txt("TLS implícito (porta 465)", "Implicit TLS (port 465)"),
			"none":     txt("Nenhuma (porta 25)", "None (port 25)"),
		},
		Labels: txt("Criptografia", "Encryption")},
	{Name: "username", Type: FieldString, Labels: txt("Usuário", "User"),
		Help: txt("vazio: sem autenticação", "empty: no authentication")},
	fieldPassword,
	fieldCertPin,
	{Name: "body", Type: FieldText, Advanced: true, Labels: txt("Texto da mensagem", "Message text"),
		Help: txt("pode usar {file}; vazio: “Segue o relatório {file}.”", "may use {file}; empty: “Segue o relatório {file}.”")},
	{Name: "auth", Type: FieldEnum, Advanced: true, Values: []string{"plain", "login"},
		ValueLabels: map[string]Text{"plain": txt("PLAIN", "PLAIN"), "login": txt("LOGIN", "LOGIN")},
		Labels:      txt("Autenticação", "Authentication"),
		Help:        txt("PLAIN quando há usuário; LOGIN para relays que só aceitam LOGIN", "PLAIN when a user is set; LOGIN for relays that offer only LOGIN")},
	{Name: "max_attachment_bytes", Type: FieldInt, Default: DefaultMaxAttachmentBytes, Advanced: true,
		Labels: txt("Tamanho máximo da mensagem com anexo (bytes)", "Largest message with its attachment (bytes)"),
		Help:   txt("o anexo codificado (base64, cerca de 37% maior que o arquivo) e o texto; acima disso o e-mail leva um link para baixar", "the encoded attachment (base64, about 37% larger than the file) and the text; above it the e-mail carries a download link")},
	fieldCA,
	fieldServerName,
	fieldTimeout,
}}

// DefaultMaxAttachmentBytes is used when max_attachment_bytes is 0: most
// relays refuse messages over 10–25 MB. The limit is compared with the
// message as sent (MessageSize), base64 and all, not with the file.
const DefaultMaxAttachmentBytes = 10 << 20

// EmailConfig is the settings of an e-mail destination.
type EmailConfig struct {
	Host string `json:"host"`
	Port int    `json:"port,omitempty"` // 0: 587 for starttls, 465 for tls, 25 for none
	// Encryption: "starttls" (default), "tls" (implicit, port 465) or "none".
	Encryption string `json:"encryption,omitempty"`
	Username   string `json:"username,omitempty"`
	Password   Secret `json:"password,omitempty"`
	// Auth: "plain" (default when username is set) or "login".
	Auth       string   `json:"auth,omitempty"`
	From       string   `json:"from"`
	Recipients []string `json:"recipients"`
	// Subject and Body may use {file} for the file name.
	Subject            string     `json:"subject,omitempty"`
	Body               string     `json:"body,omitempty"`
	MaxAttachmentBytes int64      `json:"max_attachment_bytes,omitempty"`
	TLS                TLSOptions `json:"tls,omitzero"`
	TimeoutSeconds     int        `json:"timeout_seconds,omitempty"`
}

// Validate reports every problem of the config.
func (c EmailConfig) Validate() error {
	var ps problems
	c.validate(&ps)
	return ps.err(KindEmail)
}

func (c EmailConfig) validate(ps *problems) {
	checkHost(ps, c.Host)
	if c.Port != 0 {
		checkPort(ps, c.Port)
	}
	switch c.Encryption {
	case "", "starttls", "tls", "none":
	case "explicit", "implicit":
		ps.add("encryption", i18n.DeliveryEncryptionIsFTP, c.Encryption)
	default:
		ps.add("encryption", i18n.DeliveryEmailEncryption, c.Encryption)
	}
	switch c.Auth {
	case "", "plain", "login":
	default:
		ps.add("auth", i18n.DeliveryEmailAuth, c.Auth)
	}
	if c.Username != "" && c.Password == "" {
		ps.add("password", i18n.DeliveryPasswordWithUsername)
	}
	if c.Username == "" && c.Auth != "" {
		ps.add("username", i18n.DeliveryUsernameWithAuth)
	}
	if c.Username != "" && c.Encryption == "none" {
		ps.add("encryption", i18n.DeliveryClearPassword)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		ps.add("from", i18n.DeliveryNotEmail, c.From)
	}
	if len(c.Recipients) == 0 {
		ps.add("recipients", i18n.DeliveryAtLeastOne)
	}
	for i, r := range c.Recipients {
		if a, err := mail.ParseAddress(r); err != nil || strings.ContainsAny(a.Address, "\r\n") {
			ps.add(fmt.Sprintf("recipients[%d]", i), i18n.DeliveryNotEmail, r)
		}
	}
	if strings.ContainsAny(c.Subject, "\r\n") {
		ps.add("subject", i18n.DeliveryOneLine)
	}
	if c.MaxAttachmentBytes < 0 {
		ps.add("max_attachment_bytes", i18n.DeliveryNotNegative)
	}
	c.TLS.validate(ps, "tls.")
	if c.TimeoutSeconds < 0 {
		ps.add("timeout_seconds", i18n.DeliveryNotNegative)
	}
}

// Email delivers by SMTP.
type Email struct {
	cfg   EmailConfig
	guard *Guard
}

var (
	_ Destination = (*Email)(nil)
	_ Tester      = (*Email)(nil)
)

// NewEmailFromJSON decodes and validates a config.
func NewEmailFromJSON(cfgJSON []byte, opts Options) (*Email, error) {
	var cfg EmailConfig
	ps := decodeConfig(KindEmail, cfgJSON, &cfg)
	cfg.validate(&ps)
	if err := ps.err(KindEmail); err != nil {
		return nil, err
	}
	return NewEmail(cfg, opts)
}

// NewEmail builds an e-mail destination from a config.
func NewEmail(cfg EmailConfig, opts Options) (*Email, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Encryption == "" {
		cfg.Encryption = "starttls"
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[cfg.Encryption]
	}
	if cfg.Username != "" && cfg.Auth == "" {
		cfg.Auth = "plain"
	}
	if cfg.MaxAttachmentBytes == 0 {
		cfg.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if cfg.Subject == "" {
		cfg.Subject = "{file}"
	}
	if opts.Guard == nil {
		opts.Guard = DefaultGuard()
	}
	return &Email{cfg: cfg, guard: opts.Guard}, nil
}

func (d *Email) Kind() string { return KindEmail }

// Config returns the config; its secrets print and marshal redacted.
func (d *Email) Config() EmailConfig { return d.cfg }

// MarshalJSON shows the config without secrets.
func (d *Email) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind   string      `json:"kind"`
		Config EmailConfig `json:"config"`
	}{KindEmail, d.cfg})
}

type smtpSession struct {
	c    *smtp.Client
	conn net.Conn
	stop func() bool
	fp   string
	subj string
}

func (s *smtpSession) close() {
	if s.stop != nil {
		s.stop()
	}
	if s.c != nil {
		s.c.Close()
	}
	if s.conn != nil {
		s.conn.Close()
	}
}

func (d *Email) dial(ctx context.Context) (*smtpSession, error) {
	s := &smtpSession{}
	addr := net.JoinHostPort(d.cfg.Host, strconv.Itoa(d.cfg.Port))
	timeout := timeoutOr(d.cfg.TimeoutSeconds, 60*time.Second)
	tlsCfg := d.cfg.TLS.tlsConfig(d.cfg.Host, func(fp, subj string) { s.fp, s.subj = fp, subj })
	fail := func(step string, err error) (*smtpSession, error) {
		s.close()
		return s, fmt.Errorf("%s: %s %s: %w", KindEmail, step, addr, ctxErr(ctx, classifySMTP(classifyTLS(err))))
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := d.guard.DialContext(dctx, "tcp", addr)
	if err != nil {
		return fail("connect", err)
	}
	s.conn = conn
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if d.cfg.Encryption == "tls" {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			return fail("TLS handshake with", err)
		}
		s.conn = tc
	}
	if s.c, err = smtp.NewClient(s.conn, d.cfg.Host); err != nil {
		return fail("greeting from", err)
	}
	if err := s.c.Hello("relato.localhost"); err != nil {
		return fail("EHLO to", err)
	}
	if d.cfg.Encryption == "starttls" {
		if ok, _ := s.c.Extension("STARTTLS"); !ok {
			return fail("STARTTLS with", permanent(errors.New("server does not offer STARTTLS")))
		}
		if err := s.c.StartTLS(tlsCfg); err != nil {
			return fail("STARTTLS with", err)
		}
	}
	if d.cfg.Username != "" {
		var auth smtp.Auth
		if d.cfg.Auth == "login" {
			auth = &loginAuth{user: d.cfg.Username, pass: d.cfg.Password.Reveal()}
		} else {
			auth = smtp.PlainAuth("", d.cfg.Username, d.cfg.Password.Reveal(), d.cfg.Host)
		}
		if err := s.c.Auth(auth); err != nil {
			return fail("log in as "+d.cfg.Username+" at", err)
		}
	}
	return s, nil
}

// classifySMTP: 535 is bad credentials; other 5xx replies are permanent
// refusals (unknown recipient, message too big); 4xx are worth retrying.
func classifySMTP(err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return err
	}
	switch {
	case te.Code == 530 || te.Code == 534 || te.Code == 535:
		return &wrapped{msg: err.Error(), errs: []error{ErrAuth, err}}
	case te.Code >= 500:
		return &wrapped{msg: err.Error(), errs: []error{ErrRejected, err}}
	}
	return err
}

// Test connects, negotiates TLS and logs in, then quits.
func (d *Email) Test(ctx context.Context) (TestResult, error) {
	s, err := d.dial(ctx)
	res := TestResult{Fingerprint: s.fp, Server: s.subj}
	if err != nil {
		return res, err
	}
	defer s.close()
	return res, s.c.Quit()
}

// Send mails the file to every recipient in one message, attached when it
// fits max_attachment_bytes, otherwise as File.DownloadURL in the body.
func (d *Email) Send(ctx context.Context, f File) (Receipt, error) {
	rc := Receipt{Kind: KindEmail}
	if err := f.checkName(); err != nil {
		return rc, err
	}
	size := MessageSize(f.Size, len(d.cfg.Body)+len(d.cfg.Subject))
	attach := size <= d.cfg.MaxAttachmentBytes
	if !attach && f.DownloadURL == "" {
		return rc, permanent(fmt.Errorf("%s: %s makes a message of about %d bytes (%d bytes encoded), max_attachment_bytes is %d, and no download link is available (set --public-url): %w",
			KindEmail, f.Name, size, f.Size, d.cfg.MaxAttachmentBytes, ErrTooLarge))
	}
	rc.Linked = !attach
	from, _ := mail.ParseAddress(d.cfg.From)
	msgID := newMessageID(from.Address)
	rc.Remote = msgID

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
	for _, r := range d.cfg.Recipients {
		a, _ := mail.ParseAddress(r)
		if err := s.c.Rcpt(a.Address); err != nil {
			return step("RCPT TO "+a.Address, err)
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return step("DATA", err)
	}
	// The whole message may take long to send; the deadline covers it all.
	_ = s.conn.SetDeadline(time.Now().Add(timeoutOr(d.cfg.TimeoutSeconds, 60*time.Second) + time.Duration(f.Size/(64<<10))*time.Second))
	n, sum, err := d.writeMessage(w, f, msgID, attach)
	rc.Bytes, rc.SHA256 = n, sum
	if err != nil {
		w.Close()
		return step("write message", err)
	}
	if attach {
		if err := checkSum(f, sum); err != nil {
			// Closing DATA would send the bad file; drop the connection instead.
			s.conn.Close()
			return rc, err
		}
	}
	if err := w.Close(); err != nil {
		return step("end of DATA", err)
	}
	_ = s.c.Quit()
	return rc, nil
}

// MessageSize is the size in bytes of an e-mail carrying a file of
// fileBytes attached, with textBytes of subject and body: the base64 form of
// the file (4 bytes per 3, CRLF after every 76) plus the text quoted-printable
// at worst (3 bytes per byte) plus 4 KiB of headers and MIME parts.
func MessageSize(fileBytes int64, textBytes int) int64 {
	b64 := (fileBytes + 2) / 3 * 4
	return b64 + (b64+75)/76*2 + int64(textBytes)*3 + 4<<10
}

func newMessageID(from string) string {
	var b [12]byte
	rand.Read(b[:])
	domain := "relato.localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// writeMessage writes the whole message: headers, then the text (quoted-
// printable) alone or, with attach, a multipart/mixed of the text and the
// file (base64). It returns the file's bytes and sha256 as read.
func (d *Email) writeMessage(dst io.Writer, f File, msgID string, attach bool) (int64, string, error) {
	bw := bufio.NewWriter(dst)
	h := func(k, v string) { fmt.Fprintf(bw, "%s: %s\r\n", k, v) }
	from, _ := mail.ParseAddress(d.cfg.From)
	h("From", from.String())
	to := make([]string, len(d.cfg.Recipients))
	for i, r := range d.cfg.Recipients {
		a, _ := mail.ParseAddress(r)
		to[i] = a.String()
	}
	h("To", strings.Join(to, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", strings.ReplaceAll(d.cfg.Subject, "{file}", f.Name)))
	h("Date", time.Now().Format(time.RFC1123Z))
	h("Message-ID", msgID)
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")

	body := strings.ReplaceAll(d.cfg.Body, "{file}", f.Name)
	if body == "" {
		body = "Segue o relatório " + f.Name + "."
	}
	textHeader := textproto.MIMEHeader{"Content-Type": {`text/plain; charset="utf-8"`}, "Content-Transfer-Encoding": {"quoted-printable"}}
	if f.Manifest.Filters != "" {
		body += "\n\n" + f.Manifest.Filters
	}
	if f.Manifest.Truncated {
		body += fmt.Sprintf("\n\nAtenção: o resultado foi cortado no limite de %d linhas do relatório; o arquivo não traz todos os dados.", f.Manifest.Rows)
	}
	if !attach {
		body += fmt.Sprintf("\n\nO arquivo %s (%s) é grande demais para anexar. Baixe em:\n%s\n", f.Name, humanBytes(f.Size), f.DownloadURL)
		h("Content-Type", textHeader.Get("Content-Type"))
		h("Content-Transfer-Encoding", textHeader.Get("Content-Transfer-Encoding"))
		bw.WriteString("\r\n")
		if err := writeQuotedPrintable(bw, body); err != nil {
			return 0, "", err
		}
		return 0, "", bw.Flush()
	}

	mw := multipart.NewWriter(bw)
	h("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	bw.WriteString("\r\n")
	tw, err := mw.CreatePart(textHeader)
	if err != nil {
		return 0, "", err
	}
	if err := writeQuotedPrintable(tw, body); err != nil {
		return 0, "", err
	}
	ct, params, err := mime.ParseMediaType(f.contentType())
	if err != nil {
		ct, params = "application/octet-stream", map[string]string{}
	}
	params["name"] = ASCIIName(f.Name)
	// The name as typed in RFC 2231's filename*, an ASCII fallback in filename.
	aw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(ct, params)},
		"Content-Disposition":       {ContentDisposition(f.Name)},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return 0, "", err
	}
	r, err := f.Open()
	if err != nil {
		return 0, "", fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer r.Close()
	cr := newCountingReader(r)
	enc := base64.NewEncoder(base64.StdEncoding, &lineWrapper{w: aw, max: 76})
	if _, err := io.Copy(enc, cr); err != nil {
		return cr.n, cr.sum(), err
	}
	if err := enc.Close(); err != nil {
		return cr.n, cr.sum(), err
	}
	if err := mw.Close(); err != nil {
		return cr.n, cr.sum(), err
	}
	return cr.n, cr.sum(), bw.Flush()
}

// writeQuotedPrintable writes text as quoted-printable (which turns its line
// breaks into CRLF) and ends the line.
func writeQuotedPrintable(w io.Writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, text); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\r\n")
	return err
}

// lineWrapper breaks base64 output into lines of max characters (RFC 2045):
// encoding/base64 writes one long line and mime/multipart leaves the part's
// encoding to the caller, so this small writer is ours.
type lineWrapper struct {
	w   io.Writer
	max int
	col int
}

func (l *lineWrapper) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if l.col == l.max {
			if _, err := io.WriteString(l.w, "\r\n"); err != nil {
				return n, err
			}
			l.col = 0
		}
		k := min(len(p), l.max-l.col)
		m, err := l.w.Write(p[:k])
		n += m
		l.col += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// loginAuth is the LOGIN mechanism, which net/smtp lacks; some relays
// (older Exchange, Office 365) offer only LOGIN. Refused without TLS.
type loginAuth struct{ user, pass string }

func (a *loginAuth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	if !info.TLS {
		return "", nil, errors.New("refusing LOGIN auth without TLS")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:", "user name", "username":
		return []byte(a.user), nil
	case "password:", "password":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN prompt %q", fromServer)
}
