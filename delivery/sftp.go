package delivery

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/relato/relato/engine/i18n"
)

// KindSFTP is SFTP over SSH, port 22.
const KindSFTP = "delivery.sftp"

func init() {
	MustRegister(sftpSpec, func(cfgJSON []byte, opts Options) (Destination, error) {
		return NewSFTPFromJSON(cfgJSON, opts)
	})
}

// sftpSpec describes SFTPConfig for forms and secret sealing.
var sftpSpec = KindSpec{Kind: KindSFTP, Labels: txt("SFTP (SSH, porta 22)", "SFTP (SSH, port 22)"), Fields: []FieldSpec{
	fieldHost,
	withPort(22),
	fieldUsername,
	fieldPassword,
	{Name: "private_key", Type: FieldText, Secret: true, Labels: txt("Chave privada (no lugar da senha)", "Private key (instead of the password)"),
		Help: txt("PEM ou formato OpenSSH", "PEM or OpenSSH format")},
	{Name: "private_key_passphrase", Type: FieldString, Secret: true, Labels: txt("Senha da chave privada", "Private key passphrase")},
	fieldDirectory,
	{Name: "host_key_sha256", Type: FieldString, Pin: true, Labels: txt("Chave do servidor fixada (SHA256:…)", "Pinned host key (SHA256:…)"),
		Help: txt("use “Testar conexão” para obtê-la", "use “Test connection” to get it")},
	{Name: "insecure_ignore_host_key", Type: FieldBool, Default: false, Advanced: true,
		Labels: txt("Não verificar a chave do servidor (inseguro)", "Do not check the host key (insecure)"),
		Help:   txt("só para testes: aceita qualquer servidor", "for tests only: accepts any server")},
	fieldManifest,
	fieldTimeout,
	hidden(FieldSpec{Name: "encryption", Type: FieldString, Labels: txt("Criptografia", "Encryption"),
		Help: txt("não se aplica: SFTP sempre usa SSH", "does not apply: SFTP always runs over SSH")}),
}}

// SFTPConfig is the settings of an SFTP destination.
type SFTPConfig struct {
	Host                 string `json:"host"`
	Port                 int    `json:"port,omitempty"` // 0: 22
	Username             string `json:"username"`
	Password             Secret `json:"password,omitempty"`
	PrivateKey           Secret `json:"private_key,omitempty"` // PEM or OpenSSH format
	PrivateKeyPassphrase Secret `json:"private_key_passphrase,omitempty"`
	// HostKeySHA256 pins the server's host key as OpenSSH prints it
	// ("SHA256:…", see ssh-keygen -lf). Without it the upload is refused
	// unless InsecureIgnoreHostKey is set.
	HostKeySHA256         string `json:"host_key_sha256,omitempty"`
	InsecureIgnoreHostKey bool   `json:"insecure_ignore_host_key,omitempty"`
	Directory             string `json:"directory,omitempty"`
	Manifest              bool   `json:"manifest,omitempty"`
	TimeoutSeconds        int    `json:"timeout_seconds,omitempty"`
	// Encryption belongs to the FTP kinds; it is accepted here only to
	// explain that it does not apply.
	Encryption string `json:"encryption,omitempty"`
}

// Validate reports every problem of the config.
func (c SFTPConfig) Validate() error {
	var ps problems
	c.validate(&ps)
	return ps.err(KindSFTP)
}

