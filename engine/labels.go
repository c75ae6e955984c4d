package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/relato/relato/engine/chsql"
)

// Labels of coded column values (issue 12): a report's column that holds
// codes (voice, inbound, closed, APPROVED…) declares what people call each
// one, inline (`values:`) or by naming a value set (`values_from:`). Every
// place that shows a result — the view, its search and sort, CSV, CSV Excel,
// XLSX, delivered files, charts — shows the label in the reader's language;
// a code without a label is shown as itself, never blank. Programs still get
// the code: the rows API beside the label, csv-exact instead of it.

// t2 is a text in pt-BR and English.
func t2(ptBR, en string) Text { return Text{"pt-BR": ptBR, "en": en} }

// valueSets are the shared sets of code labels a column's values_from may
// name besides a table lookup: the fixed lookups' (channel, also what
// GET /v1/lookups/channel answers) and the warehouse's vocabularies that
// several reports show (definitions/schema/warehouse.sql and DESIGN §5's
// WhatsApp vocabulary).
var valueSets = map[string]map[string]Text{
	"channel": codeLabels["channel"],
	"direction": {
		"inbound":  t2("Receptivo", "Inbound"),
		"outbound": t2("Ativo", "Outbound"),
	},
	"handled_by": {
		"user": t2("Humano", "Person"),
		"bot":  t2("Robô", "Bot"),
		"none": t2("Sem atendimento", "Not served"),
	},
	"conversation_status": {
		"open":   t2("Aberto", "Open"),
		"closed": t2("Encerrado", "Closed"),
	},
	"call_outcome": {
		"answered":      t2("Atendida", "Answered"),
		"abandoned":     t2("Abandonada na fila", "Abandoned in queue"),
		"ivr_abandoned": t2("Abandonada na URA", "Abandoned in the IVR"),
	},
	"message_status": {
		"sent":      t2("Enviada", "Sent"),
		"delivered": t2("Entregue", "Delivered"),
		"read":      t2("Lida", "Read"),
		"failed":    t2("Falha", "Failed"),
	},
	"send_origin": {
		"campaign": t2("Campanha", "Campaign"),
		"manual":   t2("Manual", "Manual"),
		"api":      t2("API", "API"),
	},
	"template_status": {
		"APPROVED":         t2("Aprovado", "Approved"),
		"PENDING":          t2("Pendente", "Pending"),
		"REJECTED":         t2("Rejeitado", "Rejected"),
		"PAUSED":           t2("Pausado", "Paused"),
		"DISABLED":         t2("Desativado", "Disabled"),
		"FLAGGED":          t2("Sinalizado", "Flagged"),
		"IN_APPEAL":        t2("Em recurso", "In appeal"),
		"REINSTATED":       t2("Reativado", "Reinstated"),
		"PENDING_DELETION": t2("Exclusão pendente", "Pending deletion"),
		"DELETED":          t2("Excluído", "Deleted"),
		"ARCHIVED":         t2("Arquivado", "Archived"),
		"LOCKED":           t2("Bloqueado", "Locked"),
		"LIMIT_EXCEEDED":   t2("Limite excedido", "Limit exceeded"),
	},
	"template_category": {
		"MARKETING":      t2("Marketing", "Marketing"),
		"UTILITY":        t2("Utilidade", "Utility"),
		"AUTHENTICATION": t2("Autenticação", "Authentication"),
	},
	"line_status": {
		"CONNECTED":    t2("Conectada", "Connected"),
		"FLAGGED":      t2("Sinalizada", "Flagged"),
		"RESTRICTED":   t2("Restrita", "Restricted"),
		"PENDING":      t2("Pendente", "Pending"),
		"OFFLINE":      t2("Desconectada temporariamente", "Offline"),
		"BANNED":       t2("Banida", "Banned"),
		"DISCONNECTED": t2("Desconectada", "Disconnected"),
		"RATE_LIMITED": t2("Limite de envio atingido", "Rate limited"),
		"DELETED":      t2("Excluída", "Deleted"),
	},
	"quality": {
		"GREEN":   t2("Alta (verde)", "High (green)"),
		"YELLOW":  t2("Média (amarela)", "Medium (yellow)"),
		"RED":     t2("Baixa (vermelha)", "Low (red)"),
		"UNKNOWN": t2("Desconhecida", "Unknown"),
	},
	"messaging_tier": {
		"TIER_250":       t2("250 conversas por dia", "250 conversations a day"),
		"TIER_1K":        t2("1.000 conversas por dia", "1,000 conversations a day"),
		"TIER_10K":       t2("10.000 conversas por dia", "10,000 conversations a day"),
		"TIER_100K":      t2("100.000 conversas por dia", "100,000 conversations a day"),
		"TIER_UNLIMITED": t2("Ilimitado", "Unlimited"),
	},
	"language": {
		"pt_BR": t2("Português (Brasil)", "Portuguese (Brazil)"),
		"pt_PT": t2("Português (Portugal)", "Portuguese (Portugal)"),
		"en":    t2("Inglês", "English"),
		"en_US": t2("Inglês (EUA)", "English (US)"),
		"en_GB": t2("Inglês (Reino Unido)", "English (UK)"),
		"es":    t2("Espanhol", "Spanish"),
		"es_AR": t2("Espanhol (Argentina)", "Spanish (Argentina)"),
		"es_ES": t2("Espanhol (Espanha)", "Spanish (Spain)"),
		"es_MX": t2("Espanhol (México)", "Spanish (Mexico)"),
	},
}

