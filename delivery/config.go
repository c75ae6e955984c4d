package delivery

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/i18n"
)

// Secret is a password or private key, supplied decrypted by the caller. It
// prints and marshals as "[redacted]" so configs can be logged and returned by
// the API without leaking it; it still unmarshals from plain JSON strings.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `delivery.Secret("` + s.String() + `")` }

// MarshalJSON never writes the secret.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Reveal returns the secret for the protocol client; never log it.
func (s Secret) Reveal() string { return string(s) }

// Problem is one thing wrong with a config, naming the JSON field. Message
// is English (logs, Error); Text is the same message for the reader's
// language (In).
type Problem struct {
	Field   string       `json:"field"`
	Message string       `json:"message"`
	Text    i18n.Message `json:"-"`
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// In is the problem's message in lang (pt-BR or en).
func (p Problem) In(lang string) string {
	if p.Text.IsZero() {
		return p.Message
	}
	return p.Text.In(lang)
}

// ConfigError holds every problem of a config, reported together.
type ConfigError struct {
	Kind     string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return e.Kind + " config: " + strings.Join(parts, "; ")
}

// problems collects Problems while validating.
type problems []Problem

func (ps *problems) add(field string, id i18n.ID, args ...any) {
	m := i18n.M(id, args...)
	*ps = append(*ps, Problem{Field: field, Message: m.String(), Text: m})
}

func (ps problems) err(kind string) error {
	if len(ps) == 0 {
		return nil
	}
	return &ConfigError{Kind: kind, Problems: ps}
}

func checkPort(ps *problems, port int) {
	if port < 1 || port > 65535 {
		ps.add("port", i18n.DeliveryPortRange, strconv.Itoa(port))
	}
}

func checkHost(ps *problems, host string) {
	switch {
	case strings.TrimSpace(host) == "":
		ps.add("host", i18n.DeliveryRequired)
	case strings.ContainsAny(host, " /:@") && !strings.HasPrefix(host, "["):
		ps.add("host", i18n.DeliveryHostForm, host)
	}
}

// decodeConfig reads cfgJSON into cfg (a pointer to a struct), reporting
// unknown fields and type errors as Problems. Unknown fields are errors so a
// typo ("pasword") is not silently ignored.
func decodeConfig(kind string, cfgJSON []byte, cfg any) problems {
	var ps problems
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(cfgJSON, &raw); err != nil {
		ps.add("(config)", i18n.DeliveryNotJSONObject, err.Error())
		return ps
	}
	known := jsonFields(reflect.TypeOf(cfg).Elem())
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			ps.add(k, i18n.DeliveryUnknownField, kind)
			delete(raw, k)
		}
	}
	// Decode field by field so one bad type does not hide the others.
	rv := reflect.ValueOf(cfg).Elem()
	for i := 0; i < rv.NumField(); i++ {
		name := jsonName(rv.Type().Field(i))
		msg, ok := raw[name]
		if !ok || name == "" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(rv.Field(i).Addr().Interface()); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				ps.add(name, i18n.DeliveryWrongJSONType, i18n.M(jsonKind(te.Type)), te.Value)
			} else {
				ps.add(name, i18n.Raw, err.Error())
			}
		}
	}
	return ps
}

func jsonKind(t reflect.Type) i18n.ID {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return i18n.DeliveryJSONInteger
	case reflect.Bool:
		return i18n.DeliveryJSONBool
	case reflect.Slice:
		return i18n.DeliveryJSONList
	case reflect.Struct:
		return i18n.DeliveryJSONObject
	}
	return i18n.DeliveryJSONString
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if n := jsonName(t.Field(i)); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// TLSOptions tune certificate checks. Verification against the system roots
// (or CAPEM) is on unless a fingerprint is pinned, which then replaces it.
type TLSOptions struct {
	// CAPEM adds trusted roots (PEM) for servers with a private CA.
	CAPEM string `json:"ca_pem,omitempty"`
	// FingerprintSHA256 pins the leaf certificate: hex sha256 of its DER bytes
	// (colons allowed), as `openssl x509 -fingerprint -sha256` prints it.
	FingerprintSHA256 string `json:"fingerprint_sha256,omitempty"`
	// ServerName overrides the name checked in the certificate (defaults to host).
	ServerName string `json:"server_name,omitempty"`
}

