package api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/plugins/plugintest"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/servertest"
	"github.com/relato/relato/server/snapshot"
)

func TestAPI_APluginReportIsEntitledRunAndDownloadedLikeAYAMLOne(t *testing.T) {
	ctx := context.Background()
	bin := plugintest.Build(t, "github.com/relato/relato/examples/plugins/scorecard")
	dir := t.TempDir()
	plugintest.Install(t, dir, "scorecard", bin, "custom.agent_scorecard", 1, 1)
	b := setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }, Configure: func(c *instance.Config) { c.Plugins = dir }})
	ph := b.server.Plugins
	const id = "custom.agent_scorecard"

	// Tenant 2 is not entitled: it neither sees nor runs the report.
	if _, _, body := b.do(t, b.other, "GET", "/v1/reports", nil); strings.Contains(string(body), id) {
		t.Fatal("an unentitled tenant sees the plugin")
	}
	if code, _, _ := b.do(t, b.other, "GET", "/v1/reports/"+id, nil); code != 404 {
		t.Fatalf("unentitled GET report: %d", code)
	}
	if code, _, _ := b.do(t, b.other, "POST", "/v1/runs", map[string]any{"report": id, "filters": map[string]any{"period": "2024-03-01..2024-03-07"}}); code != 422 {
		t.Fatalf("unentitled generate: %d", code)
	}
	// Tenant 1 sees it among the catalog's reports, with its filters.
	_, _, body := b.do(t, b.viewer, "GET", "/v1/reports/"+id, nil)
	if !strings.Contains(string(body), `"name":"weight_volume"`) {
		t.Fatalf("plugin report: %s", body)
	}
	// Its filters are validated like a YAML report's.
	code, _, body := b.do(t, b.viewer, "POST", "/v1/runs", map[string]any{"report": id, "filters": map[string]any{"period": "2024-03-01..2024-03-07", "weight_volume": 101}})
	if code != 422 || !strings.Contains(string(body), "body.filters.weight_volume") {
		t.Fatalf("bad weight: %d %s", code, body)
	}
	r := b.generate(t, b.viewer, id, map[string]any{"period": "2024-03-01..2024-03-07"})
	done := b.wait(t, b.viewer, r.ID)
	if done.Status != "finished" || done.TotalRows == nil || *done.TotalRows == 0 {
		t.Fatalf("plugin run ended %+v", done)
	}
	_, _, csv := b.do(t, b.viewer, "GET", "/v1/runs/"+r.ID+"/download?format=csv", nil)
	// The same report run directly through the host gives the same file.
	def, _ := ph.Report(1, id)
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	comp, err := engine.Compile(ctx, def, map[string]any{"period": "2024-03-01..2024-03-07"},
		engine.CompileEnv{Tenant: 1, Location: loc, Now: time.Now(), Tables: schema.Tables()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ph.Run(ctx, 1, comp)
	if err != nil {
		t.Fatal(err)
	}
	var direct bytes.Buffer
	if _, err := writer.WriteCSV(ctx, &direct, snapshot.Fields(def, "pt-BR"), res, writer.RFC4180, nil); err != nil {
		t.Fatal(err)
	}
	res.Close()
	if !bytes.Equal(csv, direct.Bytes()) {
		t.Fatalf("download differs from the direct run:\n%s\n---\n%s", csv, direct.Bytes())
	}
	if strings.Contains(string(csv), seed.Tenant2NameMarker) {
		t.Fatal("tenant 2's users appear in tenant 1's scorecard")
	}
	// An operator entitles tenant 2 (issue 11: entitlements are no tenant's
	// decision, so neither a viewer nor an admin may).
	for _, tok := range []string{b.viewer, b.admin} {
		if code, _, _ := b.do(t, tok, "PUT", "/v1/operator/plugins/"+id+"/tenants/2", map[string]any{"entitled": true}); code != 403 {
			t.Fatalf("a tenant user changed an entitlement: %d", code)
		}
	}
	op := b.server.Token(0, "Comercial", auth.Operator)
	if code, _, body := b.do(t, op, "PUT", "/v1/operator/plugins/"+id+"/tenants/2", map[string]any{"entitled": true}); code != 200 {
		t.Fatalf("entitle: %d %s", code, body)
	}
	if code, _, _ := b.do(t, b.other, "GET", "/v1/reports/"+id, nil); code != 200 {
		t.Fatalf("entitled tenant 2 cannot see the plugin: %d", code)
	}
	_, _, body = b.do(t, b.other, "GET", "/v1/audit", nil)
	if !strings.Contains(string(body), "plugin.entitlement") {
		t.Fatal("the entitlement change is not audited in the tenant's trail")
	}
}

// Issue 11, point 1: tenant 2's admin removed tenant 1's paid report. Now a
// tenant admin reads only its own tenant's plugins and changes none; the
// operator, outside every tenant, reads and changes all, and each change is
// in the operator trail and in the affected tenant's trail only.
func TestAPI_OnlyOperatorsManageEntitlements(t *testing.T) {
	bin := plugintest.Build(t, "github.com/relato/relato/examples/plugins/scorecard")
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dir := t.TempDir()
			plugintest.Install(t, dir, "scorecard", bin, "custom.agent_scorecard", 1, 1) // tenant 1 entitled
			dsn := ""
			if db == "postgres" {
				dsn = runstest.StartPostgres(t).NewDatabase(t)
			}
			b := setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }, Configure: func(c *instance.Config) {
				c.Plugins = dir
				if dsn != "" {
					c.DB = dsn
				}
			}})
			const id = "custom.agent_scorecard"
			op := b.server.Token(0, "Comercial", auth.Operator)

			// Tenant 2's admin cannot list every tenant's entitlements, nor
			// revoke tenant 1's, nor grant its own.
			if code, _, body := b.do(t, b.other, "GET", "/v1/operator/plugins", nil); code != 403 {
				t.Fatalf("tenant admin listed all entitlements: %d %s", code, body)
			}
			for _, tenant := range []string{"1", "2"} {
				if code, _, _ := b.do(t, b.other, "PUT", "/v1/operator/plugins/"+id+"/tenants/"+tenant, map[string]any{"entitled": tenant == "2"}); code != 403 {
					t.Fatalf("tenant 2's admin changed tenant %s's entitlement: %d", tenant, code)
				}
			}
			// The old tenant-admin path no longer changes anything.
			if code, _, _ := b.do(t, b.other, "PUT", "/v1/admin/plugins/"+id+"/tenants/1", map[string]any{"entitled": false}); code < 400 {
				t.Fatalf("the old admin path still answers %d", code)
			}
			if code, _, _ := b.do(t, b.viewer, "GET", "/v1/reports/"+id, nil); code != 200 {
				t.Fatalf("tenant 1 lost its paid report: %d", code)
			}
			// Each admin sees only whether its own tenant has the report.
			_, _, body := b.do(t, b.admin, "GET", "/v1/admin/plugins", nil)
			if !strings.Contains(string(body), `"id":"custom.agent_scorecard"`) || !strings.Contains(string(body), `"entitled":true`) {
				t.Fatalf("tenant 1's admin: %s", body)
			}
			_, _, body = b.do(t, b.other, "GET", "/v1/admin/plugins", nil)
			if !strings.Contains(string(body), `"plugins":[]`) {
				t.Fatalf("tenant 2's admin sees a report it does not have: %s", body)
			}
			// The operator token is refused by tenant operations.
			if code, _, _ := b.do(t, op, "GET", "/v1/runs", nil); code != 403 {
				t.Fatalf("an operator listed runs of tenant 0: %d", code)
			}
			// The operator sees every tenant and revokes tenant 1.
			code, _, body := b.do(t, op, "GET", "/v1/operator/plugins", nil)
			if code != 200 || !strings.Contains(string(body), `"custom.agent_scorecard":[1]`) {
				t.Fatalf("operator list: %d %s", code, body)
			}
			if code, _, body := b.do(t, op, "PUT", "/v1/operator/plugins/"+id+"/tenants/1", map[string]any{"entitled": false}); code != 200 {
				t.Fatalf("operator revoke: %d %s", code, body)
			}
			if code, _, _ := b.do(t, b.viewer, "GET", "/v1/reports/"+id, nil); code != 404 {
				t.Fatalf("a revoked report is still visible: %d", code)
			}
			// Audited in the operator trail and tenant 1's, not tenant 2's.
			for _, c := range []struct {
				token, path string
				want        bool
			}{{op, "/v1/operator/audit", true}, {b.admin, "/v1/audit", true}, {b.other, "/v1/audit", false}} {
				_, _, body := b.do(t, c.token, "GET", c.path, nil)
				if got := strings.Contains(string(body), `"detail":"tenant 1 entitled=false"`); got != c.want {
					t.Errorf("%s: audited = %v, want %v: %s", c.path, got, c.want, body)
				}
			}
			if code, _, _ := b.do(t, b.admin, "GET", "/v1/operator/audit", nil); code != 403 {
				t.Fatalf("a tenant admin read the operator trail: %d", code)
			}
		})
	}
}
