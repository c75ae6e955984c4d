package engine

import (
	"context"
	"strings"
	"testing"
)

const labelledDef = `id: t.labels
version: 1
title: {pt-BR: Rótulos}
category: t
limits: {max_rows: 10, timeout: 1m}
query: |
  SELECT channel, status, event_type, kind FROM wh.conversations
columns:
  - {name: channel, type: string, label: {pt-BR: Canal}, values_from: channel}
  - name: status
    type: string
    label: {pt-BR: Situação}
    values: {open: {pt-BR: Aberto, en: Open}, closed: {pt-BR: Encerrado, en: Closed}}
  - {name: event_type, type: string, label: {pt-BR: Tipo de evento}, values_from: event_type}
  - {name: kind, type: string, label: {pt-BR: Tipo}}
`

func TestLabelsIn_GivesEachLabelledColumnItsCodesInTheLanguage(t *testing.T) {
	d, ps := ParseDefinition("labels.yaml", []byte(labelledDef))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	reads := 0
	read := func(_ context.Context, lk Lookup) (map[string]string, error) {
		reads++
		if lk.Name != "event_type" {
			t.Errorf("read lookup %s", lk.Name)
		}
		return map[string]string{"sale": "Venda"}, nil
	}
	en, err := d.LabelsIn(context.Background(), "en", read)
	if err != nil {
		t.Fatal(err)
	}
	if en["channel"]["voice"] != "Voice" || en["status"]["closed"] != "Closed" || en["event_type"]["sale"] != "Venda" {
		t.Errorf("en labels %v", en)
	}
	if _, ok := en["kind"]; ok {
		t.Errorf("a column without labels got some: %v", en["kind"])
	}
	pt, err := d.LabelsIn(context.Background(), "pt-BR", nil)
	if err != nil {
		t.Fatal(err)
	}
	if pt["channel"]["voice"] != "Voz" || pt["status"]["open"] != "Aberto" {
		t.Errorf("pt-BR labels %v", pt)
	}
	if _, ok := pt["event_type"]; ok || reads != 1 {
		t.Errorf("without a reader the tenant's labels are not read: %v, %d reads", pt["event_type"], reads)
	}
	info := d.Info("en")
	if info.Columns[0].Values["webchat"] != "WebChat" || info.Columns[2].ValuesFrom != "event_type" || info.Columns[3].Values != nil {
		t.Errorf("column info %+v", info.Columns)
	}
}

func TestLintValueLabels_WarnsAboutCodedNamesWithoutLabels(t *testing.T) {
	d, ps := ParseDefinition("labels.yaml", []byte(labelledDef))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	cat := &Catalog{Reports: map[string]*Definition{d.ID: d}}
	got := LintValueLabels(cat)
	// Only kind (line 15: id is line 1, the column list starts at line 9) lacks labels; channel, status and event_type have them.
	if len(got) != 1 || !strings.HasPrefix(got[0].Error(), `labels.yaml:15:5: warning: column "kind"`) {
		t.Fatalf("warnings %v", got)
	}
	for name, want := range map[string]bool{
		"handled_by": true, "call_outcome": true, "previous_status": true, "messaging_tier": true, "object_type": true,
		"user_name": false, "protocol": false, "reason": false, "flow": false,
	} {
		if LooksCoded(ColumnDef{Name: name, Type: ColString}) != want {
			t.Errorf("LooksCoded(%s) = %v", name, !want)
		}
	}
	if LooksCoded(ColumnDef{Name: "status", Type: ColInt}) || LooksCoded(ColumnDef{Name: "status", Type: ColString, Personal: PersonalName}) {
		t.Error("only plain string columns hold codes")
	}
}
