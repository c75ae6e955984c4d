package deliverytest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// FTPMode selects how vsftpd speaks.
type FTPMode int

const (
	FTPPlain       FTPMode = iota // no TLS
	FTPExplicitTLS                // AUTH TLS required on the control port
	FTPImplicitTLS                // TLS from the first byte
)

// FTPServer is a running vsftpd.
type FTPServer struct {
	Host     string
	Port     int
	User     string
	Password string
	Root     string // the user's writable login directory (absolute, also the FTP path)
	Cert     Cert   // set for the TLS modes
}

// VsftpdOptions configure StartVsftpd; zero values pick a free port.
type VsftpdOptions struct {
	Mode FTPMode
	Port int    // 0: a free port
	Root string // "": a fresh UserDir
	Cert *Cert  // nil: a fresh certificate for the TLS modes
}

const pamService = "relato-test-ftp"

var pamOnce sync.Once

// vsftpd authenticates local users through PAM; Debian's "vsftpd" service
// also demands a login shell, which the test user must not have.
func ensurePAMService(t testing.TB) {
	pamOnce.Do(func() {
		body := "# written by relato's delivery tests (deliverytest)\n" +
			"auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_permit.so\n"
		if err := os.WriteFile("/etc/pam.d/"+pamService, []byte(body), 0o644); err != nil {
			t.Fatalf("write PAM service: %v", err)
		}
	})
}

// StartVsftpd runs vsftpd in the foreground with a generated config.
func StartVsftpd(t testing.TB, o VsftpdOptions) *FTPServer {
	t.Helper()
	bin := NeedBinary(t, "/usr/sbin/vsftpd", "apt-get install -y vsftpd")
	EnsureTestUser(t)
	ensurePAMService(t)
	s := &FTPServer{Host: "127.0.0.1", Port: o.Port, User: TestUserName, Password: TestUserPassword, Root: o.Root}
	if s.Port == 0 {
		s.Port = FreePort(t)
	}
	if s.Root == "" {
		s.Root = UserDir(t)
	}
	dir := t.TempDir()
	// vsftpd wants an empty, root-owned, non-writable directory to chroot into.
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o555); err != nil {
		t.Fatal(err)
	}
	pasvMin, pasvMax := freePortRange(t, 8)
	conf := []string{
		"listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", fmt.Sprintf("listen_port=%d", s.Port),
		"background=NO", "anonymous_enable=NO", "local_enable=YES", "write_enable=YES", "local_umask=022",
		"pam_service_name=" + pamService, "userlist_enable=NO", "chroot_local_user=NO",
		"local_root=" + s.Root, "secure_chroot_dir=" + empty,
		"seccomp_sandbox=NO", "isolate=NO", "isolate_network=NO",
		"pasv_enable=YES", "port_enable=NO", "pasv_address=127.0.0.1",
		fmt.Sprintf("pasv_min_port=%d", pasvMin), fmt.Sprintf("pasv_max_port=%d", pasvMax),
		"xferlog_enable=YES", "log_ftp_protocol=YES", "vsftpd_log_file=" + filepath.Join(dir, "vsftpd.log"),
		"dual_log_enable=NO", "syslog_enable=NO", "use_localtime=NO", "utf8_filesystem=YES",
	}
	if o.Mode != FTPPlain {
		if o.Cert != nil {
			s.Cert = *o.Cert
		} else {
			s.Cert = NewCert(t, "relato-test-ftp")
		}
		conf = append(conf, "ssl_enable=YES", "rsa_cert_file="+s.Cert.CertFile, "rsa_private_key_file="+s.Cert.KeyFile,
			"force_local_logins_ssl=YES", "force_local_data_ssl=YES", "allow_anon_ssl=NO",
			"ssl_tlsv1=NO", "ssl_sslv2=NO", "ssl_sslv3=NO",
			// Go's client resumes sessions, but TLS 1.3 tickets can arrive after the
			// first data connection is opened; customers' servers may differ.
			"require_ssl_reuse=NO")
		if o.Mode == FTPImplicitTLS {
			conf = append(conf, "implicit_ssl=YES")
		}
	}
	confPath := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exited := startProcess(t, exec.Command(bin, confPath), filepath.Join(dir, "vsftpd.out"))
	WaitListening(t, fmt.Sprintf("127.0.0.1:%d", s.Port), exited)
	return s
}
