package delivery_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
	"golang.org/x/crypto/ssh"
)

// loopback allows the test servers on 127.0.0.1, which the default guard refuses.
var loopback = delivery.WithGuard(delivery.MustNewGuard("127.0.0.0/8"))

// reportCSV is a few hundred KB of CSV with UTF-8 text, like a real export.
func reportCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("data;fila;atendidas;abandonadas;nível de serviço\r\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "2025-01-%02d;Suporte São Paulo %d;%d;%d;%d,%02d%%\r\n", i%28+1, i%7, i*13%997, i*7%101, i%100, i%97)
	}
	return b.Bytes()
}

func csvFile(name string, body []byte) delivery.File {
	return delivery.FileFromBytes(name, "text/csv; charset=utf-8", body)
}

func mustJSON(t *testing.T, format string, args ...any) []byte {
	t.Helper()
	return []byte(fmt.Sprintf(format, args...))
}

// readBack reads a delivered file from the server's directory.
func readBack(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("read back %s: %v", name, err)
	}
	return b
}

func assertNoPartFiles(t *testing.T, dir string) {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, "*.part"))
	if len(parts) > 0 {
		t.Errorf(".part files left behind: %v", parts)
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// maps copies base and sets key to v (unless v is a nil map), as JSON.
func maps(base map[string]any, key string, v any) []byte {
	m := map[string]any{}
	for k, x := range base {
		m[k] = x
	}
	if vm, ok := v.(map[string]any); !ok || vm != nil {
		m[key] = v
	}
	b, _ := json.Marshal(m)
	return b
}

func uidOf(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("id", "-u", deliverytest.TestUserName).Output()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// encryptedKeyPEM is an OpenSSH private key protected by a passphrase.
func encryptedKeyPEM(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("frase"))
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}
