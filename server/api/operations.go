package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/snapshot"
)

// RunView is a run as the API shows it.
type RunView struct {
	ID              string          `json:"id"`
	Report          string          `json:"report"`
	ReportVersion   int             `json:"report_version"`
	Title           string          `json:"title"`
	Status          string          `json:"status" enum:"waiting,processing,finished,failed,canceled"`
	StatusLabel     string          `json:"status_label"`
	Filters         json.RawMessage `json:"filters"`
	FiltersResolved json.RawMessage `json:"filters_resolved"`
	UserID          string          `json:"user_id"`
	Wallet          *string         `json:"wallet,omitempty"`
	Channel         *string         `json:"channel,omitempty"`
	EventType       *string         `json:"event_type,omitempty"`
	RequestedAt     time.Time       `json:"requested_at"`
	StartedAt       *time.Time      `json:"started_at,omitempty"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	TotalRows       *int64          `json:"total_rows,omitempty"`
	Truncated       bool            `json:"truncated"`
	SnapshotSize    *int64          `json:"snapshot_size,omitempty"`
	SnapshotSum     *string         `json:"snapshot_checksum,omitempty"`
	Error           *string         `json:"error,omitempty"`
}

var statusLabels = map[runs.Status]string{
	runs.StatusWaiting: "Aguardando", runs.StatusProcessing: "Em processamento", runs.StatusFinished: "Finalizado",
	runs.StatusFailed: "Falha", runs.StatusCanceled: "Cancelado",
}

func (s *Server) view(r *runs.Run) RunView {
	v := RunView{ID: r.ID, Report: r.ReportID, ReportVersion: r.ReportVersion, Status: string(r.Status), StatusLabel: statusLabels[r.Status],
		Filters: r.FiltersGiven, FiltersResolved: r.FiltersResolved, UserID: r.UserID, Wallet: r.Wallet, Channel: r.Channel, EventType: r.EventType,
		RequestedAt: r.RequestedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, TotalRows: r.TotalRows, Truncated: r.Truncated,
		SnapshotSize: r.SnapshotSize, SnapshotSum: r.SnapshotSum, Error: r.Error}
	if d, ok := s.report(r.TenantID, r.ReportID); ok {
		v.Title = d.Title.In(engine.DefaultLanguage)
	}
	return v
}

type langInput struct {
	Lang string `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of titles and labels"`
}

type reportsOutput struct {
	Body struct {
		Reports []engine.ReportInfo `json:"reports"`
	}
}

type reportOutput struct {
	Body engine.ReportInfo
}

type createRunInput struct {
	Body struct {
		Report  string         `json:"report" minLength:"1" maxLength:"100" doc:"report id, e.g. kpis.service_level"`
		Filters map[string]any `json:"filters,omitempty" doc:"filter values by name; see the report's filters"`
	}
}

type runOutput struct {
	Body RunView
}

type listRunsInput struct {
	Scope  string `query:"scope" default:"mine" enum:"mine,all" doc:"mine: my runs (Meus relatórios); all: every run of the tenant (managers)"`
	Status string `query:"status" enum:"waiting,processing,finished,failed,canceled," doc:"only runs in this status"`
	Report string `query:"report" maxLength:"100"`
	Limit  int    `query:"limit" default:"50" minimum:"1" maximum:"500"`
	Cursor string `query:"cursor" maxLength:"200"`
}

type listRunsOutput struct {
	Body struct {
		Runs []RunView `json:"runs"`
		Next string    `json:"next,omitempty" doc:"cursor of the next page"`
	}
}

type runIDInput struct {
	ID string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
}

type rowsInput struct {
	ID     string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
	Offset int64  `query:"offset" minimum:"0" default:"0"`
	Limit  int64  `query:"limit" minimum:"1" maximum:"1000" default:"100"`
	Sort   string `query:"sort" maxLength:"100" doc:"column name; empty keeps the report's order"`
	Desc   bool   `query:"desc"`
	Q      string `query:"q" maxLength:"200" doc:"search over every text column"`
}

type rowsOutput struct {
	Body struct {
		Columns []engine.ColumnInfo `json:"columns"`
		Rows    [][]*string         `json:"rows"`
		Total   int64               `json:"total"`
	}
}

type downloadInput struct {
	ID     string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
	Format string `query:"format" default:"csv" enum:"csv,csv-excel,xlsx"`
	Lang   string `query:"lang" default:"pt-BR" enum:"pt-BR,en"`
}

var noAuth = []map[string][]string{}

