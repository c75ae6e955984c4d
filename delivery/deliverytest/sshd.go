package deliverytest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// SSHServer is a running OpenSSH sshd that only offers SFTP to the test user.
type SSHServer struct {
	Host     string
	Port     int
	User     string
	Password string
	Root     string // writable by the user; use absolute paths (no chroot)
	// HostKeyFingerprint is the host key as OpenSSH prints it ("SHA256:…").
	HostKeyFingerprint string
	// ClientKeyPEM is an OpenSSH private key whose public half is authorized.
	ClientKeyPEM []byte
}

// SSHKey is a fresh ed25519 key: its OpenSSH private key PEM, its public key
// in authorized_keys format and its fingerprint.
type SSHKey struct {
	PrivatePEM    []byte
	AuthorizedKey []byte
	Fingerprint   string
}

// NewSSHKey generates an ed25519 key pair.
func NewSSHKey(t testing.TB) SSHKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "relato test")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return SSHKey{PrivatePEM: pem.EncodeToMemory(block), AuthorizedKey: ssh.MarshalAuthorizedKey(sp), Fingerprint: ssh.FingerprintSHA256(sp)}
}

// StartSSHD runs /usr/sbin/sshd -D -e -f <generated config> on a free port.
func StartSSHD(t testing.TB) *SSHServer {
	t.Helper()
	bin := NeedBinary(t, "/usr/sbin/sshd", "apt-get install -y openssh-server")
	EnsureTestUser(t)
	// sshd refuses to start without its privilege-separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	s := &SSHServer{Host: "127.0.0.1", Port: FreePort(t), User: TestUserName, Password: TestUserPassword, Root: UserDir(t)}
	dir := t.TempDir()
	hostKey, clientKey := NewSSHKey(t), NewSSHKey(t)
	s.HostKeyFingerprint, s.ClientKeyPEM = hostKey.Fingerprint, clientKey.PrivatePEM
	hostKeyPath := filepath.Join(dir, "host_ed25519")
	if err := os.WriteFile(hostKeyPath, hostKey.PrivatePEM, 0o600); err != nil {
		t.Fatal(err)
	}
	authDir := filepath.Join(dir, "authorized_keys")
	if err := os.Mkdir(authDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(authDir, TestUserName), clientKey.AuthorizedKey, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := []string{
		fmt.Sprintf("Port %d", s.Port), "ListenAddress 127.0.0.1", "HostKey " + hostKeyPath, "PidFile none",
		"UsePAM no", "PasswordAuthentication yes", "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
		"AuthorizedKeysFile " + authDir + "/%u", "StrictModes no", // t.TempDir paths are not root-only
		"PermitRootLogin no", "AllowUsers " + TestUserName, "Subsystem sftp internal-sftp", "ForceCommand internal-sftp",
		"AllowTcpForwarding no", "X11Forwarding no", "PermitTTY no", "LogLevel VERBOSE",
	}
	confPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-f", confPath).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v\n%s", err, out)
	}
	exited := startProcess(t, exec.Command(bin, "-D", "-e", "-f", confPath), filepath.Join(dir, "sshd.out"))
	WaitListening(t, fmt.Sprintf("127.0.0.1:%d", s.Port), exited)
	return s
}
