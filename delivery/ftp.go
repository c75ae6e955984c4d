package delivery

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/relato/relato/engine/i18n"
)

// FTP kinds. One config type serves all three; the kind fixes the encryption.
const (
	KindFTP   = "delivery.ftp"   // plain FTP, port 21
	KindFTPES = "delivery.ftpes" // explicit TLS (AUTH TLS) on 21
	KindFTPS  = "delivery.ftps"  // implicit TLS, port 990
)

func init() {
	for _, kind := range []string{KindFTP, KindFTPES, KindFTPS} {
		MustRegister(ftpSpec(kind), func(cfgJSON []byte, opts Options) (Destination, error) {
			return NewFTPFromJSON(kind, cfgJSON, opts)
		})
	}
}

// ftpSpec describes FTPConfig for one of the FTP kinds: the kind fixes the
// encryption, and plain FTP has no TLS settings.
func ftpSpec(kind string) KindSpec {
	labels := map[string]Text{
		KindFTP:   txt("FTP (sem criptografia, porta 21)", "FTP (no encryption, port 21)"),
		KindFTPES: txt("FTPES (TLS explícito, porta 21)", "FTPES (explicit TLS, port 21)"),
		KindFTPS:  txt("FTPS (TLS implícito, porta 990)", "FTPS (implicit TLS, port 990)"),
	}
	port := 21
	if kind == KindFTPS {
		port = 990
	}
	enc := ftpEncryption[kind]
	tlsFields := []FieldSpec{fieldCertPin, fieldCA, fieldServerName}
	if kind == KindFTP {
		for i := range tlsFields {
			tlsFields[i] = hidden(tlsFields[i])
		}
	}
	fields := []FieldSpec{fieldHost, withPort(port), fieldUsername, fieldPassword, fieldDirectory, tlsFields[0], fieldManifest, tlsFields[1], tlsFields[2], fieldTimeout,
		hidden(FieldSpec{Name: "encryption", Type: FieldEnum, Default: enc, Values: []string{enc}, ValueLabels: map[string]Text{enc: labels[kind]},
			Labels: txt("Criptografia", "Encryption"), Help: txt("definida pelo tipo", "set by the kind")}),
	}
	return KindSpec{Kind: kind, Labels: labels[kind], Fields: fields}
}

// FTPConfig is the settings of an FTP, FTPES or FTPS destination.
type FTPConfig struct {
	Host      string `json:"host"`
	Port      int    `json:"port,omitempty"` // 0: 21, or 990 for FTPS
	Username  string `json:"username"`
	Password  Secret `json:"password,omitempty"`
	Directory string `json:"directory,omitempty"` // remote directory; empty: the login directory
	// Encryption is optional and must agree with the kind: "none" (ftp),
	// "explicit" (ftpes), "implicit" (ftps).
	Encryption     string     `json:"encryption,omitempty"`
	TLS            TLSOptions `json:"tls,omitzero"`
	Manifest       bool       `json:"manifest,omitempty"` // also upload <name>.manifest.json
	TimeoutSeconds int        `json:"timeout_seconds,omitempty"`
}

var ftpEncryption = map[string]string{KindFTP: "none", KindFTPES: "explicit", KindFTPS: "implicit"}

// Validate reports every problem of the config for the given kind.
func (c FTPConfig) Validate(kind string) error {
	var ps problems
	c.validate(&ps, kind)
	return ps.err(kind)
}

func (c FTPConfig) validate(ps *problems, kind string) {
	want, ok := ftpEncryption[kind]
	if !ok {
		ps.add("(kind)", i18n.DeliveryNotFTPKind, kind)
		return
	}
	checkHost(ps, c.Host)
	if c.Port != 0 {
		checkPort(ps, c.Port)
	}
	if c.Username == "" {
		ps.add("username", i18n.DeliveryRequired)
	}
	if c.Encryption != "" && c.Encryption != want {
		ps.add("encryption", i18n.DeliveryFTPEncryption, c.Encryption, kind, want)
	}
	if kind == KindFTP && c.TLS != (TLSOptions{}) {
		ps.add("tls", i18n.DeliveryPlainNoTLS)
	}
	c.TLS.validate(ps, "tls.")
	if c.TimeoutSeconds < 0 {
		ps.add("timeout_seconds", i18n.DeliveryNotNegative)
	}
}

