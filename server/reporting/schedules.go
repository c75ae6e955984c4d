package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
)

var (
	_ schedules.Host   = (*Service)(nil)
	_ schedules.Linker = (*Service)(nil)

	_ schedules.Describer = (*Service)(nil)
)

// StartRun queues a run of the schedule's report as its owner (schedules.Host).
// Relative periods resolve at now in the schedule's zone when validated, and
// again at the run's request time when it executes (the same instant, give or
// take the insert).
func (s *Service) StartRun(ctx context.Context, sch *schedules.Schedule, now time.Time) (string, error) {
	s.init()
	filters, err := decodeFilters(sch.Filters)
	if err != nil {
		return "", err
	}
	// The owner's permission at fire time (issue 17): an extraction is refused.
	if def, ok := s.Report(sch.TenantID, sch.ReportID); ok && def.RequiresPersonalData() && !s.holdsPersonalData(ctx, sch.OwnerID) {
		return "", runs.UserError("the owner of this schedule no longer holds the personal_data permission this extraction needs", ErrPersonalDataRequired)
	}
	comp, err := s.Prepare(ctx, Request{Tenant: sch.TenantID, ReportID: sch.ReportID, Filters: filters, Now: now})
	var unknown ErrUnknownReport
	switch {
	case errors.As(err, &unknown):
		return "", runs.UserError("the report of this schedule no longer exists", err)
	case IsFilterError(err):
		return "", runs.UserError(err.Error(), err)
	case err != nil:
		return "", err
	}
	nr := newRun(sch.TenantID, sch.OwnerID, comp, sch.Filters)
	nr.RequestedAt = now // the fire's instant, as validated
	nr.FilterLabels = s.filterLabels(ctx, sch.TenantID, comp)
	nr.Origin = runs.OriginSchedule
	r, err := s.Runs.Create(ctx, nr)
	if err != nil {
		return "", err
	}
	s.Metrics.RunsCreated.Add(1)
	return r.ID, nil
}

// WriteResult writes a scheduled run's file (schedules.Host) exactly as a
// download in the default language does, with the permission the run's
// owner holds now: without personal_data the personal columns go masked and
// the owner is told (OwnerNotice); with it the delivery is recorded for the
// tenant's LGPD audit.
func (s *Service) WriteResult(ctx context.Context, r *runs.Run, format string, w io.Writer) error {
	s.init()
	f, err := export.ParseFormat(format)
	if err != nil {
		return err
	}
	res, err := s.FinishedResult(r)
	if err != nil {
		return fmt.Errorf("run %s: %w", r.ID, err)
	}
	if res.Def.HasPersonalColumns() {
		res.PersonalData = s.holdsPersonalData(ctx, r.UserID)
		if !res.PersonalData {
			msg := "personal columns of this delivery were masked: the schedule's owner does not hold the personal_data permission"
			s.Logger.Warn("scheduled delivery masked", "run", r.ID, "report", r.ReportID, "tenant", r.TenantID, "owner", r.UserID)
			if s.OwnerNotice != nil {
				s.OwnerNotice(ctx, r.TenantID, r.UserID, r.ID, msg)
			}
		}
	}
	if err := s.WriteFile(ctx, res, f, engine.DefaultLanguage, w); err != nil {
		return err
	}
	if res.PersonalData && res.Def.HasPersonalColumns() {
		_ = s.RecordPersonalAccess(ctx, PersonalAccess{Tenant: r.TenantID, At: s.Now(), Action: ActionPersonalDelivery, UserID: r.UserID,
			ReportID: r.ReportID, RunID: r.ID, Filters: r.FiltersGiven, Rows: deref(r.TotalRows), Details: map[string]string{"format": f.ID}})
	}
	return nil
}

// CheckSchedule validates a schedule's report and filters as they will be
// compiled when it fires (now, in loc). Errors: ErrUnknownReport,
// engine.FilterErrors, or a warehouse error.
func (s *Service) CheckSchedule(ctx context.Context, tenant uint32, reportID string, filters map[string]any, loc *time.Location) error {
	s.init()
	_, err := s.Prepare(ctx, Request{Tenant: tenant, ReportID: reportID, Filters: filters, Now: s.Now(), Location: loc})
	return err
}

// NextFileName is the name of the file sch's fire at next will deliver: its
// template filled with the period its filters resolve to then, in its zone,
// and its format's extension. {run_id} is empty (a run has no id before it
// fires) and {run_time} is next. Errors: those of CheckSchedule.
func (s *Service) NextFileName(ctx context.Context, sch *schedules.Schedule, next time.Time) (string, error) {
	s.init()
	f, err := export.ParseFormat(sch.Format)
	if err != nil {
		return "", err
	}
	loc, err := sch.Location()
	if err != nil {
		return "", err
	}
	filters, err := decodeFilters(sch.Filters)
	if err != nil {
		return "", err
	}
	comp, err := s.Prepare(ctx, Request{Tenant: sch.TenantID, ReportID: sch.ReportID, Filters: filters, Now: next, Location: loc})
	if err != nil {
		return "", err
	}
	resolved, err := json.Marshal(comp.Resolved)
	if err != nil {
		return "", err
	}
	vals, _, _ := schedules.FileValues(sch, &runs.Run{ReportID: sch.ReportID, RequestedAt: next, FiltersResolved: resolved})
	return schedules.RenderFileName(sch.FileName, vals, f.Extension), nil
}
