package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/snapshot"
)

// NotFinishedError means the run has no result yet (or never will).
type NotFinishedError struct{ Status runs.Status }

func (e NotFinishedError) Error() string {
	return fmt.Sprintf("the run is %s; its result exists once it is finished", e.Status)
}

var (
	// ErrReportGone means the report of a finished run no longer exists for its tenant.
	ErrReportGone = errors.New("the report of this run no longer exists")
	// ErrResultRemoved means the run's snapshot was removed (retention, or by hand).
	ErrResultRemoved = errors.New("the result of this run was removed")
)

// Result is a finished run with the definition its snapshot follows.
type Result struct {
	Run *runs.Run
	Def *engine.Definition
	// PersonalData is the reader's personal_data permission: personal
	// columns whole when true, masked when false (the zero value).
	PersonalData bool
}

// FinishedResult checks that r is finished and its report still exists.
// Errors: NotFinishedError, ErrReportGone.
func (s *Service) FinishedResult(r *runs.Run) (Result, error) {
	if r.Status != runs.StatusFinished {
		return Result{}, NotFinishedError{Status: r.Status}
	}
	def, ok := s.Report(r.TenantID, r.ReportID)
	if !ok {
		return Result{}, ErrReportGone
	}
	return Result{Run: r, Def: def}, nil
}

// Page is a page of a result as the view shows it.
func (s *Service) Page(ctx context.Context, res Result, req snapshot.PageRequest) (snapshot.Page, error) {
	s.init()
	req.TimeZone = s.ZoneOrDefault(ctx, res.Run.TenantID).String()
	req.Mask = snapshot.MaskFor(res.Def, res.PersonalData)
	labels, err := s.valueLabels(ctx, res, req.Lang)
	if err != nil {
		return snapshot.Page{}, err
	}
	req.Labels = labels
	page, err := s.Snapshots.View(ctx, res.Run.ID, res.Def, req)
	if errors.Is(err, snapshot.ErrNotFound) {
		return page, ErrResultRemoved
	}
	return page, err
}

// CheckResult reports ErrResultRemoved when the run's snapshot is gone, so a
// download can answer before it starts streaming.
func (s *Service) CheckResult(ctx context.Context, res Result) error {
	ok, err := s.Snapshots.Exists(ctx, res.Run.ID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrResultRemoved
	}
	return nil
}

// WriteFile writes a finished run's snapshot to w in format f with headers
// and labels in lang: the one path downloads and scheduled deliveries share.
// A run cut at its report's max_rows gives a file marked as cut where the
// format allows (XLSX: a note below the data). Personal columns are masked
// unless res.PersonalData.
func (s *Service) WriteFile(ctx context.Context, res Result, f export.Format, lang string, w io.Writer) error {
	s.init()
	// Read before the rows stream: the embedded warehouse runs one query at a time.
	labels, err := s.valueLabels(ctx, res, lang)
	if err != nil {
		return err
	}
	fields := writer.WithValueLabels(snapshot.Fields(res.Def, lang), labels)
	zone, mask := s.ZoneOrDefault(ctx, res.Run.TenantID).String(), snapshot.MaskFor(res.Def, res.PersonalData)
	if d, sqlFields, ok := export.WarehouseDialect(f, fields); ok {
		// CSV the embedded warehouse renders itself, byte for byte the
		// writer's: Go writes the header and copies the lines.
		r, ok, err := s.Snapshots.RenderedCSV(ctx, res.Run.ID, zone, mask, sqlFields, d)
		if errors.Is(err, snapshot.ErrNotFound) {
			return ErrResultRemoved
		}
		if err != nil {
			return err
		}
		if ok {
			defer r.Close()
			if _, err := w.Write(writer.CSVHeader(sqlFields, d)); err != nil {
				return err
			}
			_, err = io.Copy(w, r)
			return err
		}
	}
	rows, err := s.Snapshots.RowsMasked(ctx, res.Run.ID, zone, mask)
	if errors.Is(err, snapshot.ErrNotFound) {
		return ErrResultRemoved
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	zoned, ok := rows.(writer.ZonedRows)
	if !ok {
		zoned = writer.InZone(rows, nil)
	}
	st, err := f.Write(ctx, w, fields, cutRows{zoned, res.Run.Truncated}, lang, nil)
	if err == nil && (st.TextNumbers > 0 || st.CutCells > 0) {
		s.Logger.Info("file values kept as text or cut", "run", res.Run.ID, "format", f.ID,
			"numbers_as_text", st.TextNumbers, "cells_cut", st.CutCells)
	}
	return err
}

// valueLabels are the labels of res's coded columns in lang, those only the
// tenant knows (its event types) from the same per-tenant cache that checks
// lookup filter values (a minute old at most), so paging a view costs no
// extra warehouse query.
func (s *Service) valueLabels(ctx context.Context, res Result, lang string) (engine.ValueLabels, error) {
	tenant := res.Run.TenantID
	return res.Def.LabelsIn(ctx, lang, func(ctx context.Context, lk engine.Lookup) (map[string]string, error) {
		return s.lookups.Labels(ctx, lk, tenant)
	})
}

// cutRows are a snapshot's rows (writer.ZonedRows) that report the run's
// truncation, so a format marks a file cut at the report's max_rows
// (writer.CutNotice).
type cutRows struct {
	writer.ZonedRows
	cut bool
}

func (r cutRows) Truncated() bool { return r.cut }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileName says report, period (first and last day included) and run, with
// the format's extension: service_level_2024-03-01_2024-03-31_<id>.csv for
// March 2024.
func FileName(r *runs.Run, f export.Format) string {
	name := r.ReportID
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	var resolved map[string]string
	if json.Unmarshal(r.FiltersResolved, &resolved) == nil {
		if p, ok := resolved["period"]; ok {
			f, t, _ := strings.Cut(p, "/")
			from, errF := time.Parse(time.RFC3339, f)
			to, errT := time.Parse(time.RFC3339, t)
			if errF == nil && errT == nil && to.After(from) {
				// The end is exclusive; the name says the last day included,
				// as the pages show the period (01/03–07/03).
				name += "_" + from.Format(time.DateOnly) + "_" + to.Add(-time.Nanosecond).Format(time.DateOnly)
			}
		}
	}
	return unsafeName.ReplaceAllString(name+"_"+r.ID, "_") + f.Extension
}