// FTP delivers over FTP, FTPES or FTPS in passive mode.
type FTP struct {
	kind  string
	cfg   FTPConfig
	guard *Guard
}

var (
	_ Destination = (*FTP)(nil)
	_ Tester      = (*FTP)(nil)
)

// NewFTPFromJSON decodes and validates a config.
func NewFTPFromJSON(kind string, cfgJSON []byte, opts Options) (*FTP, error) {
	var cfg FTPConfig
	ps := decodeConfig(kind, cfgJSON, &cfg)
	cfg.validate(&ps, kind)
	if err := ps.err(kind); err != nil {
		return nil, err
	}
	return NewFTP(kind, cfg, opts)
}

// NewFTP builds an FTP destination from a config.
func NewFTP(kind string, cfg FTPConfig, opts Options) (*FTP, error) {
	if err := cfg.Validate(kind); err != nil {
		return nil, err
	}
	if cfg.Port == 0 {
		cfg.Port = 21
		if kind == KindFTPS {
			cfg.Port = 990
		}
	}
	if opts.Guard == nil {
		opts.Guard = DefaultGuard()
	}
	return &FTP{kind: kind, cfg: cfg, guard: opts.Guard}, nil
}

func (d *FTP) Kind() string { return d.kind }

// Config returns the config; its secrets print and marshal redacted.
func (d *FTP) Config() FTPConfig { return d.cfg }

// ftpSession is one logged-in control connection plus its data connections,
// closed all at once when the context ends.
type ftpSession struct {
	conn  *ftp.ServerConn
	mu    sync.Mutex
	nets  []net.Conn
	stop  func() bool
	fp    string
	subj  string
	timed time.Duration
}

func (s *ftpSession) track(c net.Conn) {
	s.mu.Lock()
	s.nets = append(s.nets, c)
	s.mu.Unlock()
}

func (s *ftpSession) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.nets {
		c.Close()
	}
}

func (s *ftpSession) close() {
	s.stop()
	if s.conn != nil {
		s.conn.Quit()
	}
	s.closeAll()
}

func (d *FTP) dial(ctx context.Context) (*ftpSession, error) {
	s := &ftpSession{timed: timeoutOr(d.cfg.TimeoutSeconds, 60*time.Second)}
	addr := net.JoinHostPort(d.cfg.Host, strconv.Itoa(d.cfg.Port))
	var tlsCfg *tls.Config
	if d.kind != KindFTP {
		tlsCfg = d.cfg.TLS.tlsConfig(d.cfg.Host, func(fp, subj string) { s.fp, s.subj = fp, subj })
	}
	calls := 0
	// The library uses this for the control and every data connection, and
	// leaves TLS to us: implicit TLS wraps all of them, explicit TLS only the
	// data connections (the control one is upgraded by AUTH TLS).
	dialFunc := func(network, address string) (net.Conn, error) {
		calls++
		dctx, cancel := context.WithTimeout(ctx, s.timed)
		defer cancel()
		c, err := d.guard.DialContext(dctx, network, address)
		if err != nil {
			return nil, err
		}
		s.track(c)
		if tlsCfg != nil && (d.kind == KindFTPS || calls > 1) {
			tc := tls.Client(c, tlsCfg)
			if calls == 1 {
				if err := tc.HandshakeContext(dctx); err != nil {
					c.Close()
					return nil, classifyTLS(err)
				}
				return tc, nil
			}
			return &gracefulTLS{Conn: tc, linger: s.timed}, nil
		}
		return c, nil
	}
	s.stop = context.AfterFunc(ctx, s.closeAll)
	opts := []ftp.DialOption{
		ftp.DialWithContext(ctx), ftp.DialWithTimeout(s.timed), ftp.DialWithDialFunc(dialFunc),
	}
	if d.kind == KindFTPES {
		opts = append(opts, ftp.DialWithExplicitTLS(tlsCfg))
	} else if d.kind == KindFTPS {
		opts = append(opts, ftp.DialWithTLS(tlsCfg))
	}
	conn, err := ftp.Dial(addr, opts...)
	if err != nil {
		s.close()
		return s, fmt.Errorf("%s: connect %s: %w", d.kind, addr, ctxErr(ctx, classifyTLS(err)))
	}
	s.conn = conn
	if err := conn.Login(d.cfg.Username, d.cfg.Password.Reveal()); err != nil {
		s.close()
		return s, fmt.Errorf("%s: login as %s at %s: %w", d.kind, d.cfg.Username, addr, ctxErr(ctx, classifyLogin(classifyTLS(err))))
	}
	return s, nil
}

