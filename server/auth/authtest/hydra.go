// Package authtest starts a real OpenID Connect provider for tests: ORY Hydra
// (built from the Go module proxy like mailpit: `make hydra`), on a
// PostgreSQL database the test gives it and free loopback ports, issuing JWT access tokens whose extra claims (tenant,
// role, name) a token hook served by the test adds per client. Only tests
// import it.
package authtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// HydraVersion is the ORY Hydra release the tests run (go-partial.tsv serves it).
const HydraVersion = "v2.3.0"

// Hydra is a running provider.
type Hydra struct {
	Issuer   string // the issuer URL, as its discovery document names it
	Audience string // the audience every token is issued for
	admin    string
	public   string
	tb       testing.TB

	mu     sync.Mutex
	claims map[string]map[string]any // client id → extra access-token claims
}

// HydraBinary finds hydra: $RELATO_HYDRA, then <module root>/.cache/hydra/<version>/hydra,
// then $PATH; it skips the test (fails under CI=true) when there is none.
func HydraBinary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("RELATO_HYDRA"); p != "" {
		return p
	}
	if dir, err := os.Getwd(); err == nil {
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				p := filepath.Join(dir, ".cache", "hydra", HydraVersion, "hydra")
				if _, err := os.Stat(p); err == nil {
					return p
				}
				break
			}
		}
	}
	if p, err := exec.LookPath("hydra"); err == nil {
		return p
	}
	msg := "hydra not found; build it with: make hydra"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartHydra runs Hydra on dsn, an empty PostgreSQL database
// (postgres://…; the release built from the proxy has no SQLite), with JWT
// access tokens and a token hook that adds each client's claims (Client); it
// migrates the database first and stops at the test's end.
func StartHydra(tb testing.TB, dsn string) *Hydra {
	tb.Helper()
	bin := HydraBinary(tb)
	h := &Hydra{Audience: "relato", tb: tb, claims: map[string]map[string]any{}}
	hook := httptest.NewServer(http.HandlerFunc(h.tokenHook))
	tb.Cleanup(hook.Close)
	pub, adm := freePort(tb), freePort(tb)
	h.public, h.admin = fmt.Sprintf("http://127.0.0.1:%d", pub), fmt.Sprintf("http://127.0.0.1:%d", adm)
	dir := tb.TempDir()
	cfg := fmt.Sprintf(`dsn: %s
serve:
  public: {host: 127.0.0.1, port: %d}
  admin: {host: 127.0.0.1, port: %d}
urls:
  self: {issuer: %s/}
secrets:
  system: [relato-test-system-secret-0123456789]
strategies:
  access_token: jwt
oauth2:
  allowed_top_level_claims: [tenant_id, role, name]
  token_hook: %s
log: {level: warn}
`, dsn, pub, adm, h.public, hook.URL)
	cfgPath := filepath.Join(dir, "hydra.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(bin, "migrate", "sql", "up", "--read-from-env", "--yes", "--config", cfgPath).CombinedOutput(); err != nil {
		tb.Fatalf("hydra migrate: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out", "--config", cfgPath)
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start hydra: %v", err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(h.public + "/.well-known/openid-configuration")
		if err == nil {
			var doc struct{ Issuer string }
			json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if resp.StatusCode == 200 && doc.Issuer != "" {
				h.Issuer = doc.Issuer
				break
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("hydra did not start: %v\n%s", err, logBuf.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return h
}

// tokenHook answers Hydra's token hook with the client's extra claims.
func (h *Hydra) tokenHook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Request struct {
			ClientID string `json:"client_id"`
		} `json:"request"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	h.mu.Lock()
	claims := h.claims[req.Request.ClientID]
	h.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"session": map[string]any{"access_token": claims}})
}

// Client registers a client_credentials client whose tokens carry claims
// (tenant_id, role, name…) and returns its id and secret.
func (h *Hydra) Client(claims map[string]any) (id, secret string) {
	h.tb.Helper()
	secret = "s3cret-" + fmt.Sprint(time.Now().UnixNano())
	body, _ := json.Marshal(map[string]any{"client_secret": secret, "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_basic", "access_token_strategy": "jwt", "audience": []string{h.Audience}})
	resp, err := http.Post(h.admin+"/admin/clients", "application/json", bytes.NewReader(body))
	if err != nil {
		h.tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		h.tb.Fatalf("create hydra client: %d %s", resp.StatusCode, data)
	}
	var c struct {
		ClientID string `json:"client_id"`
	}
	json.Unmarshal(data, &c)
	h.mu.Lock()
	h.claims[c.ClientID] = claims
	h.mu.Unlock()
	return c.ClientID, secret
}

// Token gets an access token (a JWT signed by Hydra) for the client.
func (h *Hydra) Token(id, secret string) string {
	h.tb.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {h.Audience}}
	req, _ := http.NewRequest("POST", h.public+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &out)
	if resp.StatusCode != 200 || out.AccessToken == "" {
		h.tb.Fatalf("hydra token: %d %s", resp.StatusCode, data)
	}
	return out.AccessToken
}
