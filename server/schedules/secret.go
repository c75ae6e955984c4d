package schedules

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/relato/relato/delivery"
)

// KeyEnv is the environment variable holding the secrets key: 32 random
// bytes in standard base64 (openssl rand -base64 32).
const KeyEnv = "RELATO_SECRET_KEY"

// Sealer encrypts destination secrets at rest with AES-256-GCM. The
// additional data binds a ciphertext to its schedule, so a sealed password
// copied into another schedule's row does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer takes a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// SealerFromBase64 reads the key as configured in RELATO_SECRET_KEY.
func SealerFromBase64(s string) (*Sealer, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%s: not base64: %w", KeyEnv, err)
	}
	return NewSealer(key)
}

const sealPrefix = "v1:"

// Seal encrypts plain for the given context (the schedule id).
func (s *Sealer) Seal(plain []byte, context string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(context))
	return sealPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal made for the same context.
func (s *Sealer) Open(sealed, context string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, errors.New("open secret: unknown format")
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errors.New("open secret: corrupt")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(context))
	if err != nil {
		return nil, errors.New("open secret: wrong key or tampered value")
	}
	return plain, nil
}

// Redacted is what the API shows instead of a secret.
const Redacted = "[redacted]"

// IsSecretField says whether field is a secret of the destination kind
// ("delivery.sftp" or "sftp"), as the kind's delivery spec declares: secrets
// are kept out of the stored config, sealed apart, and never returned.
// Unknown kinds have no secret fields.
func IsSecretField(kind, field string) bool {
	spec, ok := delivery.Spec(NormalizeKind(kind))
	return ok && spec.IsSecret(field)
}

// splitSecrets separates a config object of the given kind into its public
// part and its secrets. An unknown kind is an error: without its spec there
// is no telling which fields must not be stored in plain text.
func splitSecrets(kind string, cfg json.RawMessage) (public map[string]json.RawMessage, secrets map[string]json.RawMessage, err error) {
	spec, ok := delivery.Spec(NormalizeKind(kind))
	if !ok {
		return nil, nil, fmt.Errorf("unknown destination kind %q", kind)
	}
	if err := json.Unmarshal(cfg, &public); err != nil {
		return nil, nil, fmt.Errorf("config is not a JSON object: %w", err)
	}
	secrets = map[string]json.RawMessage{}
	for k, v := range public {
		if spec.IsSecret(k) {
			secrets[k] = v
			delete(public, k)
		}
	}
	return public, secrets, nil
}

// SecretBinding names the settings a stored secret is bound to (issue 11): a
// password or key given for one server is never sent to another, so an edit
// that changes any of them (or the kind) must carry the secret again.
var SecretBinding = []string{"host", "port", "username"}

// BindingChanges lists the SecretBinding fields whose values differ between
// a destination's config as sent (given) and as stored, in SecretBinding's
// order. Values compare by their JSON text, so 22 and 22.0 are equal, but 22
// and "22", or a port left out and a port 21 stored, are not.
func BindingChanges(given, stored map[string]any) []string {
	var out []string
	for _, k := range SecretBinding {
		a, aok := given[k]
		b, bok := stored[k]
		if aok != bok || (aok && !sameJSON(a, b)) {
			out = append(out, k)
		}
	}
	return out
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
