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

const personalListing = `id: test.people
version: 1
title: {pt-BR: Pessoas}
category: test
limits: {max_rows: 100, timeout: 1m}
query: |
  SELECT contact_id, name, phone, email, document, origin_channel AS ip, origin_channel AS note
  FROM wh.contacts ORDER BY contact_id
columns:
  - {name: contact_id, type: int, label: {pt-BR: Contato}}
  - {name: name, type: string, personal: name, label: {pt-BR: Nome}}
  - {name: phone, type: string, personal: phone, label: {pt-BR: Telefone}}
  - {name: email, type: string, personal: email, label: {pt-BR: E-mail}}
  - {name: document, type: string, personal: document, label: {pt-BR: Documento}}
  - {name: ip, type: string, personal: ip, label: {pt-BR: IP}}
  - {name: note, type: string, personal: free_text, label: {pt-BR: Nota}}
`

// personalSnapshot freezes three contacts of tenant 1 (origin_channel stands
// in for an IP and a note, to keep to the warehouse's contacts table).
func personalSnapshot(t *testing.T, runID string) (*snapshot.Store, *engine.Definition) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	r := engine.FixtureRunner{Backend: b, Warehouse: engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"TRUNCATE TABLE wh.contacts",
		`INSERT INTO wh.contacts (tenant_id, contact_id, name, phone, email, document, origin_channel) VALUES
		 (1, 1, 'Ana Maria Souza', '+5511987650101', 'ana@example.com', '123.456.789-09', '203.0.113.7'),
		 (1, 2, 'bruno lima', '+551133334444', 'b@example.org', '12345678000199', '2001:db8::1'),
		 (1, 3, '', '+14155550123', '', '', '')`,
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	d, ps := engine.ParseDefinition("test/people.yaml", []byte(personalListing))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	env := engine.CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), Tables: schema.Tables()}
	c, err := engine.Compile(ctx, d, map[string]any{}, env)
	if err != nil {
		t.Fatal(err)
	}
	st := &snapshot.Store{B: b}
	if _, err := st.Create(ctx, runID, c, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Drop(context.Background(), runID) })
	return st, d
}

func cells(p snapshot.Page) [][]string {
	var out [][]string
	for _, r := range p.Rows {
		row := make([]string, len(r))
		for i, v := range r {
			if v != nil {
				row[i] = *v
			}
		}
		out = append(out, row)
	}
	return out
}

func TestSnapshot_PersonalColumnsAreMaskedByKindWithoutThePermission(t *testing.T) {
	runID := "people_view"
	st, d := personalSnapshot(t, runID)
	ctx := context.Background()
	page, err := st.View(ctx, runID, d, snapshot.PageRequest{Limit: 10, Lang: "pt-BR", TimeZone: "UTC", Mask: snapshot.MaskFor(d, false)})
	if err != nil {
		t.Fatal(err)
	}
	// Worked out by hand from the rules of engine.PersonalMaskSQL:
	// +5511987650101 is 14 characters: "+55 11 " + "9" + 14-10 = 4 stars + "-**" + "01".
	// +551133334444 is 13: "+55 11 3" + 3 stars + "-**44".
	// +14155550123 is not Brazilian: "+14" + 7 digits as stars + "23".
	// 123.456.789-09: every digit but the last two starred; 12345678000199 likewise.
	want := [][]string{
		{"1", "A. M. S.", "+55 11 9****-**01", "a***@example.com", "***.***.***-09", "203.0.*.*", ""},
		{"2", "B. L.", "+55 11 3***-**44", "b***@example.org", "************99", "2001:*", ""},
		{"3", "", "+14*******23", "", "", "", ""},
	}
	got := cells(page)
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
}

func TestSnapshot_AMaskedColumnIsNotSearchableByItsHiddenPart(t *testing.T) {
	runID := "people_search"
	st, d := personalSnapshot(t, runID)
	ctx := context.Background()
	for _, tc := range []struct {
		q         string
		permitted bool
		want      int64
	}{
		{"+5511987650101", false, 0}, // the full phone is hidden
		{"98765", false, 0},          // so is any hidden part of it
		{"ana@", false, 0},
		{"**01", false, 1}, // what the reader sees is searchable
		{"+5511987650101", true, 1},
		{"ana@example.com", true, 1},
	} {
		page, err := st.View(ctx, runID, d, snapshot.PageRequest{Limit: 10, Search: tc.q, Lang: "pt-BR", TimeZone: "UTC", Mask: snapshot.MaskFor(d, tc.permitted)})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != tc.want {
			t.Errorf("search %q (permission %v): %d rows, want %d", tc.q, tc.permitted, page.Total, tc.want)
		}
	}
}

func TestSnapshot_RowsMaskedStreamMaskedValues(t *testing.T) {
	runID := "people_rows"
	st, d := personalSnapshot(t, runID)
	ctx := context.Background()
	for _, tc := range []struct {
		permitted bool
		phone     string
	}{{false, "+55 11 9****-**01"}, {true, "+5511987650101"}} {
		rows, err := st.RowsMasked(ctx, runID, "UTC", snapshot.MaskFor(d, tc.permitted))
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatalf("no rows: %v", rows.Err())
		}
		if got := string(rows.Values()[2]); got != tc.phone {
			t.Errorf("permission %v: phone %q, want %q", tc.permitted, got, tc.phone)
		}
		rows.Close()
	}
}