func (c SFTPConfig) validate(ps *problems) {
	checkHost(ps, c.Host)
	if c.Port != 0 {
		checkPort(ps, c.Port)
	}
	if c.Username == "" {
		ps.add("username", i18n.DeliveryRequired)
	}
	if c.Password == "" && c.PrivateKey == "" {
		ps.add("password", i18n.DeliveryPasswordOrKey)
	}
	if c.PrivateKey != "" {
		if _, err := c.signer(); err != nil {
			ps.add("private_key", i18n.Raw, err.Error())
		}
	}
	if c.HostKeySHA256 != "" {
		raw, ok := strings.CutPrefix(c.HostKeySHA256, "SHA256:")
		if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "=")); !ok || err != nil || len(b) != 32 {
			ps.add("host_key_sha256", i18n.DeliveryHostKeyForm)
		}
		if c.InsecureIgnoreHostKey {
			ps.add("insecure_ignore_host_key", i18n.DeliveryInsecureContradicts)
		}
	}
	if c.Encryption != "" {
		ps.add("encryption", i18n.DeliverySFTPEncryption, c.Encryption)
	}
	if c.TimeoutSeconds < 0 {
		ps.add("timeout_seconds", i18n.DeliveryNotNegative)
	}
}

func (c SFTPConfig) signer() (ssh.Signer, error) {
	var (
		s   ssh.Signer
		err error
	)
	if c.PrivateKeyPassphrase != "" {
		s, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey.Reveal()), []byte(c.PrivateKeyPassphrase.Reveal()))
	} else {
		s, err = ssh.ParsePrivateKey([]byte(c.PrivateKey.Reveal()))
	}
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, errors.New("is encrypted; set private_key_passphrase")
		}
		return nil, fmt.Errorf("cannot be read: %v", err) // never echo the key
	}
	return s, nil
}

// SFTP delivers over SFTP.
type SFTP struct {
	cfg    SFTPConfig
	guard  *Guard
	signer ssh.Signer
}

var (
	_ Destination = (*SFTP)(nil)
	_ Tester      = (*SFTP)(nil)
)

// NewSFTPFromJSON decodes and validates a config.
func NewSFTPFromJSON(cfgJSON []byte, opts Options) (*SFTP, error) {
	var cfg SFTPConfig
	ps := decodeConfig(KindSFTP, cfgJSON, &cfg)
	cfg.validate(&ps)
	if err := ps.err(KindSFTP); err != nil {
		return nil, err
	}
	return NewSFTP(cfg, opts)
}

// NewSFTP builds an SFTP destination from a config.
func NewSFTP(cfg SFTPConfig, opts Options) (*SFTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Port == 0 {
		cfg.Port = 22
	}
	if opts.Guard == nil {
		opts.Guard = DefaultGuard()
	}
	d := &SFTP{cfg: cfg, guard: opts.Guard}
	if cfg.PrivateKey != "" {
		d.signer, _ = cfg.signer()
	}
	return d, nil
}

func (d *SFTP) Kind() string { return KindSFTP }

// Config returns the config; its secrets print and marshal redacted.
func (d *SFTP) Config() SFTPConfig { return d.cfg }

// MarshalJSON shows the config without secrets.
func (d *SFTP) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind   string     `json:"kind"`
		Config SFTPConfig `json:"config"`
	}{KindSFTP, d.cfg})
}

type sftpSession struct {
	ssh  *ssh.Client
	sftp *sftp.Client
	conn net.Conn
	stop func() bool
	fp   string
}

func (s *sftpSession) close() {
	if s.stop != nil {
		s.stop()
	}
	if s.sftp != nil {
		s.sftp.Close()
	}
	if s.ssh != nil {
		s.ssh.Close()
	}
	if s.conn != nil {
		s.conn.Close()
	}
}

