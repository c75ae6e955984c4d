package delivery

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strings"
)

// ManifestName is the sidecar's name for a file.
func ManifestName(name string) string { return name + ".manifest.json" }

// sidecar is the JSON written to <name>.manifest.json.
type sidecar struct {
	File  string `json:"file"`
	Bytes int64  `json:"bytes"`
	Manifest
}

func manifestJSON(f File, bytes int64, sum string) []byte {
	m := f.Manifest
	m.SHA256 = sum
	b, _ := json.MarshalIndent(sidecar{File: f.Name, Bytes: bytes, Manifest: m}, "", "  ")
	return append(b, '\n')
}

// countingReader counts and hashes what passes through it.
type countingReader struct {
	r io.Reader
	n int64
	h hash.Hash
}

func newCountingReader(r io.Reader) *countingReader {
	return &countingReader{r: r, h: sha256.New()}
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}

func (c *countingReader) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// checkSum compares the uploaded bytes' sha256 with the manifest's, if any.
func checkSum(f File, got string) error {
	want := strings.ToLower(strings.TrimSpace(f.Manifest.SHA256))
	if want != "" && want != got {
		return permanent(fmt.Errorf("%s: sent sha256 %s, manifest says %s: %w", f.Name, got, want, ErrChecksumMismatch))
	}
	return nil
}

// remotePath joins a remote directory and a name with "/", whatever the OS.
func remotePath(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}
