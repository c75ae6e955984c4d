package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/i18n"
)

// Lookup is a filter type whose values are ids of one of the tenant's
// dimension rows (a wallet, a queue, …) or one of a fixed set (channel).
type Lookup struct {
	Name string
	// Table and Column hold the tenant's valid ids (database-qualified table).
	Table, Column string
	// Label is the column of Table people see for a value (a name), shown
	// when the values are listed; empty means the value is its own label.
	Label string
	// Numeric ids bind as UInt64; others as String.
	Numeric bool
	// Fixed lists the only valid values when there is no table.
	Fixed []string
}

// Lookups lists the lookup filter types.
func Lookups() []Lookup {
	return []Lookup{
		{Name: "wallet", Table: "wh.wallets", Column: "wallet_id", Label: "name", Numeric: true},
		{Name: "user", Table: "wh.users", Column: "user_id", Label: "name", Numeric: true},
		{Name: "queue", Table: "wh.queues", Column: "queue_id", Label: "name", Numeric: true},
		{Name: "line", Table: "wh.lines", Column: "line_id", Label: "name", Numeric: true},
		{Name: "template", Table: "wh.templates", Column: "template_id", Label: "name", Numeric: true},
		{Name: "pipeline", Table: "wh.pipelines", Column: "pipeline_id", Label: "name", Numeric: true},
		{Name: "campaign", Table: "wh.campaigns", Column: "campaign_id", Label: "name", Numeric: true},
		{Name: "bot", Table: "wh.bots", Column: "bot_id", Label: "name", Numeric: true},
		{Name: "channel", Fixed: []string{"whatsapp", "webchat", "voice", "email"}},
		{Name: "event_type", Table: "wh.event_types", Column: "event_type", Label: "label"},
	}
}

// codeLabels names the codes of fixed lookups as people see them, in pt-BR
// and English.
var codeLabels = map[string]map[string]Text{
	"channel": {
		"whatsapp": {"pt-BR": "WhatsApp", "en": "WhatsApp"},
		"webchat":  {"pt-BR": "WebChat", "en": "WebChat"},
		"voice":    {"pt-BR": "Voz", "en": "Voice"},
		"email":    {"pt-BR": "E-mail", "en": "E-mail"},
	},
}

// CodeLabel is what people call code, one of lk's Fixed values, in lang
// (pt-BR or en, see Text.In); a code without a label is its own.
func (lk Lookup) CodeLabel(code, lang string) string {
	if t, ok := codeLabels[lk.Name][code]; ok {
		return t.In(lang)
	}
	return code
}

type lookupType struct{ lk Lookup }

func (t lookupType) Name() string        { return t.lk.Name }
func (t lookupType) Subfields() []string { return []string{""} }
func (t lookupType) Parse(_ *Filter, raw any, _ Env) (any, error) {
	if t.lk.Numeric {
		switch v := raw.(type) {
		case int:
			if v > 0 {
				return uint64(v), nil
			}
		case int64:
			if v > 0 {
				return uint64(v), nil
			}
		case float64:
			if v > 0 && v == float64(uint64(v)) {
				return uint64(v), nil
			}
		case string:
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
				return n, nil
			}
		}
		return nil, i18n.Errorf(i18n.FilterNotLookupID, i18n.LookupKind(t.lk.Name), fmt.Sprint(raw))
	}
	s, ok := raw.(string)
	if !ok || s == "" || len(s) > 200 {
		return nil, i18n.Errorf(i18n.FilterNotLookupName, i18n.LookupKind(t.lk.Name))
	}
	if len(t.lk.Fixed) > 0 {
		for _, v := range t.lk.Fixed {
			if v == s {
				return s, nil
			}
		}
		return nil, i18n.Errorf(i18n.FilterNotOneOf, strings.Join(t.lk.Fixed, ", "), s)
	}
	return s, nil
}
func (t lookupType) Bind(_ *Filter, v any, _ string) (Param, error) {
	if t.lk.Numeric {
		return Param{Type: "UInt64", Text: strconv.FormatUint(v.(uint64), 10)}, nil
	}
	return Param{Type: "String", Text: v.(string)}, nil
}
func (t lookupType) Schema(*Filter) map[string]any {
	if t.lk.Numeric {
		return map[string]any{"type": "integer", "minimum": 1, "x-lookup": t.lk.Name}
	}
	if len(t.lk.Fixed) > 0 {
		return map[string]any{"type": "string", "enum": t.lk.Fixed, "x-lookup": t.lk.Name}
	}
	return map[string]any{"type": "string", "x-lookup": t.lk.Name}
}

// LookupChecker tells which of the given values are not valid for the tenant.
type LookupChecker interface {
	Unknown(ctx context.Context, lk Lookup, tenant uint32, values []any) ([]any, error)
}

// BackendLookups checks lookup values against the warehouse's dimension
// tables, scoped to the tenant like every other query.
type BackendLookups struct {
	Backend Backend
	Scope   func(tenant uint32) map[string]string
}

