package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/servertest"
)

// Issue 11, point 3: only --demo created users, for tenant 1; nothing issued,
// listed or revoked tokens, and tokens never expired.
func TestUsersAndTokens_CreatedExpiredAndRevokedThroughTheAPI(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { usersAndTokensThroughTheAPI(t, db) })
	}
}

func usersAndTokensThroughTheAPI(t *testing.T, db string) {
	clock := &fixedClock{t: servertest.SeedEnd}
	dsn := ""
	if db == "postgres" {
		dsn = runstest.StartPostgres(t).NewDatabase(t)
	}
	release := make(chan struct{})
	b := setupWith(t, servertest.Options{Now: clock.Now, Configure: func(c *instance.Config) {
		if dsn != "" {
			c.DB = dsn
		}
	}, WrapExecute: func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error) {
		return func(ctx context.Context, r *runs.Run) (runs.Result, error) {
			select { // runs wait here, so an event stream stays open
			case <-release:
			case <-ctx.Done():
			}
			return next(ctx, r)
		}
	}})
	t.Cleanup(func() { close(release) })
	op := b.server.Token(0, "Comercial", auth.Operator)
	post := func(token, path string, body any, want int) map[string]any {
		t.Helper()
		code, _, data := b.do(t, token, "POST", path, body)
		if code != want {
			t.Fatalf("POST %s: %d %s", path, code, data)
		}
		var out map[string]any
		json.Unmarshal(data, &out)
		return out
	}
	me := func(token string) (int, map[string]any) {
		code, _, data := b.do(t, token, "GET", "/v1/me", nil)
		var out map[string]any
		json.Unmarshal(data, &out)
		return code, out
	}

	// The operator creates tenant 2's first admin and a token that expires in an hour.
	carla := post(op, "/v1/operator/users", map[string]any{"name": "Carla Souza", "role": "admin", "tenant_id": 2}, 201)
	issued := post(op, "/v1/operator/tokens", map[string]any{"user_id": carla["id"], "name": "primeiro acesso", "expires": "1h"}, 201)
	secret := issued["secret"].(string)
	if code, m := me(secret); code != 200 || m["name"] != "Carla Souza" || m["role"] != "admin" || m["tenant_id"] != float64(2) {
		t.Fatalf("me: %d %v", code, m)
	}
	clock.Set(servertest.SeedEnd.Add(time.Hour)) // the instant of expiry
	if code, _ := me(secret); code != http.StatusUnauthorized {
		t.Fatalf("an expired token answered %d", code)
	}
	// The operator's change is in tenant 2's trail as well as the operator trail.
	for _, c := range []struct{ token, path string }{{op, "/v1/operator/audit"}, {b.other, "/v1/audit"}} {
		if _, _, data := b.do(t, c.token, "GET", c.path, nil); !strings.Contains(string(data), `"action":"user.create"`) || !strings.Contains(string(data), `"action":"token.issue"`) {
			t.Fatalf("%s: %s", c.path, data)
		}
	}

	// A tenant admin manages its own tenant only, and no operators.
	post(b.admin, "/v1/users", map[string]any{"name": "X", "role": "operator"}, 403)
	if out := post(b.admin, "/v1/users", map[string]any{"name": "X", "role": "viewer", "tenant_id": 2}, 422); !strings.Contains(jsonText(out), "body.tenant_id") {
		t.Fatalf("tenant_id of another tenant: %v", out)
	}
	post(b.viewer, "/v1/users", map[string]any{"name": "X", "role": "viewer"}, 403)
	duda := post(b.admin, "/v1/users", map[string]any{"name": "Duda Lima", "role": "viewer"}, 201)
	if duda["tenant_id"] != float64(1) {
		t.Fatalf("created %v", duda)
	}
	if out := post(b.admin, "/v1/tokens", map[string]any{"user_id": duda["id"], "expires": "yesterday"}, 422); !strings.Contains(jsonText(out), "body.expires") {
		t.Fatalf("bad expiry: %v", out)
	}
	t1 := post(b.admin, "/v1/tokens", map[string]any{"user_id": duda["id"], "name": "painel"}, 201)
	t2 := post(b.admin, "/v1/tokens", map[string]any{"user_id": duda["id"]}, 201)
	tok1 := t1["token"].(map[string]any)
	// Tenant 2's admin neither sees nor revokes them.
	if _, _, data := b.do(t, b.other, "GET", "/v1/tokens", nil); strings.Contains(string(data), tok1["id"].(string)) {
		t.Fatalf("tenant 2 lists tenant 1's tokens: %s", data)
	}
	post(b.other, "/v1/tokens/"+tok1["id"].(string)+"/revoke", nil, 404)
	// The list never shows a secret.
	_, _, data := b.do(t, b.admin, "GET", "/v1/tokens?user_id="+duda["id"].(string), nil)
	if strings.Contains(string(data), t1["secret"].(string)) || strings.Count(string(data), `"user_name":"Duda Lima"`) != 2 {
		t.Fatalf("tokens: %s", data)
	}

	// An event stream ends when its token is revoked.
	run := b.generate(t, t1["secret"].(string), "kpis.service_level", map[string]any{"period": "2024-03-01..2024-03-07"})
	// The run shows its requesting user by name (Usuário solicitante).
	if _, _, data := b.do(t, b.manager, "GET", "/v1/runs/"+run.ID, nil); !strings.Contains(string(data), `"user_name":"Duda Lima"`) {
		t.Fatalf("run: %s", data)
	}
	req, _ := http.NewRequest("GET", b.url+"/v1/runs/"+run.ID+"/events", nil)
	req.Header.Set("Authorization", "bearer "+t1["secret"].(string))      // the scheme in lower case (RFC 9110)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a failure bound, not a timing claim
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "data:") {
	}
	if l := lines.Text(); !strings.Contains(l, `"status":"waiting"`) && !strings.Contains(l, `"status":"processing"`) {
		t.Fatalf("first event: %q %v", lines.Text(), lines.Err())
	}
	post(b.admin, "/v1/tokens/"+tok1["id"].(string)+"/revoke", nil, 200)
	for lines.Scan() {
	}
	if ctx.Err() != nil {
		t.Fatal("the event stream outlived its revoked token")
	}
	if code, _ := me(t1["secret"].(string)); code != http.StatusUnauthorized {
		t.Fatalf("a revoked token answered %d", code)
	}
	// Disabling the user stops its other token.
	if code, _ := me(t2["secret"].(string)); code != 200 {
		t.Fatalf("the second token: %d", code)
	}
	post(b.admin, "/v1/users/"+duda["id"].(string)+"/disable", nil, 200)
	if code, _ := me(t2["secret"].(string)); code != http.StatusUnauthorized {
		t.Fatalf("a disabled user's token answered %d", code)
	}
	_, _, data = b.do(t, b.admin, "GET", "/v1/audit", nil)
	for _, a := range []string{"user.create", "token.issue", "token.revoke", "user.disable"} {
		if !strings.Contains(string(data), `"action":"`+a+`"`) {
			t.Errorf("%s is not in tenant 1's trail: %s", a, data)
		}
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
