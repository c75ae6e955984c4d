package reporting

import (
	"context"
	"strconv"
	"strings"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/i18n"
)

// resolveLookupNames lets a lookup filter take what people call a value
// (wallet=Vendas, event_type=Venda) where the tenant has exactly one value
// with that label: it returns a copy of filters with each such name replaced
// by the value's id. A value that already is an id or a code of the lookup is
// kept; a name two values share is a FilterError naming their ids; a name no
// value of an id lookup has is a FilterError saying so (other values are left
// for the engine, which refuses them with its own message). The tenant's
// values come from LookupValues, read only when a filter holds something that
// may be a name.
func (s *Service) resolveLookupNames(ctx context.Context, tenant uint32, def *engine.Definition, filters map[string]any) (map[string]any, error) {
	kinds := map[string]engine.Lookup{}
	for _, lk := range engine.Lookups() {
		kinds[lk.Name] = lk
	}
	var out map[string]any
	var errs engine.FilterErrors
	for _, f := range def.Filters {
		lk, ok := kinds[f.Type]
		raw, given := filters[f.Name]
		if !ok || !given || f.Computed() {
			continue
		}
		items, list := splitValues(raw, f.Multiple)
		if !anyName(lk, items) {
			continue
		}
		values, err := s.LookupValues(ctx, tenant, lk.Name)
		if err != nil {
			return nil, err
		}
		if len(lk.Fixed) > 0 {
			// Codes have labels in each language (Voz, Voice): both name them.
			en, err := s.SearchLookup(ctx, tenant, lk.Name, LookupQuery{Lang: "en"})
			if err != nil {
				return nil, err
			}
			values = append(values, en.Values...)
		}
		changed := false
		for i, it := range items {
			name, isText := it.(string)
			if !isText || !maybeName(lk, name) || isValue(values, name) {
				continue
			}
			var ids []string
			for _, v := range values {
				if strings.EqualFold(strings.TrimSpace(v.Label), strings.TrimSpace(name)) && !contains(ids, v.Value) {
					ids = append(ids, v.Value)
				}
			}
			switch len(ids) {
			case 0: // a number's problems (0) the engine says; a text is a name nobody has
				if _, err := strconv.ParseUint(strings.TrimSpace(name), 10, 64); lk.Numeric && err != nil {
					errs = append(errs, engine.NewFilterError(f.Name, i18n.FilterNameUnknown, name, i18n.LookupKind(lk.Name)))
				}
			case 1:
				items[i], changed = ids[0], true
			default:
				errs = append(errs, engine.NewFilterError(f.Name, i18n.FilterNameAmbiguous, name, len(ids), i18n.LookupKind(lk.Name), strings.Join(ids, ", ")))
			}
		}
		if !changed {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(filters))
			for k, v := range filters {
				out[k] = v
			}
		}
		if list {
			out[f.Name] = items
		} else {
			out[f.Name] = items[0]
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if out == nil {
		return filters, nil
	}
	return out, nil
}

// splitValues reads a filter's raw value as a list the way the engine does: a
// multiple filter takes a list or a comma-separated text. list tells whether
// the result should stay a list.
func splitValues(raw any, multiple bool) (items []any, list bool) {
	switch v := raw.(type) {
	case []any:
		return append([]any(nil), v...), true
	case string:
		if multiple {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			return items, true
		}
	}
	return []any{raw}, false
}

// maybeName reports whether a text value of lk could be a name rather than an
// id: any text that is not a positive integer for numeric ids, any text for
// codes (checked against the codes themselves by isValue).
func maybeName(lk engine.Lookup, s string) bool {
	if lk.Numeric {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		return err != nil || n == 0
	}
	return strings.TrimSpace(s) != ""
}

func anyName(lk engine.Lookup, items []any) bool {
	for _, it := range items {
		if s, ok := it.(string); ok && maybeName(lk, s) {
			return true
		}
	}
	return false
}

func isValue(values []LookupValue, s string) bool {
	for _, v := range values {
		if v.Value == s {
			return true
		}
	}
	return false
}