func (d *SFTP) dial(ctx context.Context) (*sftpSession, error) {
	s := &sftpSession{}
	addr := net.JoinHostPort(d.cfg.Host, strconv.Itoa(d.cfg.Port))
	timeout := timeoutOr(d.cfg.TimeoutSeconds, 60*time.Second)
	var auth []ssh.AuthMethod
	if d.signer != nil {
		auth = append(auth, ssh.PublicKeys(d.signer))
	}
	if d.cfg.Password != "" {
		pw := d.cfg.Password.Reveal()
		auth = append(auth, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	cc := &ssh.ClientConfig{
		User: d.cfg.Username, Auth: auth, Timeout: timeout,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			s.fp = ssh.FingerprintSHA256(key)
			switch {
			case d.cfg.HostKeySHA256 != "":
				want := "SHA256:" + strings.TrimRight(strings.TrimPrefix(d.cfg.HostKeySHA256, "SHA256:"), "=")
				if subtle.ConstantTimeCompare([]byte(s.fp), []byte(want)) != 1 {
					return fmt.Errorf("server %s offered %s, pinned %s: %w", addr, s.fp, want, ErrHostKeyMismatch)
				}
				return nil
			case d.cfg.InsecureIgnoreHostKey:
				return nil
			}
			return fmt.Errorf("server %s offered %s: %w", addr, s.fp, ErrHostKeyNotPinned)
		},
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := d.guard.DialContext(dctx, "tcp", addr)
	if err != nil {
		return s, fmt.Errorf("%s: connect %s: %w", KindSFTP, addr, err)
	}
	s.conn = conn
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(timeout)) // bounds the handshake
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cc)
	if err != nil {
		s.close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			err = &wrapped{msg: err.Error(), errs: []error{ErrAuth, err}}
		}
		return s, fmt.Errorf("%s: ssh to %s as %s: %w", KindSFTP, addr, d.cfg.Username, ctxErr(ctx, err))
	}
	_ = conn.SetDeadline(time.Time{})
	s.ssh = ssh.NewClient(c, chans, reqs)
	s.sftp, err = sftp.NewClient(s.ssh, sftp.UseConcurrentWrites(true))
	if err != nil {
		s.close()
		return s, fmt.Errorf("%s: start sftp on %s: %w", KindSFTP, addr, ctxErr(ctx, err))
	}
	return s, nil
}

// Test connects, authenticates and checks the directory. The host key
// fingerprint is returned even when it is not pinned yet.
func (d *SFTP) Test(ctx context.Context) (TestResult, error) {
	s, err := d.dial(ctx)
	res := TestResult{Fingerprint: s.fp}
	if err != nil {
		return res, err
	}
	defer s.close()
	if d.cfg.Directory != "" {
		if _, err := s.sftp.Stat(d.cfg.Directory); err != nil {
			return res, fmt.Errorf("%s: stat %s: %w", KindSFTP, d.cfg.Directory, classifyFS(err))
		}
	}
	return res, nil
}

// Send uploads f to <directory>/<name>.part and renames it to <name>.
func (d *SFTP) Send(ctx context.Context, f File) (Receipt, error) {
	return remoteUpload{kind: KindSFTP, directory: d.cfg.Directory, manifest: d.cfg.Manifest,
		connect: func(ctx context.Context) (remoteSession, error) { return d.dial(ctx) }}.send(ctx, f)
}

var _ remoteSession = (*sftpSession)(nil)

// Put writes r to path, creating or truncating it.
func (s *sftpSession) Put(_ context.Context, path string, r io.Reader) error {
	w, err := s.sftp.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return classifyFS(err)
	}
	if _, err := w.ReadFrom(r); err != nil {
		w.Close()
		return classifyFS(err)
	}
	return classifyFS(w.Close())
}

// Rename renames from to to, replacing to: atomically where the server
// offers posix-rename@openssh.com, else by removing to first.
func (s *sftpSession) Rename(_ context.Context, from, to string) error {
	if _, ok := s.sftp.HasExtension("posix-rename@openssh.com"); ok {
		return classifyFS(s.sftp.PosixRename(from, to))
	}
	// Plain SFTP rename fails when the target exists.
	if err := s.sftp.Remove(to); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replace %s: %w", to, classifyFS(err))
	}
	return classifyFS(s.sftp.Rename(from, to))
}

// Remove deletes path.
func (s *sftpSession) Remove(_ context.Context, path string) error { return s.sftp.Remove(path) }