// Unknown implements LookupChecker.
func (b BackendLookups) Unknown(ctx context.Context, lk Lookup, tenant uint32, values []any) ([]any, error) {
	if lk.Table == "" || len(values) == 0 {
		return nil, nil
	}
	if !chsql.ValidIdentifier(lk.Column) || !validTableName(lk.Table) {
		return nil, fmt.Errorf("lookup %s: invalid table or column", lk.Name)
	}
	t := lookupType{lk}
	p, err := bindMultiple(t, nil, values, "")
	if err != nil {
		return nil, err
	}
	rows, err := b.Backend.Query(ctx, Query{
		SQL:          "SELECT DISTINCT toString(" + lk.Column + ") FROM " + lk.Table + " WHERE " + lk.Column + " IN {ids:" + p.Type + "}",
		Params:       map[string]string{"ids": p.Text},
		TableFilters: b.Scope(tenant),
	})
	if err != nil {
		return nil, fmt.Errorf("checking %s values: %w", lk.Name, err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		found[string(rows.Values()[0])] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var unknown []any
	for _, v := range values {
		if !found[fmt.Sprint(v)] {
			unknown = append(unknown, v)
		}
	}
	return unknown, nil
}

func validTableName(s string) bool {
	db, t, ok := strings.Cut(s, ".")
	return ok && chsql.ValidIdentifier(db) && chsql.ValidIdentifier(t)
}

// CachedLookups keeps, per tenant and lookup, the whole set of valid values
// for TTL, loaded with one query, so a burst of requests does not queue on the
// warehouse (the embedded one runs one query at a time). A value added to or
// removed from a dimension table is seen within TTL.
type CachedLookups struct {
	Backend Backend
	Scope   func(tenant uint32) map[string]string
	TTL     time.Duration

	mu   sync.Mutex
	sets map[string]*lookupSet // "tenant/lookup"
}

type lookupSet struct {
	mu     sync.Mutex        // held while loading, so concurrent misses wait for one query
	values map[string]string // value → label ("" when the lookup has no label column)
	until  time.Time
}

// Labels returns the tenant's labels of lk's values, value → label, from the
// same cached set Unknown checks against (so a renamed event type is shown
// within TTL). It is an engine.LookupLabels once bound to a tenant. The map
// is shared: callers must not change it.
func (c *CachedLookups) Labels(ctx context.Context, lk Lookup, tenant uint32) (map[string]string, error) {
	if lk.Table == "" {
		return nil, nil
	}
	set, err := c.set(ctx, lk, tenant)
	if err != nil {
		return nil, err
	}
	defer set.mu.Unlock()
	return set.values, nil
}

// set is the tenant's loaded set of lk, fresh within TTL, returned locked.
func (c *CachedLookups) set(ctx context.Context, lk Lookup, tenant uint32) (*lookupSet, error) {
	key := fmt.Sprintf("%d/%s", tenant, lk.Name)
	c.mu.Lock()
	if c.sets == nil {
		c.sets = map[string]*lookupSet{}
	}
	set, ok := c.sets[key]
	if !ok {
		set = &lookupSet{}
		c.sets[key] = set
	}
	c.mu.Unlock()
	set.mu.Lock()
	if set.values == nil || time.Now().After(set.until) {
		all, err := c.load(ctx, lk, tenant)
		if err != nil {
			set.mu.Unlock()
			return nil, err
		}
		set.values, set.until = all, time.Now().Add(c.TTL)
	}
	return set, nil
}

// Unknown implements LookupChecker.
func (c *CachedLookups) Unknown(ctx context.Context, lk Lookup, tenant uint32, values []any) ([]any, error) {
	if lk.Table == "" || len(values) == 0 {
		return nil, nil
	}
	set, err := c.set(ctx, lk, tenant)
	if err != nil {
		return nil, err
	}
	defer set.mu.Unlock()
	var unknown []any
	for _, v := range values {
		if _, ok := set.values[fmt.Sprint(v)]; !ok {
			unknown = append(unknown, v)
		}
	}
	return unknown, nil
}

func (c *CachedLookups) load(ctx context.Context, lk Lookup, tenant uint32) (map[string]string, error) {
	if !chsql.ValidIdentifier(lk.Column) || !validTableName(lk.Table) || (lk.Label != "" && !chsql.ValidIdentifier(lk.Label)) {
		return nil, fmt.Errorf("lookup %s: invalid table or column", lk.Name)
	}
	label := "''"
	if lk.Label != "" {
		label = "any(" + lk.Label + ")"
	}
	rows, err := c.Backend.Query(ctx, Query{
		SQL:          "SELECT toString(" + lk.Column + ") AS v, " + label + " FROM " + lk.Table + " GROUP BY v",
		TableFilters: c.Scope(tenant),
	})
	if err != nil {
		return nil, fmt.Errorf("checking %s values: %w", lk.Name, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		v := rows.Values()
		out[string(v[0])] = string(v[1])
	}
	return out, rows.Err()
}
