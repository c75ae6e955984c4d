package reporting

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/server/runs"
)

// A download link lets whoever holds it fetch one finished run's file, in one
// format and language, until it expires, without a token: e-mails carry it
// instead of a file too big to attach. It is an HMAC-SHA256-signed token
// (payload.signature, base64url), so any instance with the same key checks it
// and nothing is stored.

// DefaultLinkTTL is how long a download link works when no TTL is configured.
const DefaultLinkTTL = 7 * 24 * time.Hour

var (
	// ErrLinkInvalid means a link was not signed by this server's key, or was
	// changed since.
	ErrLinkInvalid = errors.New("this download link is not valid")
)

// LinkExpiredError means a link's time is over.
type LinkExpiredError struct{ At time.Time }

func (e LinkExpiredError) Error() string {
	return fmt.Sprintf("this download link expired at %s; ask for the report again", e.At.UTC().Format(time.RFC3339))
}

// FileLink is what a link grants.
type FileLink struct {
	Tenant  uint32    `json:"t"`
	RunID   string    `json:"r"`
	Format  string    `json:"f"` // an export format ID
	Lang    string    `json:"l"`
	Name    string    `json:"n"` // the file name the download carries
	Expires time.Time `json:"e"`
}

// LinkSigner signs and checks links with one key.
type LinkSigner struct {
	key []byte
	ttl time.Duration
}

// NewLinkSigner derives the link key from secret (at least 32 bytes; the
// server's secret key) so the key is used for nothing else; ttl <= 0 is
// DefaultLinkTTL.
func NewLinkSigner(secret []byte, ttl time.Duration) (*LinkSigner, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("link key: want at least 32 bytes, got %d", len(secret))
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("relato download links v1"))
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return &LinkSigner{key: m.Sum(nil), ttl: ttl}, nil
}

// TTL is how long the links it signs work.
func (s *LinkSigner) TTL() time.Duration { return s.ttl }

// Token signs l.
func (s *LinkSigner) Token(l FileLink) string {
	payload, _ := json.Marshal(l)
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.sign(p))
}

func (s *LinkSigner) sign(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Check returns the link of token at now. Errors: ErrLinkInvalid (not ours,
// or changed), LinkExpiredError.
func (s *LinkSigner) Check(token string, now time.Time) (FileLink, error) {
	p, sig, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.sign(p)) {
		return FileLink{}, ErrLinkInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	var l FileLink
	if err != nil || json.Unmarshal(payload, &l) != nil {
		return FileLink{}, ErrLinkInvalid
	}
	if !now.Before(l.Expires) {
		return l, LinkExpiredError{At: l.Expires}
	}
	return l, nil
}

// DownloadURL is a link to r's file in format (an export format ID) named
// name, in the default language, expiring after the signer's TTL; "" when no
// signer or public URL is configured.
func (s *Service) DownloadURL(r *runs.Run, format, name string) string {
	s.init()
	if s.Links == nil || s.PublicURL == "" {
		return ""
	}
	tok := s.Links.Token(FileLink{Tenant: r.TenantID, RunID: r.ID, Format: format, Lang: "pt-BR", Name: name,
		Expires: s.Now().Add(s.Links.TTL()).Truncate(time.Second)})
	return strings.TrimSuffix(s.PublicURL, "/") + "/v1/links/" + tok
}

// OpenLink checks a download link and returns the run's result, its format
// and the link. Errors: ErrLinkInvalid, LinkExpiredError, those of
// FinishedResult and CheckResult, runs.ErrNotFound.
func (s *Service) OpenLink(ctx context.Context, token string) (Result, export.Format, FileLink, error) {
	s.init()
	if s.Links == nil {
		return Result{}, export.Format{}, FileLink{}, ErrLinkInvalid
	}
	l, err := s.Links.Check(token, s.Now())
	if err != nil {
		return Result{}, export.Format{}, l, err
	}
	f, ok := export.Lookup(l.Format)
	if !ok {
		return Result{}, export.Format{}, l, ErrLinkInvalid
	}
	r, err := s.Runs.Get(ctx, l.Tenant, l.RunID)
	if err != nil {
		return Result{}, f, l, err
	}
	res, err := s.FinishedResult(r)
	if err != nil {
		return res, f, l, err
	}
	if err := s.CheckResult(ctx, res); err != nil {
		return res, f, l, err
	}
	// A link stands for the e-mail it was sent in: the file is as the run's
	// owner may read it now, and an unmasked one is recorded (issue 17).
	if res.Def.HasPersonalColumns() && s.holdsPersonalData(ctx, r.UserID) {
		res.PersonalData = true
		s.RecordDownload(ctx, res, Requester{UserID: r.UserID, Purpose: "download link of a scheduled e-mail"}, f.ID)
	}
	return res, f, l, nil
}
