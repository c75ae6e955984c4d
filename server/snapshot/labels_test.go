package snapshot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/server/snapshot"
)

const codedListing = `id: test.coded
version: 1
title: {pt-BR: Códigos}
category: test
limits: {max_rows: 100, timeout: 1m}
query: |
  SELECT contact_id, origin_channel AS channel, email AS event_type
  FROM wh.contacts ORDER BY contact_id
columns:
  - {name: contact_id, type: int, label: {pt-BR: Contato}}
  - {name: channel, type: string, label: {pt-BR: Canal}, values_from: channel}
  - {name: event_type, type: string, label: {pt-BR: Tipo de evento}, values_from: event_type}
`

// codedSnapshot freezes four contacts whose origin_channel stands in for a
// channel code and e-mail for an event type code: 1 voice/sale,
// 2 whatsapp/callback, 3 fax (no label)/sale, 4 empty/empty.
func codedSnapshot(t *testing.T) (*snapshot.Store, *engine.Definition) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	r := engine.FixtureRunner{Backend: b, Warehouse: engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"TRUNCATE TABLE wh.contacts",
		`INSERT INTO wh.contacts (tenant_id, contact_id, origin_channel, email) VALUES
		 (1, 1, 'voice', 'sale'), (1, 2, 'whatsapp', 'callback'), (1, 3, 'fax', 'sale'), (1, 4, '', '')`,
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	d, ps := engine.ParseDefinition("test/coded.yaml", []byte(codedListing))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	env := engine.CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), Tables: schema.Tables()}
	c, err := engine.Compile(ctx, d, map[string]any{}, env)
	if err != nil {
		t.Fatal(err)
	}
	st := &snapshot.Store{B: b}
	if _, err := st.Create(ctx, "coded", c, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Drop(context.Background(), "coded") })
	return st, d
}

func TestSnapshot_ViewShowsSearchesAndSortsLabelsAndKeepsTheCodes(t *testing.T) {
	st, d := codedSnapshot(t)
	ctx := context.Background()
	// The tenant's event types, as reporting reads them from wh.event_types.
	tenant := engine.ValueLabels{"event_type": {"sale": "Venda", "it's \\ odd": "x"}}
	view := func(req snapshot.PageRequest) snapshot.Page {
		t.Helper()
		req.Limit, req.TimeZone, req.Labels = 10, "UTC", tenant
		p, err := st.View(ctx, "coded", d, req)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	join := func(p snapshot.Page) string {
		var rows []string
		for _, r := range cells(p) {
			rows = append(rows, strings.Join(r, "/"))
		}
		return strings.Join(rows, " | ")
	}

	// Labels in pt-BR; fax and callback have none and show as they are; empty stays empty.
	p := view(snapshot.PageRequest{Lang: "pt-BR"})
	if got, want := join(p), "1/Voz/Venda | 2/WhatsApp/callback | 3/fax/Venda | 4//"; got != want {
		t.Errorf("pt-BR page %q, want %q", got, want)
	}
	if len(p.Columns) != 3 {
		t.Errorf("columns %v: the code columns must not show", p.Columns)
	}
	var codes []string
	for _, c := range p.Codes["channel"] {
		codes = append(codes, *c)
	}
	if strings.Join(codes, ",") != "voice,whatsapp,fax," || *p.Codes["event_type"][0] != "sale" {
		t.Errorf("codes %v / %v", codes, p.Codes["event_type"])
	}
	if got := join(view(snapshot.PageRequest{Lang: "en"})); !strings.HasPrefix(got, "1/Voice/Venda") {
		t.Errorf("en page %q", got)
	}

	// The search matches what is shown: Voz in pt-BR, Voice in English, never the code.
	for _, tc := range []struct{ lang, q, want string }{
		{"pt-BR", "voz", "1/Voz/Venda"},
		{"pt-BR", "voice", ""},
		{"en", "voice", "1/Voice/Venda"},
		{"pt-BR", "venda", "1/Voz/Venda | 3/fax/Venda"},
		{"pt-BR", "fax", "3/fax/Venda"},
	} {
		if got := join(view(snapshot.PageRequest{Lang: tc.lang, Search: tc.q})); got != tc.want {
			t.Errorf("%s search %q: %q, want %q", tc.lang, tc.q, got, tc.want)
		}
	}

	// Sorted by label, byte order: "" < "Voz" < "WhatsApp" < "fax" (by code it
	// would be "", fax, voice, whatsapp: 4, 3, 1, 2).
	var ids []string
	for _, r := range cells(view(snapshot.PageRequest{Lang: "pt-BR", Sort: "channel"})) {
		ids = append(ids, r[0])
	}
	if strings.Join(ids, ",") != "4,1,2,3" {
		t.Errorf("sorted by channel: %v, want 4,1,2,3", ids)
	}
}
