package reporting

import (
	"context"
	"fmt"

	"github.com/relato/relato/engine"
)

// LookupValue is one value a lookup filter accepts, with what people see.
type LookupValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// ErrUnknownLookup means no lookup filter type has that name.
type ErrUnknownLookup struct{ Kind string }

func (e ErrUnknownLookup) Error() string { return fmt.Sprintf("unknown lookup %q", e.Kind) }

// LookupValues lists the values of lookup kind (wallet, user, queue, line,
// template, pipeline, campaign, bot, event_type, channel) valid for the tenant,
// ordered by label, at most 10,000.
func (s *Service) LookupValues(ctx context.Context, tenant uint32, kind string) ([]LookupValue, error) {
	var lk *engine.Lookup
	for _, l := range engine.Lookups() {
		if l.Name == kind {
			lk = &l
		}
	}
	if lk == nil {
		return nil, ErrUnknownLookup{Kind: kind}
	}
	out := []LookupValue{}
	if len(lk.Fixed) > 0 {
		for _, v := range lk.Fixed {
			out = append(out, LookupValue{Value: v, Label: v})
		}
		return out, nil
	}
	// Table, id column and label column come from engine.Lookups, never from
	// the request.
	label := lk.Label
	if label == "" {
		label = lk.Column
	}
	rows, err := s.Warehouse.Query(ctx, engine.Query{
		SQL:          "SELECT toString(" + lk.Column + ") AS v, any(" + label + ") AS l FROM " + lk.Table + " GROUP BY v ORDER BY l, v LIMIT 10000",
		TableFilters: engine.TenantScope(s.Tables, tenant),
	})
	if err != nil {
		return nil, fmt.Errorf("lookup %s: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		v := rows.Values()
		out = append(out, LookupValue{Value: string(v[0]), Label: string(v[1])})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup %s: %w", kind, err)
	}
	return out, nil
}
