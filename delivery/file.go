package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
)

// Destination delivers one file. Implementations are safe for one Send at a
// time per value; create one per schedule destination.
type Destination interface {
	Send(ctx context.Context, f File) (Receipt, error)
}

// Tester is implemented by destinations that can check their settings without
// sending anything ("test connection" in the UI).
type Tester interface {
	Test(ctx context.Context) (TestResult, error)
}

// Kinded reports the registry kind of a destination ("delivery.sftp").
type Kinded interface {
	Kind() string
}

// TestResult is what a connection test learned. Fingerprint is the value to
// pin: an OpenSSH-style "SHA256:…" host key for SFTP, the hex sha256 of the
// leaf certificate for TLS. It is filled even when the test fails because the
// key or certificate is not trusted yet, so the UI can offer to pin it.
type TestResult struct {
	Fingerprint string `json:"fingerprint,omitempty"`
	Server      string `json:"server,omitempty"` // banner or TLS subject, for display
}

// File is what a destination sends.
type File struct {
	Name        string // base name on the remote side, e.g. "service_level_2025-01.csv"
	Size        int64  // bytes; used for the e-mail attachment limit and receipts
	ContentType string // e.g. "text/csv; charset=utf-8"; defaults to application/octet-stream
	// Open returns a fresh reader each call: retries reopen the file.
	Open func() (io.ReadCloser, error)
	// DownloadURL is sent in the e-mail body instead of the attachment when
	// the file is larger than the destination's max_attachment_bytes.
	DownloadURL string
	Manifest    Manifest
}

// Manifest is the optional sidecar "<name>.manifest.json". SHA256 is computed
// while uploading when empty; when given, the upload fails if it differs.
type Manifest struct {
	SHA256        string    `json:"sha256,omitempty"`
	Rows          int64     `json:"rows"`
	ReportID      string    `json:"report_id,omitempty"`
	ReportVersion string    `json:"report_version,omitempty"`
	PeriodFrom    time.Time `json:"period_from,omitzero"`
	PeriodTo      time.Time `json:"period_to,omitzero"`
	RunID         string    `json:"run_id,omitempty"`
	// Truncated says the result was cut at the report's row limit (Rows is
	// that limit): the file does not hold all the data.
	Truncated bool `json:"truncated"`
	// Filters is the run's filters in words ("Carteira: Vendas · Limite
	// (T): 20 s"), shown in an e-mail's body; empty: none shown.
	Filters string `json:"filters,omitempty"`
}

// Receipt describes a finished (or failed) send.
type Receipt struct {
	Kind     string `json:"kind"`
	Remote   string `json:"remote"` // final path, or the e-mail Message-ID
	Bytes    int64  `json:"bytes"`  // bytes of the file written, also on failure
	SHA256   string `json:"sha256,omitempty"`
	Manifest string `json:"manifest,omitempty"` // sidecar path when one was written
	Linked   bool   `json:"linked,omitempty"`   // e-mail sent a link instead of the attachment
}

// FileFromBytes is a File over an in-memory body.
func FileFromBytes(name, contentType string, body []byte) File {
	return File{
		Name: name, Size: int64(len(body)), ContentType: contentType,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	}
}

// FileFromPath is a File over a local file, sent under its given name.
func FileFromPath(path, name, contentType string) (File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return File{}, fmt.Errorf("file %s: %w", path, err)
	}
	return File{
		Name: name, Size: st.Size(), ContentType: contentType,
		Open: func() (io.ReadCloser, error) { return os.Open(path) },
	}, nil
}

// checkName refuses names that could escape the remote directory or confuse
// a server: the name is a single path element of printable characters.
func (f File) checkName() error {
	n := f.Name
	switch {
	case n == "" || n == "." || n == "..":
		return permanent(fmt.Errorf("file name %q: %w", n, ErrBadFileName))
	case strings.ContainsAny(n, "/\\"):
		return permanent(fmt.Errorf("file name %q must not contain a path separator: %w", n, ErrBadFileName))
	case strings.IndexFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return permanent(fmt.Errorf("file name %q has control characters: %w", n, ErrBadFileName))
	case f.Open == nil:
		return permanent(fmt.Errorf("file %q has no content (Open is nil)", n))
	}
	return nil
}

func (f File) contentType() string {
	if f.ContentType == "" {
		return "application/octet-stream"
	}
	return f.ContentType
}
