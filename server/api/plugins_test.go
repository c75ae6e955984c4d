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
	"github.com/relato/relato/server/instance"
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
	// An admin entitles tenant 2; a viewer may not.
	if code, _, _ := b.do(t, b.viewer, "PUT", "/v1/admin/plugins/"+id+"/tenants/2", map[string]any{"entitled": true}); code != 403 {
		t.Fatalf("viewer changed an entitlement: %d", code)
	}
	if code, _, body := b.do(t, b.admin, "PUT", "/v1/admin/plugins/"+id+"/tenants/2", map[string]any{"entitled": true}); code != 200 {
		t.Fatalf("entitle: %d %s", code, body)
	}
	if code, _, _ := b.do(t, b.other, "GET", "/v1/reports/"+id, nil); code != 200 {
		t.Fatalf("entitled tenant 2 cannot see the plugin: %d", code)
	}
	_, _, body = b.do(t, b.admin, "GET", "/v1/audit", nil)
	if !strings.Contains(string(body), "plugin.entitlement") {
		t.Fatal("the entitlement change is not audited")
	}
}
