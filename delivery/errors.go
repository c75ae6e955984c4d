package delivery

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/textproto"
	"os"
)

// Errors callers branch on. Each is permanent: retrying will not help until
// someone changes the destination's settings or the remote server.
var (
	ErrAuth                = errors.New("authentication failed")
	ErrHostKeyMismatch     = errors.New("host key does not match the pinned fingerprint")
	ErrHostKeyNotPinned    = errors.New("host key is not pinned (set host_key_sha256, or insecure_ignore_host_key to skip the check)")
	ErrCertificateMismatch = errors.New("certificate does not match the pinned fingerprint")
	ErrCertificateUntrust  = errors.New("certificate is not trusted")
	ErrPermissionDenied    = errors.New("permission denied on the remote server")
	ErrAddressRefused      = errors.New("address refused by the outbound guard")
	ErrBadFileName         = errors.New("bad file name")
	ErrChecksumMismatch    = errors.New("file content does not match its manifest sha256")
	ErrTooLarge            = errors.New("file is over max_attachment_bytes and has no download link")
	ErrRejected            = errors.New("rejected by the server")
)

// permanentError marks an error as not worth retrying.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

func permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &permanentError{err}
}

// IsPermanent reports whether retrying err is pointless: bad credentials, a
// host key or certificate that does not match, a refused address, permission
// denied, a bad file name.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	for _, e := range []error{ErrAuth, ErrHostKeyMismatch, ErrHostKeyNotPinned, ErrCertificateMismatch,
		ErrCertificateUntrust, ErrPermissionDenied, ErrAddressRefused, ErrBadFileName, ErrChecksumMismatch,
		ErrTooLarge, ErrRejected} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// classifyTLS maps certificate verification failures to ErrCertificateUntrust.
func classifyTLS(err error) error {
	if err == nil {
		return nil
	}
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		verify   *tls.CertificateVerificationError
	)
	if errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname) || errors.As(err, &verify) {
		if errors.Is(err, ErrCertificateMismatch) {
			return err
		}
		return &wrapped{msg: err.Error(), errs: []error{ErrCertificateUntrust, err}}
	}
	return err
}

// classifyFTPCode maps FTP reply codes: 530 is a login failure, 550/553 a
// refused file operation (permission, missing directory).
func classifyFTPCode(err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return err
	}
	switch te.Code {
	case 530:
		return &wrapped{msg: err.Error(), errs: []error{ErrAuth, err}}
	case 550, 553:
		return &wrapped{msg: err.Error(), errs: []error{ErrPermissionDenied, err}}
	}
	return err
}

func classifyFS(err error) error {
	if errors.Is(err, os.ErrPermission) && !errors.Is(err, ErrPermissionDenied) {
		return &wrapped{msg: err.Error(), errs: []error{ErrPermissionDenied, err}}
	}
	return err
}

// wrapped keeps the original message while matching several sentinels.
type wrapped struct {
	msg  string
	errs []error
}

func (w *wrapped) Error() string   { return w.msg }
func (w *wrapped) Unwrap() []error { return w.errs }
