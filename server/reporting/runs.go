package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/snapshot"
)

// NewRun is a request to generate a report now.
type NewRun struct {
	Tenant   uint32
	UserID   string // the requester (a schedule's owner for scheduled runs)
	ReportID string
	Filters  map[string]any
	// Location overrides the tenant's zone for resolving relative periods.
	Location *time.Location
	// UserName, PersonalData and Purpose describe the requester for the
	// permission check and the LGPD record (personal.go).
	UserName     string
	PersonalData bool
	Purpose      string
	// Notify lists the notices to send when the run ends (NoticeEmail), in
	// NotifyLang (pt-BR or en); CreateRun refuses one that cannot be sent.
	Notify     []string
	NotifyLang string
}

// CreateRun validates the filters, resolves them at the service's clock and
// queues the run: runs of the same queue key (tenant + the report's queue-key
// filter, the wallet) run one at a time in request order. Errors:
// ErrUnknownReport, ErrPersonalDataRequired (an extraction without the
// permission), ErrPurposeRequired, engine.FilterErrors, or a store or warehouse error.
func (s *Service) CreateRun(ctx context.Context, req NewRun) (*runs.Run, error) {
	s.init()
	if def, ok := s.Report(req.Tenant, req.ReportID); ok {
		if def.RequiresPersonalData() && !req.PersonalData {
			return nil, ErrPersonalDataRequired
		}
		if err := s.CheckPurpose(ctx, req.Tenant, def, Requester{PersonalData: req.PersonalData, Purpose: req.Purpose}); err != nil {
			return nil, err
		}
	}
	if err := s.CheckNotices(ctx, req.UserID, req.Notify); err != nil {
		return nil, err
	}
	now := s.Now()
	comp, err := s.Prepare(ctx, Request{Tenant: req.Tenant, ReportID: req.ReportID, Filters: req.Filters, Now: now, Location: req.Location})
	if err != nil {
		return nil, err
	}
	given, err := json.Marshal(nonNil(req.Filters))
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	nr := newRun(req.Tenant, req.UserID, comp, given)
	// Execute resolves relative periods against this same instant, so the
	// run computes the period it was validated with (even across midnight).
	nr.RequestedAt = now
	nr.FilterLabels = s.filterLabels(ctx, req.Tenant, comp)
	nr.Notify, nr.NotifyLang = req.Notify, req.NotifyLang
	r, err := s.Runs.Create(ctx, nr)
	if err != nil {
		return nil, err
	}
	if comp.Def.HasPersonalColumns() {
		s.rememberRequester(r.ID, Requester{UserID: req.UserID, Name: req.UserName, PersonalData: req.PersonalData, Purpose: req.Purpose})
	}
	s.Metrics.RunsCreated.Add(1)
	return r, nil
}

// newRun is the stored form of a compiled request. The run's own clock starts
// when the store records it: Execute resolves relative periods against
// RequestedAt, so a resumed run computes the same period.
func newRun(tenant uint32, user string, comp *engine.Compiled, given json.RawMessage) runs.NewRun {
	def := comp.Def
	resolved, _ := json.Marshal(comp.Resolved)
	nr := runs.NewRun{TenantID: tenant, ReportID: def.ID, ReportVersion: def.Version, FiltersGiven: given, FiltersResolved: resolved, UserID: user,
		Wallet: optional(comp.Resolved["wallet"]), Channel: optional(firstOf(comp.Resolved, "channel", "channels")), EventType: optional(comp.Resolved["event_type"])}
	if def.QueueKey != "" {
		nr.QueueKey = runs.QueueKey(tenant, def.ID, optional(comp.Resolved[def.QueueKey]))
	}
	return nr
}

// defaultQueueKey is the key the store gives a run without one.
func defaultQueueKey(nr runs.NewRun) string {
	return runs.QueueKey(nr.TenantID, nr.ReportID, nr.Wallet)
}

// Execute runs one queued run (the runs pool calls it): compile with the
// filters as given at request time, apply the report's timeout, and freeze the
// result as the run's snapshot — the rows of a YAML report's query, or the
// output of a custom-report plugin. Errors meant for people carry a
// runs.UserMessenger; others are recorded with a generic message.
func (s *Service) Execute(ctx context.Context, r *runs.Run) (runs.Result, error) {
	s.init()
	given, err := decodeFilters(r.FiltersGiven)
	if err != nil {
		return runs.Result{}, err
	}
	comp, err := s.Prepare(ctx, Request{Tenant: r.TenantID, ReportID: r.ReportID, Filters: given, Now: r.RequestedAt})
	var unknown ErrUnknownReport
	switch {
	case errors.As(err, &unknown):
		return runs.Result{}, runs.UserError("the report no longer exists or is no longer available to this tenant", err)
	case IsFilterError(err):
		return runs.Result{}, runs.UserError(err.Error(), err)
	case err != nil:
		return runs.Result{}, err
	}
	def := comp.Def
	setProgress, endProgress := s.progress.start(r.ID)
	defer endProgress()
	defer s.saveProgress(ctx, r)()
	if def.Limits.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, def.Limits.Timeout)
		defer cancel()
	}
	if def.Rollup != nil { // which of the report's two queries runs (engine/rollup.go)
		s.Logger.Info("run query chosen", "run", r.ID, "report", r.ReportID, "query", comp.Path, "why", comp.PathReason)
	}
	start := time.Now()
	var info snapshot.Info
	if s.isPlugin(def.ID) {
		info, err = s.freezePlugin(ctx, r.ID, r.TenantID, comp, setProgress)
	} else {
		info, err = s.Snapshots.Create(ctx, r.ID, comp, setProgress)
	}
	if err != nil {
		s.Metrics.RunsFailed.Add(1)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return runs.Result{}, runs.UserError(fmt.Sprintf("the report took longer than its limit of %s", def.Limits.Timeout), err)
		}
		return runs.Result{}, err
	}
	s.Metrics.RunsFinished.Add(1)
	s.recordRun(ctx, r, def, info.Rows)
	s.Logger.Info("run finished", "run", r.ID, "report", r.ReportID, "tenant", r.TenantID, "rows", info.Rows, "truncated", info.Truncated, "elapsed", time.Since(start))
	return runs.Result{TotalRows: info.Rows, Truncated: info.Truncated, SnapshotSize: info.Bytes, SnapshotSum: info.Checksum}, nil
}

// Progress is the number of rows written so far by a run executing in this
// process; false when it is not executing here.
func (s *Service) Progress(runID string) (int64, bool) {
	return s.progress.get(runID)
}

// DeleteRun removes an ended run and its snapshot. Errors: runs.ErrNotFound,
// runs.ErrConflict (still waiting or processing). A snapshot that cannot be
// dropped is logged and left to retention.
func (s *Service) DeleteRun(ctx context.Context, tenant uint32, id string) error {
	s.init()
	if err := s.Runs.Delete(ctx, tenant, id); err != nil {
		return err
	}
	if err := s.Snapshots.Drop(ctx, id); err != nil {
		s.Logger.Error("dropping snapshot", "run", id, "err", err)
	}
	return nil
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}