// classifyLogin treats any refusal of USER/PASS as an auth failure.
func classifyLogin(err error) error {
	err = classifyFTPCode(err)
	if errors.Is(err, ErrPermissionDenied) {
		return &wrapped{msg: err.Error(), errs: []error{ErrAuth, err}}
	}
	return err
}

// ctxErr prefers the context's error when the context ended, since closing
// the connections then produces misleading "use of closed connection" errors.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Test connects, logs in and checks the directory exists.
func (d *FTP) Test(ctx context.Context) (TestResult, error) {
	s, err := d.dial(ctx)
	res := TestResult{Fingerprint: s.fp, Server: s.subj}
	if err != nil {
		return res, err
	}
	defer s.close()
	if d.cfg.Directory != "" {
		if _, err := s.conn.List(d.cfg.Directory); err != nil {
			return res, fmt.Errorf("%s: list %s: %w", d.kind, d.cfg.Directory, classifyFTPCode(err))
		}
	}
	return res, nil
}

// Send uploads f to <directory>/<name>.part, renames it to <name>, then
// writes the manifest the same way when configured.
func (d *FTP) Send(ctx context.Context, f File) (Receipt, error) {
	return remoteUpload{kind: d.kind, directory: d.cfg.Directory, manifest: d.cfg.Manifest,
		connect: func(ctx context.Context) (remoteSession, error) { return d.dial(ctx) }}.send(ctx, f)
}

var _ remoteSession = (*ftpSession)(nil)

// Put stores r at path over a data connection.
func (s *ftpSession) Put(_ context.Context, path string, r io.Reader) error {
	return classifyFTPCode(classifyTLS(s.conn.Stor(path, r)))
}

// Rename renames from to to, deleting to first when the server refuses to
// rename over an existing file (many do).
func (s *ftpSession) Rename(_ context.Context, from, to string) error {
	err := s.conn.Rename(from, to)
	if err != nil {
		if derr := s.conn.Delete(to); derr == nil {
			err = s.conn.Rename(from, to)
		}
	}
	return classifyFTPCode(err)
}

// Remove deletes path.
func (s *ftpSession) Remove(_ context.Context, path string) error { return s.conn.Delete(path) }

// MarshalJSON shows the config without secrets (Secret redacts itself).
func (d *FTP) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind   string    `json:"kind"`
		Config FTPConfig `json:"config"`
	}{d.kind, d.cfg})
}

// gracefulTLS closes a TLS data connection the way servers expect: send
// close_notify, then read until the server closes. Closing at once can leave
// unread TLS 1.3 session tickets in the socket, the kernel then sends a reset,
// and vsftpd answers the upload with "426 Failure reading network stream".
type gracefulTLS struct {
	*tls.Conn
	linger time.Duration
}

func (g *gracefulTLS) Close() error {
	werr := g.Conn.CloseWrite()
	if werr == nil {
		_ = g.Conn.SetReadDeadline(time.Now().Add(g.linger))
		_, _ = io.Copy(io.Discard, g.Conn)
	}
	err := g.Conn.Close()
	if werr != nil && !errors.Is(werr, net.ErrClosed) {
		return werr
	}
	return err
}
