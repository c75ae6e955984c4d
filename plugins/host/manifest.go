package host

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// ManifestSuffix ends every plugin manifest's file name.
const ManifestSuffix = ".plugin.json"

// Manifest is a plugin's `<name>.plugin.json`.
type Manifest struct {
	// ID is the report id the plugin's definition must declare.
	ID string `json:"id"`
	// Version is the definition version the plugin must declare.
	Version int `json:"version"`
	// Binary is the executable's file name, in the manifest's folder.
	Binary string `json:"binary"`
	// SHA256 is the hex sha256 of the binary; a binary that differs is refused.
	SHA256 string `json:"sha256"`
	// Tenants lists the tenants entitled to the report.
	Tenants []uint32 `json:"tenants"`
}

var (
	manifestID  = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	binaryName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	sha256Regex = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ReadManifest reads and checks one manifest file.
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%s: invalid manifest: %v", path, err)
	}
	var problems []string
	if !manifestID.MatchString(m.ID) {
		problems = append(problems, fmt.Sprintf("id %q must be dotted lower-case, like custom.scorecard", m.ID))
	}
	if m.Version < 1 {
		problems = append(problems, "version must be 1 or more")
	}
	if !binaryName.MatchString(m.Binary) {
		problems = append(problems, fmt.Sprintf("binary %q must be a file name in the manifest's folder", m.Binary))
	}
	m.SHA256 = strings.ToLower(m.SHA256)
	if !sha256Regex.MatchString(m.SHA256) {
		problems = append(problems, "sha256 must be 64 hex digits (sha256sum of the binary)")
	}
	if len(problems) > 0 {
		return m, fmt.Errorf("%s: %s", path, strings.Join(problems, "; "))
	}
	return m, nil
}

// WriteManifest writes m to path atomically (temporary file, then rename).
func WriteManifest(path string, m Manifest) error {
	if m.Tenants == nil {
		m.Tenants = []uint32{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (m Manifest) checksum() []byte {
	b, _ := hex.DecodeString(m.SHA256)
	return b
}

func (m Manifest) entitled(tenant uint32) bool { return slices.Contains(m.Tenants, tenant) }