// ValueSet returns a copy of the shared value set name (code → label), or nil
// when there is none; enum filters over the same codes use the same words.
func ValueSet(name string) map[string]Text {
	set, ok := valueSets[name]
	if !ok {
		return nil
	}
	out := make(map[string]Text, len(set))
	for k, v := range set {
		out[k] = v
	}
	return out
}

// ValueSetNames lists what a column's values_from may name: every lookup
// kind whose values have labels (the tenant's names, or a fixed set's) and
// every shared value set, sorted.
func ValueSetNames() []string {
	seen := map[string]bool{}
	for name := range valueSets {
		seen[name] = true
	}
	for _, lk := range Lookups() {
		if lk.Table != "" && lk.Label != "" {
			seen[lk.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func validValueSet(name string) bool {
	for _, n := range ValueSetNames() {
		if n == name {
			return true
		}
	}
	return false
}

// Labelled reports whether the column's codes have labels.
func (c ColumnDef) Labelled() bool { return len(c.Values) > 0 || c.ValuesFrom != "" }

// tableLookup is the lookup whose table names the column's values (for
// values_from: event_type), or nil when the labels are known without the
// tenant's data.
func (c ColumnDef) tableLookup() *Lookup {
	if c.ValuesFrom == "" {
		return nil
	}
	if _, ok := valueSets[c.ValuesFrom]; ok {
		return nil
	}
	for _, lk := range Lookups() {
		if lk.Name == c.ValuesFrom && lk.Table != "" {
			return &lk
		}
	}
	return nil
}

// StaticLabels is the column's code → label in lang (pt-BR or en, see
// Text.In) from its values or a shared value set; nil when it has none or
// takes them from a tenant's lookup table (see Definition.LabelsIn).
func (c ColumnDef) StaticLabels(lang string) map[string]string {
	set := c.Values
	if set == nil && c.ValuesFrom != "" {
		set = valueSets[c.ValuesFrom]
	}
	if len(set) == 0 {
		return nil
	}
	out := make(map[string]string, len(set))
	for code, t := range set {
		out[code] = t.In(lang)
	}
	return out
}

// ValueLabels maps a column's name to its codes' labels in one language:
// column → code → label. Columns without labels are absent.
type ValueLabels map[string]map[string]string

// LookupLabels reads the labels of a table lookup's values as one tenant
// named them: value (toString of the id or code) → label.
type LookupLabels func(ctx context.Context, lk Lookup) (map[string]string, error)

// maxLookupLabels bounds how many labels of one lookup a result reads: more
// than any tenant's event types; a code past it is shown as itself.
const maxLookupLabels = 100000

// BackendLookupLabels reads lookup labels from the warehouse with the table
// filters of the tenant's scope (TenantScope), like every report query; the
// table, id and label columns come from Lookups, never from input.
func BackendLookupLabels(b Backend, scope map[string]string) LookupLabels {
	return func(ctx context.Context, lk Lookup) (map[string]string, error) {
		if !chsql.ValidIdentifier(lk.Column) || !chsql.ValidIdentifier(lk.Label) || !validTableName(lk.Table) {
			return nil, fmt.Errorf("lookup %s: invalid table or column", lk.Name)
		}
		rows, err := b.Query(ctx, Query{
			SQL: "SELECT toString(" + lk.Column + ") AS v, any(" + lk.Label + ") FROM " + lk.Table +
				" GROUP BY v LIMIT " + fmt.Sprint(maxLookupLabels),
			TableFilters: scope,
		})
		if err != nil {
			return nil, fmt.Errorf("labels of %s: %w", lk.Name, err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			v := rows.Values()
			out[string(v[0])] = string(v[1])
		}
		return out, rows.Err()
	}
}

// LabelsIn resolves the labels of every labelled column of d in lang: the
// static ones (StaticLabels) and, through read, those of table lookups
// (values_from: event_type), each lookup read once. read nil leaves table
// lookups' codes as they are. Errors are read's.
func (d *Definition) LabelsIn(ctx context.Context, lang string, read LookupLabels) (ValueLabels, error) {
	out := ValueLabels{}
	cache := map[string]map[string]string{}
	for _, c := range d.Columns {
		if m := c.StaticLabels(lang); m != nil {
			out[c.Name] = m
			continue
		}
		lk := c.tableLookup()
		if lk == nil || read == nil {
			continue
		}
		m, ok := cache[lk.Name]
		if !ok {
			var err error
			if m, err = read(ctx, *lk); err != nil {
				return nil, err
			}
			cache[lk.Name] = m
		}
		out[c.Name] = m
	}
	return out, nil
}

// codedWords are the last words of column names that hold codes in this
// domain (DESIGN §5, the warehouse's LowCardinality code columns).
var codedWords = map[string]bool{
	"status": true, "channel": true, "direction": true, "outcome": true, "kind": true, "type": true,
	"class": true, "origin": true, "quality": true, "category": true, "tier": true, "action": true,
	"kpi": true, "language": true,
}

// LooksCoded reports whether a column without labels probably holds codes:
// a string column, not personal data, whose name's last word (after the
// final underscore, or the whole name) is one of codedWords (status,
// channel, direction, outcome, kind, type, class, origin, quality, category,
// tier, action, kpi, language), or that ends in _by (handled_by, sent_by).
// The rule goes by name because the warehouse stores codes as
// LowCardinality(String), not Enum, so the type tells nothing; a column the
// rule misses may still declare labels.
func LooksCoded(c ColumnDef) bool {
	if c.Type != ColString || c.IsPersonal() || c.Labelled() {
		return false
	}
	last := c.Name
	if i := strings.LastIndexByte(last, '_'); i >= 0 {
		last = last[i+1:]
	}
	return codedWords[last] || last == "by"
}

// LintValueLabels warns about every column that LooksCoded: its codes
// would reach people as codes.
func LintValueLabels(cat *Catalog) Problems {
	var ps Problems
	for _, d := range cat.List() {
		for _, c := range d.Columns {
			if LooksCoded(*c) {
				ps.add(c.Pos, "warning: column %q looks like it holds codes but declares no labels (values: {code: {pt-BR: …, en: …}} or values_from: one of %s)", c.Name, strings.Join(ValueSetNames(), ", "))
			}
		}
	}
	ps.Sort()
	return ps
}
