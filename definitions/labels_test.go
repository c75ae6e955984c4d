package definitions_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/export"
)

// Issue 12: every coded column of the catalog shows labels, never codes.

func TestCatalog_NoCodedColumnWithoutLabels(t *testing.T) {
	cat := loadCatalog(t)
	if ws := engine.LintValueLabels(cat); len(ws) > 0 {
		t.Fatalf("coded columns without labels:\n%v", ws)
	}
	// The check can fail: the same catalog with one report's labels removed.
	def := *cat.Reports["contacts.all_contacts"]
	def.Columns = append([]*engine.ColumnDef(nil), def.Columns...)
	removed := 0
	for i, c := range def.Columns {
		if c.Labelled() {
			bare := *c
			bare.Values, bare.ValuesFrom = nil, ""
			def.Columns[i] = &bare
			removed++
		}
	}
	mutated := &engine.Catalog{Reports: map[string]*engine.Definition{def.ID: &def}}
	// all_contacts labels channel, direction, handled_by, event_type, status
	// and call_outcome: six columns.
	if ws := engine.LintValueLabels(mutated); removed != 6 || len(ws) != 6 {
		t.Fatalf("removed the labels of %d columns, lint warned about %d:\n%v", removed, len(ws), ws)
	}
}

// A code has one name everywhere: an enum filter over codes of a shared value
// set (direction, handled_by, message_status…) names them with the set's
// words, so "Sentido: Receptivo" on a run and "Receptivo" in its rows agree.
func TestCatalog_EnumFiltersUseTheWordsOfTheColumnsValueSets(t *testing.T) {
	cat := loadCatalog(t)
	checked := 0
	for _, def := range cat.List() {
		id := def.ID
		for _, f := range def.Filters {
			for code, label := range f.ValueLabels {
				for _, name := range engine.ValueSetNames() {
					set := engine.ValueSet(name)
					want, ok := set[code]
					if !ok || !coversAll(set, f.Values) {
						continue
					}
					checked++
					for _, lang := range []string{"pt-BR", "en"} {
						if label.In(lang) != want.In(lang) {
							t.Errorf("%s filter %s: %s is %q in %s, the value set %s says %q", id, f.Name, code, label.In(lang), lang, name, want.In(lang))
						}
					}
				}
			}
		}
	}
	// direction (4 reports × 2 codes), handled_by, message_status… at least
	// the 8 direction codes are compared.
	if checked < 8 {
		t.Fatalf("only %d filter codes compared with a value set", checked)
	}
}

func coversAll(set map[string]engine.Text, codes []string) bool {
	for _, c := range codes {
		if _, ok := set[c]; !ok {
			return false
		}
	}
	return len(codes) > 0
}