func (o TLSOptions) validate(ps *problems, prefix string) {
	if o.CAPEM != "" {
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(o.CAPEM)) {
			ps.add(prefix+"ca_pem", i18n.DeliveryNoPEM)
		}
	}
	if o.FingerprintSHA256 != "" {
		if b, err := hex.DecodeString(normalizeHexFingerprint(o.FingerprintSHA256)); err != nil || len(b) != sha256.Size {
			ps.add(prefix+"fingerprint_sha256", i18n.DeliveryFingerprintHex)
		}
	}
}

func normalizeHexFingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimPrefix(strings.TrimSpace(s), "SHA256:")))
}

// CertFingerprint is the hex sha256 of a certificate's DER bytes.
func CertFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// tlsConfig builds the client config; seen receives the leaf fingerprint of
// every handshake so a connection test can report it even on failure.
func (o TLSOptions) tlsConfig(host string, seen func(fp, subject string)) *tls.Config {
	cfg := &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		ClientSessionCache: tls.NewLRUClientSessionCache(4), // FTP servers may demand session reuse on data connections
	}
	if o.ServerName != "" {
		cfg.ServerName = o.ServerName
	}
	if o.CAPEM != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(o.CAPEM))
		cfg.RootCAs = pool
	}
	pin := normalizeHexFingerprint(o.FingerprintSHA256)
	// Verification happens in VerifyConnection so the fingerprint is seen
	// even when the certificate is refused (a connection test reports it).
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("server sent no certificate: %w", ErrCertificateUntrust)
		}
		leaf := cs.PeerCertificates[0]
		fp := CertFingerprint(leaf.Raw)
		if seen != nil {
			seen(fp, leaf.Subject.String())
		}
		if pin != "" {
			// The pin replaces chain and name checks: it names exactly one certificate.
			if fp != pin {
				return fmt.Errorf("server certificate sha256 %s, pinned %s: %w", fp, pin, ErrCertificateMismatch)
			}
			return nil
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: cfg.RootCAs, Intermediates: inter, DNSName: cfg.ServerName}); err != nil {
			return &wrapped{msg: fmt.Sprintf("server certificate (sha256 %s): %v", fp, err), errs: []error{ErrCertificateUntrust, err}}
		}
		return nil
	}
	return cfg
}

// timeoutOr returns the configured seconds as a duration, or def.
func timeoutOr(seconds int, def time.Duration) time.Duration {
	if seconds > 0 {
		return time.Duration(seconds) * time.Second
	}
	return def
}

// displayJSON renders v (whose secrets redact themselves) for String and
// GoString: fmt does not call Secret's methods on unexported fields, so the
// types holding configs print through this instead of field by field.
func displayJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%T>", v)
	}
	return string(b)
}

func (c FTPConfig) String() string     { return displayJSON(c) }
func (c FTPConfig) GoString() string   { return displayJSON(c) }
func (c SFTPConfig) String() string    { return displayJSON(c) }
func (c SFTPConfig) GoString() string  { return displayJSON(c) }
func (c EmailConfig) String() string   { return displayJSON(c) }
func (c EmailConfig) GoString() string { return displayJSON(c) }
func (d *FTP) String() string          { return displayJSON(d) }
func (d *FTP) GoString() string        { return displayJSON(d) }
func (d *SFTP) String() string         { return displayJSON(d) }
func (d *SFTP) GoString() string       { return displayJSON(d) }
func (d *Email) String() string        { return displayJSON(d) }
func (d *Email) GoString() string      { return displayJSON(d) }