func (s *Server) register(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "list-reports", Method: http.MethodGet, Path: "/v1/reports", Summary: "List the reports this tenant may run", Tags: []string{"catalog"}},
		func(ctx context.Context, in *langInput) (*reportsOutput, error) {
			out := &reportsOutput{}
			out.Body.Reports = []engine.ReportInfo{}
			for _, d := range s.reports(principal(ctx).TenantID) {
				out.Body.Reports = append(out.Body.Reports, d.Info(in.Lang))
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-report", Method: http.MethodGet, Path: "/v1/reports/{id}", Summary: "One report: filters (with JSON Schema), limits, columns", Tags: []string{"catalog"}},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"100"`
			Lang string `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of titles and labels"`
		}) (*reportOutput, error) {
			d, ok := s.report(principal(ctx).TenantID, in.ID)
			if !ok {
				return nil, huma.Error404NotFound(fmt.Sprintf("report %q not found", in.ID))
			}
			return &reportOutput{Body: d.Info(in.Lang)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-run", Method: http.MethodPost, Path: "/v1/runs", DefaultStatus: http.StatusAccepted, MaxBodyBytes: 64 << 10,
		Summary: "Generate a report", Description: "Validates the filters and queues the run (202). Runs of the same wallet run one at a time, in request order.", Tags: []string{"runs"}},
		s.createRun)
	huma.Register(api, huma.Operation{OperationID: "list-runs", Method: http.MethodGet, Path: "/v1/runs", Summary: "List runs, newest first", Tags: []string{"runs"}},
		s.listRuns)
	huma.Register(api, huma.Operation{OperationID: "get-run", Method: http.MethodGet, Path: "/v1/runs/{id}", Summary: "One run", Tags: []string{"runs"}},
		func(ctx context.Context, in *runIDInput) (*runOutput, error) {
			r, err := s.visibleRun(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &runOutput{Body: s.view(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "cancel-run", Method: http.MethodPost, Path: "/v1/runs/{id}/cancel", Summary: "Cancel a waiting or processing run", Tags: []string{"runs"}},
		func(ctx context.Context, in *runIDInput) (*runOutput, error) {
			if _, err := s.visibleRun(ctx, in.ID); err != nil {
				return nil, err
			}
			p := principal(ctx)
			r, err := s.Runs.Cancel(ctx, p.TenantID, in.ID)
			if err != nil {
				return nil, s.runError(err)
			}
			s.audit(ctx, "run.cancel", in.ID, "")
			return &runOutput{Body: s.view(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-run", Method: http.MethodDelete, Path: "/v1/runs/{id}", DefaultStatus: http.StatusNoContent, Summary: "Delete a finished, failed or canceled run and its snapshot", Tags: []string{"runs"}},
		func(ctx context.Context, in *runIDInput) (*struct{}, error) {
			if _, err := s.visibleRun(ctx, in.ID); err != nil {
				return nil, err
			}
			p := principal(ctx)
			if err := s.Runs.Delete(ctx, p.TenantID, in.ID); err != nil {
				return nil, s.runError(err)
			}
			if err := s.Snapshots.Drop(ctx, in.ID); err != nil {
				s.Logger.Error("dropping snapshot", "run", in.ID, "err", err)
			}
			s.audit(ctx, "run.delete", in.ID, "")
			return nil, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-run-rows", Method: http.MethodGet, Path: "/v1/runs/{id}/rows", Summary: "A page of the run's result, sorted and searched server-side", Tags: []string{"runs"}},
		s.rows)
	huma.Register(api, huma.Operation{OperationID: "download-run", Method: http.MethodGet, Path: "/v1/runs/{id}/download", Summary: "Download the result as CSV (RFC 4180 or pt-BR Excel) or XLSX", Tags: []string{"runs"},
		Responses: map[string]*huma.Response{"200": {Description: "the file", Content: map[string]*huma.MediaType{"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}},
		s.download)
	huma.Register(api, huma.Operation{OperationID: "run-events", Method: http.MethodGet, Path: "/v1/runs/{id}/events", Summary: "Server-Sent Events: the run's status and progress until it ends", Tags: []string{"runs"},
		Responses: map[string]*huma.Response{"200": {Description: "event stream", Content: map[string]*huma.MediaType{"text/event-stream": {}}}}},
		s.events)
	huma.Register(api, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/v1/audit", Summary: "The tenant's audit trail (admins)", Tags: []string{"audit"}},
		func(ctx context.Context, in *struct {
			Limit int `query:"limit" default:"100" minimum:"1" maximum:"1000"`
		}) (*struct{ Body []auth.Event }, error) {
			p := principal(ctx)
			if !p.Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden("the audit trail is for admins")
			}
			ev, err := s.Auth.AuditEvents(ctx, p.TenantID, in.Limit)
			if err != nil {
				return nil, err
			}
			if ev == nil {
				ev = []auth.Event{}
			}
			return &struct{ Body []auth.Event }{Body: ev}, nil
		})
	s.registerSchedules(api)
	s.registerPlugins(api)
	s.registerLookups(api)
	registerFormats(api)
}

func (s *Server) audit(ctx context.Context, action, object, detail string) {
	if err := s.Auth.Audit(ctx, principal(ctx), action, object, detail); err != nil {
		s.Logger.Error("audit", "action", action, "err", err)
	}
}

// visibleRun returns the run if the caller may see it: same tenant, and their
// own unless they are a manager. Anything else is a 404, never a 403.
func (s *Server) visibleRun(ctx context.Context, id string) (*runs.Run, error) {
	p := principal(ctx)
	r, err := s.Runs.Get(ctx, p.TenantID, id)
	if err != nil {
		return nil, s.runError(err)
	}
	if r.UserID != p.UserID && !p.Role.Allows(auth.Manager) {
		return nil, huma.Error404NotFound("run not found")
	}
	return r, nil
}

func (s *Server) runError(err error) error {
	switch {
	case errors.Is(err, runs.ErrNotFound):
		return huma.Error404NotFound("run not found")
	case errors.Is(err, runs.ErrConflict):
		return huma.Error409Conflict(err.Error())
	}
	return err
}

var filterNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (s *Server) createRun(ctx context.Context, in *createRunInput) (*runOutput, error) {
	p := principal(ctx)
	def, ok := s.report(p.TenantID, in.Body.Report)
	if !ok {
		return nil, huma.Error422UnprocessableEntity("unknown report", &huma.ErrorDetail{Location: "body.report", Message: fmt.Sprintf("no report %q", in.Body.Report), Value: in.Body.Report})
	}
	for name := range in.Body.Filters {
		if !filterNameRe.MatchString(name) {
			return nil, huma.Error422UnprocessableEntity("invalid filter values", &huma.ErrorDetail{Location: "body.filters." + name, Message: "unknown filter"})
		}
	}
	now := s.Now()
	comp, err := engine.Compile(ctx, def, in.Body.Filters, s.compileEnv(ctx, p.TenantID, now))
	if err != nil {
		return nil, filterProblem(err)
	}
	given, _ := json.Marshal(nonNil(in.Body.Filters))
	resolved, _ := json.Marshal(comp.Resolved)
	nr := runs.NewRun{TenantID: p.TenantID, ReportID: def.ID, ReportVersion: def.Version, FiltersGiven: given, FiltersResolved: resolved, UserID: p.UserID,
		Wallet: optional(comp.Resolved["wallet"]), Channel: optional(firstOf(comp.Resolved, "channel", "channels")), EventType: optional(comp.Resolved["event_type"])}
	if def.QueueKey != "" {
		nr.QueueKey = runs.QueueKey(p.TenantID, optional(comp.Resolved[def.QueueKey]))
	}
	// The run's own clock starts now: Execute resolves relative periods
	// against RequestedAt, which the store records as this instant.
	r, err := s.Runs.Create(ctx, nr)
	if err != nil {
		return nil, err
	}
	s.metrics.runsCreated.Add(1)
	s.audit(ctx, "run.generate", r.ID, def.ID)
	return &runOutput{Body: s.view(r)}, nil
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

func (s *Server) listRuns(ctx context.Context, in *listRunsInput) (*listRunsOutput, error) {
	p := principal(ctx)
	q := runs.ListQuery{TenantID: p.TenantID, UserID: p.UserID, Status: runs.Status(in.Status), ReportID: in.Report, Limit: in.Limit, Cursor: in.Cursor}
	if in.Scope == "all" {
		if !p.Role.Allows(auth.Manager) {
			return nil, huma.Error403Forbidden("all runs of the tenant are for managers; use scope=mine")
		}
		q.UserID = ""
	}
	page, err := s.Runs.List(ctx, q)
	if err != nil {
		if strings.Contains(err.Error(), "bad cursor") {
			return nil, huma.Error422UnprocessableEntity("invalid cursor", &huma.ErrorDetail{Location: "query.cursor", Message: err.Error()})
		}
		return nil, err
	}
	out := &listRunsOutput{}
	out.Body.Runs = make([]RunView, 0, len(page.Runs))
	for _, r := range page.Runs {
		out.Body.Runs = append(out.Body.Runs, s.view(r))
	}
	out.Body.Next = page.Next
	return out, nil
}

func (s *Server) finishedRun(ctx context.Context, id string) (*runs.Run, *engine.Definition, error) {
	r, err := s.visibleRun(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != runs.StatusFinished {
		return nil, nil, huma.Error409Conflict(fmt.Sprintf("the run is %s; its result exists once it is finished", r.Status))
	}
	def, ok := s.report(r.TenantID, r.ReportID)
	if !ok {
		return nil, nil, huma.Error410Gone("the report of this run no longer exists")
	}
	return r, def, nil
}

func (s *Server) rows(ctx context.Context, in *rowsInput) (*rowsOutput, error) {
	r, def, err := s.finishedRun(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if in.Sort != "" && def.Columns != nil {
		known := false
		for _, c := range def.Columns {
			known = known || c.Name == in.Sort
		}
		if !known {
			return nil, huma.Error422UnprocessableEntity("unknown sort column", &huma.ErrorDetail{Location: "query.sort", Message: "not a column of this report", Value: in.Sort})
		}
	}
	page, err := s.Snapshots.View(ctx, r.ID, def, snapshot.PageRequest{Offset: in.Offset, Limit: in.Limit, Sort: in.Sort, Desc: in.Desc, Search: in.Q, TimeZone: s.zone(ctx, r.TenantID).String()})
	if errors.Is(err, snapshot.ErrNotFound) {
		return nil, huma.Error410Gone("the result of this run was removed")
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, "run.view", r.ID, "")
	out := &rowsOutput{}
	out.Body.Columns = def.Info(engine.DefaultLanguage).Columns
	out.Body.Rows = page.Rows
	if out.Body.Rows == nil {
		out.Body.Rows = [][]*string{}
	}
	out.Body.Total = page.Total
	return out, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName says report, period and run: service_level_2024-03-01_2024-03-31_<id>.csv
func fileName(r *runs.Run, f export.Format) string {
	name := r.ReportID
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	var resolved map[string]string
	if json.Unmarshal(r.FiltersResolved, &resolved) == nil {
		if p, ok := resolved["period"]; ok {
			from, to, _ := strings.Cut(p, "/")
			if len(from) >= 10 && len(to) >= 10 {
				name += "_" + from[:10] + "_" + to[:10]
			}
		}
	}
	return unsafeName.ReplaceAllString(name+"_"+r.ID, "_") + f.Extension
}

func (s *Server) download(ctx context.Context, in *downloadInput) (*huma.StreamResponse, error) {
	r, def, err := s.finishedRun(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	f, err := export.ParseFormat(in.Format)
	if err != nil {
		return nil, huma.Error422UnprocessableEntity(err.Error())
	}
	if ok, err := s.Snapshots.Exists(ctx, r.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, huma.Error410Gone("the result of this run was removed")
	}
	s.metrics.downloads.Add(1)
	s.audit(ctx, "run.download", r.ID, f.ID)
	zone := s.zone(ctx, r.TenantID).String()
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		rows, err := s.Snapshots.Rows(hctx.Context(), r.ID, zone)
		if err != nil {
			hctx.SetStatus(http.StatusInternalServerError)
			s.Logger.Error("download", "run", r.ID, "err", err)
			return
		}
		defer rows.Close()
		hctx.SetHeader("Content-Type", f.ContentType)
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+fileName(r, f)+`"`)
		hctx.SetStatus(http.StatusOK)
		fields := snapshot.Fields(def, in.Lang)
		w := hctx.BodyWriter()
		_, err = f.Write(hctx.Context(), w, fields, rows, in.Lang, nil)
		if err != nil {
			s.Logger.Error("download", "run", r.ID, "err", err)
		}
	}}, nil
}

// events streams the run's status and progress as Server-Sent Events until
// it reaches a terminal status or the client goes away.
func (s *Server) events(ctx context.Context, in *runIDInput) (*huma.StreamResponse, error) {
	if _, err := s.visibleRun(ctx, in.ID); err != nil {
		return nil, err
	}
	p := principal(ctx)
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", "text/event-stream")
		hctx.SetHeader("Cache-Control", "no-cache")
		hctx.SetStatus(http.StatusOK)
		w := hctx.BodyWriter()
		flush := func() {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
		last := ""
		for {
			r, err := s.Runs.Get(hctx.Context(), p.TenantID, in.ID)
			if err != nil {
				return
			}
			var rowsSoFar int64
			if c, ok := s.progress.Load(r.ID); ok {
				rowsSoFar = c.(interface{ Load() int64 }).Load()
			}
			ev, _ := json.Marshal(map[string]any{"status": r.Status, "status_label": statusLabels[r.Status], "rows": rowsSoFar, "total_rows": r.TotalRows, "error": r.Error})
			if string(ev) != last {
				fmt.Fprintf(w, "event: run\ndata: %s\n\n", ev)
				flush()
				last = string(ev)
			}
			if r.Status.Terminal() {
				return
			}
			select {
			case <-hctx.Context().Done():
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}}, nil
}
