package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relato/relato/server/auth/authtest"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/servertest"
)

// Issue 11: relato accepts the platform's own sign-in. A token issued by a
// real OpenID Connect provider (ORY Hydra) is accepted with the tenant, role
// and name of its claims; an expired one, a tampered one and one without a
// role are refused.
func TestOIDC_ATokenFromTheProviderIsAcceptedWithItsClaims(t *testing.T) {
	hydra := authtest.StartHydra(t, runstest.StartPostgres(t).NewDatabase(t))
	var skew atomic.Int64 // how far the server's clock runs ahead of real time
	b := setupWith(t, servertest.Options{
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
		Configure: func(c *instance.Config) {
			c.OIDC.Issuer, c.OIDC.Audience = hydra.Issuer, hydra.Audience
		}})
	me := func(token string) (int, map[string]any) {
		t.Helper()
		code, _, data := b.do(t, token, "GET", "/v1/me", nil)
		var out map[string]any
		json.Unmarshal(data, &out)
		return code, out
	}

	ana := hydra.Token(hydra.Client(map[string]any{"tenant_id": 2, "role": "manager", "name": "Ana Lima"}))
	code, m := me(ana)
	if code != 200 || m["tenant_id"] != float64(2) || m["role"] != "manager" || m["name"] != "Ana Lima" {
		t.Fatalf("me: %d %v", code, m)
	}
	// The user acts in its tenant, and its runs show its name.
	run := b.generate(t, ana, "kpis.service_level", map[string]any{"period": "2024-03-01..2024-03-02"})
	if _, _, data := b.do(t, b.other, "GET", "/v1/runs/"+run.ID, nil); !strings.Contains(string(data), `"user_name":"Ana Lima"`) {
		t.Fatalf("tenant 2's admin sees the run as %s", data)
	}
	if code, _, _ := b.do(t, b.admin, "GET", "/v1/runs/"+run.ID, nil); code != 404 {
		t.Fatalf("tenant 1 sees tenant 2's run: %d", code)
	}

	// A token whose payload was changed (manager → admin) fails its signature.
	parts := strings.Split(ana, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"manager"`, `"admin"`, 1))) + "." + parts[2]
	if code, _ := me(forged); code != http.StatusUnauthorized {
		t.Fatalf("a tampered token answered %d", code)
	}
	// A token without a role is refused.
	if code, _ := me(hydra.Token(hydra.Client(map[string]any{"tenant_id": 2}))); code != http.StatusUnauthorized {
		t.Fatalf("a token without a role answered %d", code)
	}
	// Relato's own tokens still work beside the provider's.
	if code, _ := me(b.viewer); code != 200 {
		t.Fatalf("a relato token answered %d", code)
	}
	// Seen two days later, the token has expired.
	skew.Store(int64(48 * time.Hour))
	if code, _ := me(ana); code != http.StatusUnauthorized {
		t.Fatalf("an expired token answered %d", code)
	}
}