// Over the seeded demo data, every value a labelled column holds has a label
// (or is empty): the value sets are complete for what the warehouse holds.
func TestCatalog_EveryCodeInTheSeededDataHasALabel(t *testing.T) {
	b := enginetest.ChDB(t)
	now := seedTwoTenants(t, b)
	cat := loadCatalog(t)
	ctx := context.Background()
	scope := engine.TenantScope(schema.Tables(), 1)
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	checked := 0
	for _, def := range cat.List() {
		labels, err := def.LabelsIn(ctx, "en", engine.BackendLookupLabels(b, scope))
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) == 0 {
			continue
		}
		t.Run(def.ID, func(t *testing.T) {
			env := engine.CompileEnv{Tenant: 1, Location: loc, Now: now, Tables: schema.Tables()}
			comp, err := engine.Compile(ctx, def, inputsFor(t, b, def, 1), env)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := b.Query(ctx, comp.Query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			unlabelled := map[string]bool{}
			n := 0
			for rows.Next() {
				n++
				for i, c := range rows.Columns() {
					m, ok := labels[c.Name]
					if !ok || rows.IsNull(i) {
						continue
					}
					if v := string(rows.Values()[i]); v != "" && m[v] == "" {
						unlabelled[c.Name+"="+v] = true
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no rows over the seeded data: the check proves nothing")
			}
			if len(unlabelled) > 0 {
				t.Errorf("codes without a label: %v", unlabelled)
			}
		})
		checked++
	}
	if checked < 20 {
		t.Errorf("checked %d reports with labelled columns, expected at least 20", checked)
	}
}

// tenant3 is a hand-made tenant beside the seeded ones, day 2024-03-01 in
// São Paulo (UTC-3; the warehouse keeps UTC):
//
//	row  local start  what                          channel   direction  by    event  status
//	 1   09:00        call 11 abandoned in queue    voice     inbound    none  ''     closed (outcome abandoned)
//	 2   10:00        conversation 1, Ana           whatsapp  inbound    user  sale   closed
//	 3   12:00        conversation 2, Ana           voice     outbound   user  ''     open
var tenant3 = []string{
	"INSERT INTO wh.wallets (tenant_id, wallet_id, name) VALUES (3, 31, 'Cobrança')",
	"INSERT INTO wh.users (tenant_id, user_id, wallet_id, name) VALUES (3, 35, 31, 'Ana')",
	"INSERT INTO wh.event_types (tenant_id, event_type, label) VALUES (3, 'sale', 'Venda')",
	"INSERT INTO wh.contacts (tenant_id, wallet_id, contact_id, name, phone) VALUES (3, 31, 300, 'Maria', '+5511999990001')",
	`INSERT INTO wh.conversations (tenant_id, wallet_id, conversation_id, contact_id, channel, direction, handled_by, user_id, started_at, first_response_at, ended_at, status, protocol, event_type) VALUES
	 (3, 31, 1, 300, 'whatsapp', 'inbound', 'user', 35, '2024-03-01 13:00:00', '2024-03-01 13:00:30', '2024-03-01 13:10:00', 'closed', 'P1', 'sale'),
	 (3, 31, 2, 300, 'voice', 'outbound', 'user', 35, '2024-03-01 15:00:00', NULL, NULL, 'open', 'P2', '')`,
	`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, caller, arrived_at, entered_queue_at, ended_at, outcome, wait_ms) VALUES
	 (3, 31, 11, 1, 'inbound', '+5511999990003', '2024-03-01 12:00:00', '2024-03-01 12:00:20', '2024-03-01 12:01:05', 'abandoned', 45000)`,
}

// allContacts writes contacts.all_contacts for tenant over period in format
// f and lang, and reads the file back as CSV records (header first).
func allContacts(t *testing.T, b engine.Backend, cat *engine.Catalog, tenant uint32, period string, f export.Format, lang string, now time.Time) [][]string {
	t.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	env := engine.CompileEnv{Tenant: tenant, Location: loc, Now: now, Tables: schema.Tables()}
	comp, err := engine.Compile(ctx, cat.Reports["contacts.all_contacts"], map[string]any{"period": period}, env)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := export.Run(ctx, b, comp, f, lang, &buf, nil); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	if f.ID == export.CSVExcel.ID {
		r.Comma = ';'
	}
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s %s: %v", f.ID, lang, err)
	}
	return recs
}

func TestAllContacts_FilesShowLabelsInTheirLanguage(t *testing.T) {
	b := enginetest.ChDB(t)
	now := seedTwoTenants(t, b)
	ctx := context.Background()
	for _, s := range tenant3 {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	cat := loadCatalog(t)

	t.Run("a pt-BR file of the seeded tenant holds no code", func(t *testing.T) {
		for _, f := range []export.Format{export.CSV, export.CSVExcel} {
			recs := allContacts(t, b, cat, 1, "2024-02-28..2024-03-19", f, "pt-BR", now)
			if len(recs) < 100 {
				t.Fatalf("%s: %d records: too few for the check to mean anything", f.ID, len(recs))
			}
			seen := map[string]bool{}
			for _, rec := range recs[1:] {
				for _, v := range rec {
					seen[v] = true
				}
			}
			for _, code := range []string{"inbound", "outbound", "voice", "whatsapp", "closed", "open", "user", "bot", "none", "abandoned", "sale"} {
				if seen[code] {
					t.Errorf("%s pt-BR holds the code %q", f.ID, code)
				}
			}
			for _, label := range []string{"Voz", "Receptivo", "Encerrado", "WhatsApp", "Humano"} {
				if !seen[label] {
					t.Errorf("%s pt-BR never shows %q", f.ID, label)
				}
			}
		}
		recs := allContacts(t, b, cat, 1, "2024-02-28..2024-03-19", export.CSV, "en", now)
		seen := map[string]bool{}
		for _, rec := range recs[1:] {
			for _, v := range rec {
				seen[v] = true
			}
		}
		for _, label := range []string{"Voice", "Inbound", "Closed", "Outbound", "Not served"} {
			if !seen[label] {
				t.Errorf("csv en never shows %q", label)
			}
		}
	})

	t.Run("the hand-made tenant's cells, in each language", func(t *testing.T) {
		// Columns: 2 channel, 3 direction, 4 handled by, 9 event type, 12 status, 13 call outcome.
		pick := func(rec []string) string {
			return strings.Join([]string{rec[2], rec[3], rec[4], rec[9], rec[12], rec[13]}, "|")
		}
		want := map[string][]string{
			"pt-BR": {
				"Canal|Sentido|Atendido por|Tipo de evento|Situação|Desfecho da chamada",
				"Voz|Receptivo|Sem atendimento||Encerrado|Abandonada na fila",
				"WhatsApp|Receptivo|Humano|Venda|Encerrado|",
				"Voz|Ativo|Humano||Aberto|",
			},
			"en": {
				"Channel|Direction|Handled by|Event type|Status|Call outcome",
				"Voice|Inbound|Not served||Closed|Abandoned in queue",
				"WhatsApp|Inbound|Person|Venda|Closed|", // the tenant named its event type in one language
				"Voice|Outbound|Person||Open|",
			},
		}
		for lang, rows := range want {
			for _, f := range []export.Format{export.CSV, export.CSVExcel} {
				recs := allContacts(t, b, cat, 3, "2024-03-01..2024-03-01", f, lang, now)
				var got []string
				for _, rec := range recs {
					got = append(got, pick(rec))
				}
				if strings.Join(got, "\n") != strings.Join(rows, "\n") {
					t.Errorf("%s %s:\n%s\nwant\n%s", f.ID, lang, strings.Join(got, "\n"), strings.Join(rows, "\n"))
				}
			}
		}
		// An XLSX opened by gnumeric (ssconvert back to CSV) shows the labels.
		if ssconvert, err := exec.LookPath("ssconvert"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("ssconvert not found; apt-get install gnumeric")
			}
			t.Log("ssconvert not found: the XLSX read-back is skipped")
		} else {
			dir := t.TempDir()
			loc, _ := time.LoadLocation("America/Sao_Paulo")
			comp, err := engine.Compile(ctx, cat.Reports["contacts.all_contacts"], map[string]any{"period": "2024-03-01..2024-03-01"},
				engine.CompileEnv{Tenant: 3, Location: loc, Now: now, Tables: schema.Tables()})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := export.Run(ctx, b, comp, export.XLSX, "pt-BR", &buf, nil); err != nil {
				t.Fatal(err)
			}
			in, out := filepath.Join(dir, "all.xlsx"), filepath.Join(dir, "all.csv")
			if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command(ssconvert, in, out).CombinedOutput(); err != nil {
				t.Fatalf("ssconvert: %v\n%s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rec := range recs {
				got = append(got, pick(rec))
			}
			if strings.Join(got, "\n") != strings.Join(want["pt-BR"], "\n") {
				t.Errorf("xlsx read by gnumeric:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want["pt-BR"], "\n"))
			}
		}

		// csv-exact keeps the codes for programs.
		recs := allContacts(t, b, cat, 3, "2024-03-01..2024-03-01", export.CSVExact, "en", now)
		if got := fmt.Sprint(pick(recs[1]), " ", pick(recs[2])); got != "voice|inbound|none||closed|abandoned whatsapp|inbound|user|sale|closed|" {
			t.Errorf("csv-exact rows %s", got)
		}
	})
}
