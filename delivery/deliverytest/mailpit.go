package deliverytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// MailpitVersion is the mailpit the Makefile builds into .cache.
const MailpitVersion = "v1.33.1"

// MailpitBinary finds mailpit: $RELATO_MAILPIT, then
// <module root>/.cache/mailpit/<version>/mailpit (built by
// `GOBIN=$(CACHE)/mailpit/v1.33.1 go install github.com/axllent/mailpit@v1.33.1`),
// then $PATH.
func MailpitBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("RELATO_MAILPIT"); p != "" {
		return NeedBinary(t, p, "set RELATO_MAILPIT to a mailpit binary")
	}
	if dir, err := os.Getwd(); err == nil {
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				p := filepath.Join(dir, ".cache", "mailpit", MailpitVersion, "mailpit")
				if _, err := os.Stat(p); err == nil {
					return p
				}
				break
			}
		}
	}
	return NeedBinary(t, "mailpit", "make mailpit (GOBIN=.cache/mailpit/"+MailpitVersion+" go install github.com/axllent/mailpit@"+MailpitVersion+")")
}

// SMTPTLS selects how mailpit's SMTP listener uses TLS.
type SMTPTLS int

const (
	SMTPStartTLS SMTPTLS = iota // STARTTLS required
	SMTPImplicit                // TLS from the first byte (port 465 style)
)

// MailServer is a running mailpit with SMTP auth and TLS.
type MailServer struct {
	Host     string
	SMTPPort int
	HTTPURL  string
	User     string
	Password string
	Cert     Cert
}

// StartMailpit runs mailpit on two free ports with a generated certificate
// and a password file (user TestUserName, TestUserPassword).
func StartMailpit(t testing.TB, mode SMTPTLS) *MailServer {
	t.Helper()
	bin := MailpitBinary(t)
	dir := t.TempDir()
	s := &MailServer{Host: "127.0.0.1", SMTPPort: FreePort(t), User: TestUserName, Password: TestUserPassword,
		Cert: NewCert(t, "relato-test-smtp")}
	httpPort := FreePort(t)
	s.HTTPURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	hash, err := bcrypt.GenerateFromPassword([]byte(s.Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	authFile := filepath.Join(dir, "smtp-auth")
	if err := os.WriteFile(authFile, []byte(s.User+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--smtp", fmt.Sprintf("127.0.0.1:%d", s.SMTPPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(dir, "mailpit.db"), "--disable-version-check", "--smtp-disable-rdns",
		"--smtp-auth-file", authFile, "--smtp-tls-cert", s.Cert.CertFile, "--smtp-tls-key", s.Cert.KeyFile,
	}
	if mode == SMTPImplicit {
		args = append(args, "--smtp-require-tls")
	} else {
		args = append(args, "--smtp-require-starttls")
	}
	exited := startProcess(t, exec.Command(bin, args...), filepath.Join(dir, "mailpit.out"))
	WaitListening(t, fmt.Sprintf("127.0.0.1:%d", s.SMTPPort), exited)
	WaitListening(t, fmt.Sprintf("127.0.0.1:%d", httpPort), exited)
	return s
}

// MailAddress is an address in mailpit's API.
type MailAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// MailAttachment is one attachment in mailpit's API.
type MailAttachment struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	Size        int64  `json:"Size"`
}

// MailMessage is a received message as mailpit's API returns it.
type MailMessage struct {
	ID          string           `json:"ID"`
	MessageID   string           `json:"MessageID"`
	From        MailAddress      `json:"From"`
	To          []MailAddress    `json:"To"`
	Subject     string           `json:"Subject"`
	Text        string           `json:"Text"`
	Attachments []MailAttachment `json:"Attachments"`
}

func (s *MailServer) get(t testing.TB, path string, into any) []byte {
	t.Helper()
	resp, err := http.Get(s.HTTPURL + path)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s %v: %s", path, resp.Status, err, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("mailpit GET %s: %v", path, err)
		}
	}
	return b
}

// Messages returns the received messages, newest first, each in full.
func (s *MailServer) Messages(t testing.TB) []MailMessage {
	t.Helper()
	var list struct {
		Messages []struct {
			ID string `json:"ID"`
		} `json:"messages"`
	}
	// mailpit stores a message right after the SMTP transaction; allow a moment.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.get(t, "/api/v1/messages", &list)
		if len(list.Messages) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	out := make([]MailMessage, len(list.Messages))
	for i, m := range list.Messages {
		s.get(t, "/api/v1/message/"+m.ID, &out[i])
	}
	return out
}

// Part returns an attachment's decoded bytes.
func (s *MailServer) Part(t testing.TB, messageID, partID string) []byte {
	t.Helper()
	return s.get(t, "/api/v1/message/"+messageID+"/part/"+partID, nil)
}

// Raw returns the message as received.
func (s *MailServer) Raw(t testing.TB, messageID string) []byte {
	t.Helper()
	return s.get(t, "/api/v1/message/"+messageID+"/raw", nil)
}

// Count returns how many messages mailpit holds now, without waiting.
func (s *MailServer) Count(t testing.TB) int {
	t.Helper()
	var list struct {
		Total int `json:"total"`
	}
	s.get(t, "/api/v1/messages", &list)
	return list.Total
}
