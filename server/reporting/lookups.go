package reporting

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// LookupValue is one value a lookup filter accepts, with what people see.
type LookupValue struct {
	Value string `json:"value" doc:"what a filter takes: an id (wallet 101) or a code (whatsapp)"`
	Label string `json:"label" doc:"what people see: the name, or the code's label in the requested language"`
}

// ErrUnknownLookup means no lookup filter type has that name.
type ErrUnknownLookup struct{ Kind string }

func (e ErrUnknownLookup) Error() string { return fmt.Sprintf("unknown lookup %q", e.Kind) }

// MaxLookupPage is the most values one page of a lookup holds.
const MaxLookupPage = 10000

// LookupQuery picks a page of a lookup's values.
type LookupQuery struct {
	// Lang is the language of fixed values' labels (channels): pt-BR or en;
	// names tenants gave their rows are shown as written.
	Lang string
	// Q keeps the values whose label or value contains it, ignoring case and
	// accents ("cobranca" finds "Cobrança"); every character is literal (a %
	// or _ is no wildcard). Empty keeps all.
	Q string
	// Values keeps only these values (ids or codes): how a form shows the
	// names of values saved earlier. Empty keeps all.
	Values []string
	// Limit is the page size, 1 to MaxLookupPage; 0 means MaxLookupPage.
	Limit int
	// Offset skips that many values of the ordered list.
	Offset int
}

// LookupPage is one page of a lookup's values, ordered by label then value.
type LookupPage struct {
	Values []LookupValue
	// Total counts every value the query matches, across pages.
	Total int
}

// LookupValues lists the values of lookup kind (wallet, user, queue, line,
// template, pipeline, campaign, bot, event_type, channel) valid for the tenant,
// labels in pt-BR, ordered by label, at most MaxLookupPage.
func (s *Service) LookupValues(ctx context.Context, tenant uint32, kind string) ([]LookupValue, error) {
	p, err := s.SearchLookup(ctx, tenant, kind, LookupQuery{Lang: engine.DefaultLanguage})
	if err != nil {
		return nil, err
	}
	return p.Values, nil
}

// SearchLookup answers one page of the values of lookup kind valid for the
// tenant (see LookupQuery), ordered by label then value. The warehouse's rows
// are scoped to the tenant like every report query, and the search text and
// values reach SQL as typed parameters only. Errors: ErrUnknownLookup for a
// kind no lookup has, a warehouse error wrapped with the kind.
func (s *Service) SearchLookup(ctx context.Context, tenant uint32, kind string, q LookupQuery) (LookupPage, error) {
	var lk *engine.Lookup
	for _, l := range engine.Lookups() {
		if l.Name == kind {
			lk = &l
		}
	}
	if lk == nil {
		return LookupPage{}, ErrUnknownLookup{Kind: kind}
	}
	if q.Limit <= 0 || q.Limit > MaxLookupPage {
		q.Limit = MaxLookupPage
	}
	q.Offset = max(q.Offset, 0)
	if len(lk.Fixed) > 0 {
		return fixedLookup(*lk, q), nil
	}
	return s.tableLookup(ctx, tenant, *lk, q)
}

// fixedLookup pages a lookup with a fixed list of codes (channels) the way
// tableLookup pages a table.
func fixedLookup(lk engine.Lookup, q LookupQuery) LookupPage {
	needle := fold(q.Q)
	all := []LookupValue{}
	for _, v := range lk.Fixed {
		label := lk.CodeLabel(v, q.Lang)
		if needle != "" && !strings.Contains(fold(label), needle) && !strings.Contains(fold(v), needle) {
			continue
		}
		if len(q.Values) > 0 && !contains(q.Values, v) {
			continue
		}
		all = append(all, LookupValue{Value: v, Label: label})
	}
	// The fixed list is already in the order people expect (WhatsApp first).
	page := LookupPage{Values: []LookupValue{}, Total: len(all)}
	if q.Offset < len(all) {
		page.Values = all[q.Offset:min(len(all), q.Offset+q.Limit)]
	}
	return page
}

// foldSQL is fold in ClickHouse: lower case, accents taken off (NFD, then the
// combining marks removed).
const foldSQL = `lowerUTF8(replaceRegexpAll(normalizeUTF8NFD(%s), '\\p{Mn}', ''))`

func (s *Service) tableLookup(ctx context.Context, tenant uint32, lk engine.Lookup, q LookupQuery) (LookupPage, error) {
	// Table, id column and label column come from engine.Lookups, never from
	// the request; the request's text and values are parameters.
	params := map[string]string{"limit": strconv.Itoa(q.Limit), "offset": strconv.Itoa(q.Offset)}
	var where []string
	if q.Q != "" {
		params["q"] = chsql.EscapeParam(q.Q)
		where = append(where, fmt.Sprintf("(position(%s, %s) > 0 OR v = {q:String})", fmt.Sprintf(foldSQL, "l"), fmt.Sprintf(foldSQL, "{q:String}")))
	}
	if len(q.Values) > 0 {
		quoted := make([]string, len(q.Values))
		for i, v := range q.Values {
			quoted[i] = chsql.QuoteString(v)
		}
		params["values"] = chsql.EscapeParam("[" + strings.Join(quoted, ",") + "]")
		where = append(where, "v IN {values:Array(String)}")
	}
	label := lk.Label
	if label == "" {
		label = lk.Column
	}
	sql := "SELECT v, l, count() OVER () AS total FROM (SELECT toString(" + lk.Column + ") AS v, any(" + label + ") AS l FROM " + lk.Table + " GROUP BY v)"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY l, v LIMIT {limit:UInt32} OFFSET {offset:UInt32}"
	page := LookupPage{Values: []LookupValue{}}
	err := s.queryRows(ctx, tenant, sql, params, func(v [][]byte) error {
		page.Values = append(page.Values, LookupValue{Value: string(v[0]), Label: string(v[1])})
		var err error
		page.Total, err = strconv.Atoi(string(v[2]))
		return err
	})
	if err == nil && len(page.Values) == 0 && q.Offset > 0 {
		// A page past the end has no row to carry the total: count apart.
		count := "SELECT count() FROM (" + strings.SplitN(sql, " ORDER BY ", 2)[0] + ")"
		err = s.queryRows(ctx, tenant, count, params, func(v [][]byte) error {
			var err error
			page.Total, err = strconv.Atoi(string(v[0]))
			return err
		})
	}
	if err != nil {
		return LookupPage{}, fmt.Errorf("lookup %s: %w", lk.Name, err)
	}
	return page, nil
}

// queryRows runs one tenant-scoped query and hands each row to row; the rows
// are closed before it returns (the embedded warehouse runs one query at a
// time).
func (s *Service) queryRows(ctx context.Context, tenant uint32, sql string, params map[string]string, row func([][]byte) error) error {
	rows, err := s.Warehouse.Query(ctx, engine.Query{SQL: sql, Params: params, TableFilters: engine.TenantScope(s.Tables, tenant)})
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Values()); err != nil {
			return err
		}
	}
	return rows.Err()
}

// fold is what a search compares, as foldSQL: lower case, accents taken off.
func fold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn))), strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
