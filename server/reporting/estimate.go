package reporting

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/relato/relato/engine"
)

// Estimate is what a run would do, worked out without creating it
// (POST /v1/runs?dry_run=true).
type Estimate struct {
	// Resolved is each filter's value as the run would use it (periods absolute).
	Resolved map[string]string
	// QueueKey is the line the run would join and Position its place there: 1
	// + the runs of the key waiting or processing now.
	QueueKey string
	Position int
	// Rows and Parts are ClickHouse's estimate of what the query reads
	// (EXPLAIN ESTIMATE: rows and data parts selected by the primary key and
	// partitions, summed over the tables); nil when the warehouse cannot say
	// (a custom-report plugin, or a server without EXPLAIN ESTIMATE).
	Rows, Parts *int64
	// Unavailable says why there is no estimate, for people.
	Unavailable string
}

// EstimateRun compiles req as CreateRun would and asks the warehouse how much
// the query would read, without queueing anything. Errors: those of Prepare
// (ErrUnknownReport, engine.FilterErrors), or a store error.
func (s *Service) EstimateRun(ctx context.Context, req NewRun) (*Estimate, error) {
	s.init()
	comp, err := s.Prepare(ctx, Request{Tenant: req.Tenant, ReportID: req.ReportID, Filters: req.Filters, Now: s.Now(), Location: req.Location})
	if err != nil {
		return nil, err
	}
	nr := newRun(req.Tenant, req.UserID, comp, nil)
	if nr.QueueKey == "" {
		nr.QueueKey = defaultQueueKey(nr)
	}
	ahead, err := s.Runs.Active(ctx, nr.QueueKey)
	if err != nil {
		return nil, err
	}
	est := &Estimate{Resolved: comp.Resolved, QueueKey: nr.QueueKey, Position: ahead + 1}
	if s.isPlugin(comp.Def.ID) {
		est.Unavailable = "a custom report: its plugin reads the warehouse itself"
		return est, nil
	}
	q := comp.Query
	q.SQL = "EXPLAIN ESTIMATE " + q.SQL
	q.MaxRows = 0
	table, err := s.queryTable(ctx, q)
	if err != nil {
		s.Logger.Warn("estimate", "report", comp.Def.ID, "err", err)
		est.Unavailable = "the warehouse gives no estimate for this query"
		return est, nil
	}
	col := map[string]int{}
	for i, c := range table.columns {
		col[c] = i
	}
	ri, rok := col["rows"]
	pi, pok := col["parts"]
	if !rok || !pok {
		est.Unavailable = "the warehouse's estimate has no rows and parts"
		return est, nil
	}
	var sumRows, sumParts int64
	for _, v := range table.rows {
		n, err1 := strconv.ParseInt(v[ri], 10, 64)
		p, err2 := strconv.ParseInt(v[pi], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("estimate: rows %q parts %q", v[ri], v[pi])
		}
		sumRows, sumParts = sumRows+n, sumParts+p
	}
	est.Rows, est.Parts = &sumRows, &sumParts
	return est, nil
}

// wholeQuerier is a backend that runs a query without streaming it (chDB
// cannot stream EXPLAIN).
type wholeQuerier interface {
	QueryWhole(ctx context.Context, q engine.Query, format string) ([]byte, error)
}

type smallTable struct {
	columns []string
	rows    [][]string
}

// queryTable runs a query with a small output and returns it as text.
func (s *Service) queryTable(ctx context.Context, q engine.Query) (smallTable, error) {
	var t smallTable
	if wq, ok := s.Warehouse.(wholeQuerier); ok {
		out, err := wq.QueryWhole(ctx, q, "TabSeparatedWithNames")
		if err != nil {
			return t, err
		}
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) == 0 || lines[0] == "" {
			return t, fmt.Errorf("no header in %q", out)
		}
		t.columns = strings.Split(lines[0], "\t")
		for _, l := range lines[1:] {
			t.rows = append(t.rows, strings.Split(l, "\t"))
		}
		return t, nil
	}
	rows, err := s.Warehouse.Query(ctx, q)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for _, c := range rows.Columns() {
		t.columns = append(t.columns, c.Name)
	}
	for rows.Next() {
		var r []string
		for _, v := range rows.Values() {
			r = append(r, string(v))
		}
		t.rows = append(t.rows, r)
	}
	return t, rows.Err()
}
