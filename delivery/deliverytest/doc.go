// Package deliverytest starts real servers for delivery tests on free
// 127.0.0.1 ports and stops them in t.Cleanup: vsftpd (plain, explicit and
// implicit TLS), OpenSSH sshd (SFTP only) and mailpit (SMTP with an HTTP API).
//
// vsftpd and sshd log in a system user, TestUserName, which the helpers create
// with useradd the first time (idempotent; root is needed). They also write a
// PAM service file, /etc/pam.d/relato-test-ftp, so vsftpd accepts that user
// without a login shell. A missing binary skips the test, or fails it when
// the environment variable CI is "true".
package deliverytest
