package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/sse"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/snapshot"
)

// RunView is a run as the API shows it.
type RunView struct {
	ID              string       `json:"id"`
	Report          string       `json:"report"`
	ReportVersion   int          `json:"report_version"`
	Title           string       `json:"title"`
	Status          string       `json:"status" enum:"waiting,processing,finished,failed,canceled"`
	StatusLabel     string       `json:"status_label"`
	Filters         FilterValues `json:"filters"`
	FiltersResolved FilterValues `json:"filters_resolved" doc:"the values the run used: defaults applied, relative periods resolved"`
	UserID          string       `json:"user_id"`
	UserName        string       `json:"user_name" doc:"the requesting user's display name (Usuário solicitante); empty if the user is unknown"`
	Wallet          *string      `json:"wallet,omitempty"`
	Channel         *string      `json:"channel,omitempty"`
	EventType       *string      `json:"event_type,omitempty"`
	RequestedAt     time.Time    `json:"requested_at"`
	StartedAt       *time.Time   `json:"started_at,omitempty"`
	FinishedAt      *time.Time   `json:"finished_at,omitempty"`
	TotalRows       *int64       `json:"total_rows,omitempty"`
	Truncated       bool         `json:"truncated"`
	SnapshotSize    *int64       `json:"snapshot_size,omitempty"`
	SnapshotSum     *string      `json:"snapshot_checksum,omitempty"`
	Error           *string      `json:"error,omitempty"`
	Queue           *QueueView   `json:"queue,omitempty" doc:"only while waiting: where the run stands in its line and what it waits for"`
	RowsSoFar       *int64       `json:"rows_so_far,omitempty" doc:"only while processing: the result rows the warehouse has produced so far (from another instance, the count its worker saved at most about a second ago)"`

	FiltersText  string                    `json:"filters_text" doc:"every filter the run was given or defaulted, in words in the reader's language, as named when it was requested: Carteira: Vendas · Canal: WhatsApp · Limite T: 20 s · Período: 01/03/2024 a 31/03/2024; empty for runs recorded before this existed"`
	FilterLabels []reporting.FilterInWords `json:"filter_labels" doc:"the same filters one by one: name, label, value and the value in words"`
}

// QueueView is where a waiting run stands: "2º na fila da carteira Vendas,
// aguardando Protocolos de atendimento".
type QueueView struct {
	Position   int           `json:"position" minimum:"1" doc:"1: next of its line, waiting for a free worker; 2: one run ahead; …"`
	SharedBy   string        `json:"shared_by" enum:"wallet,report" doc:"wallet: the line is every run of the tenant's wallet, whatever the report (one wallet's extractions never overlap); report: a run without a wallet lines up only with runs of the same report"`
	Wallet     string        `json:"wallet,omitempty" doc:"the wallet's id when shared_by is wallet"`
	WalletName string        `json:"wallet_name,omitempty" doc:"the wallet's name; empty when unknown"`
	WaitingFor *RunAheadView `json:"waiting_for,omitempty" doc:"the run just ahead in the line; absent at position 1"`
}

// RunAheadView names the run another one waits for.
type RunAheadView struct {
	ID       string `json:"id"`
	Report   string `json:"report"`
	Title    string `json:"title"`
	Status   string `json:"status" enum:"waiting,processing"`
	UserName string `json:"user_name"`
}

var statusLabels = map[runs.Status]string{
	runs.StatusWaiting: "Aguardando", runs.StatusProcessing: "Em processamento", runs.StatusFinished: "Finalizado",
	runs.StatusFailed: "Falha", runs.StatusCanceled: "Cancelado",
}

func (s *Server) view(r *runs.Run) RunView {
	v := RunView{ID: r.ID, Report: r.ReportID, ReportVersion: r.ReportVersion, Status: string(r.Status), StatusLabel: statusLabels[r.Status],
		Filters: FilterValues(r.FiltersGiven), FiltersResolved: FilterValues(r.FiltersResolved), UserID: r.UserID, Wallet: r.Wallet, Channel: r.Channel, EventType: r.EventType,
		RequestedAt: r.RequestedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, TotalRows: r.TotalRows, Truncated: r.Truncated,
		SnapshotSize: r.SnapshotSize, SnapshotSum: r.SnapshotSum, Error: r.Error, UserName: s.userName(r.UserID)}
	if d, ok := s.App.Report(r.TenantID, r.ReportID); ok {
		v.Title = d.Title.In(engine.DefaultLanguage)
	}
	v.FilterLabels, v.FiltersText = reporting.FiltersInWords(r.FilterLabels, engine.DefaultLanguage)
	return v
}

// viewWithQueue is view plus, for a waiting run, its place in the line, and
// for a processing one its rows so far. A
// place that cannot be read is logged and left out: the run is still shown.
func (s *Server) viewWithQueue(ctx context.Context, r *runs.Run) RunView {
	v := s.view(r)
	if r.Status == runs.StatusProcessing {
		if n, ok := s.App.Progress(r.ID); ok {
			v.RowsSoFar = &n
		} else if r.RowsSoFar != nil { // executing on another instance: its last saved count
			v.RowsSoFar = r.RowsSoFar
		}
	}
	qp, err := s.App.QueuePlace(ctx, r)
	if err != nil {
		s.Logger.Warn("queue place", "run", r.ID, "err", err)
	}
	if qp == nil {
		return v
	}
	v.Queue = &QueueView{Position: qp.Position, SharedBy: qp.SharedBy, Wallet: qp.Wallet, WalletName: qp.WalletName}
	if a := qp.Ahead; a != nil {
		v.Queue.WaitingFor = &RunAheadView{ID: a.ID, Report: a.ReportID, Status: string(a.Status), UserName: s.userName(a.UserID)}
		if d, ok := s.App.Report(a.TenantID, a.ReportID); ok {
			v.Queue.WaitingFor.Title = d.Title.In(engine.DefaultLanguage)
		}
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
	ReaderLanguage
	DryRun bool `query:"dry_run" doc:"true: validate, resolve and estimate (200, DryRunView) without queueing a run"`
	Body   struct {
		Report  string      `json:"report" minLength:"1" maxLength:"100" doc:"report id, e.g. kpis.service_level"`
		Filters filterInput `json:"filters,omitempty"`
		Purpose string      `json:"purpose,omitempty" maxLength:"500" doc:"why personal data is read (LGPD): kept with the audit record of a run whose personal columns the caller sees whole"`
		Notify  []string    `json:"notify,omitempty" maxItems:"1" enum:"email" doc:"notices to send the requester when the run ends: email (to the user's e-mail address, in the reader's language: lang, then Accept-Language; needs the server's smtp-relay and an address on the user, else 422 at body.notify)"`
	}
}

type runOutput struct {
	Body RunView
}

type listRunsInput struct {
	ReaderLanguage
	Scope  string `query:"scope" default:"mine" enum:"mine,all" doc:"mine: my runs (Meus relatórios); all: every run of the tenant (managers)"`
	Status string `query:"status" enum:"waiting,processing,finished,failed,canceled," doc:"only runs in this status"`
	Report string `query:"report" maxLength:"100"`
	User   string `query:"user" maxLength:"200" doc:"only runs requested by this user id (Usuário solicitante); with scope=mine it must be the caller"`
	From   string `query:"from" maxLength:"40" doc:"only runs requested at or after this: a date (yyyy-mm-dd, from its 00:00 in the tenant's zone) or an RFC 3339 instant"`
	To     string `query:"to" maxLength:"40" doc:"only runs requested up to this: a date (yyyy-mm-dd, the whole day in the tenant's zone) or an RFC 3339 instant (exclusive)"`
	Limit  int    `query:"limit" default:"50" minimum:"1" maximum:"500"`
	Cursor string `query:"cursor" maxLength:"200"`
}

type listRunsOutput struct {
	Body struct {
		Runs  []RunView `json:"runs"`
		Next  string    `json:"next,omitempty" doc:"cursor of the next page"`
		Total int64     `json:"total" doc:"how many runs match the filters, over all pages"`
	}
}

// requestedBound reads a list's from/to: a date is the start of that day in
// loc (to: the start of the next day, so the day is included), an RFC 3339
// instant is taken as is.
func requestedBound(ctx context.Context, v, field string, loc *time.Location, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if ts, err := time.Parse(time.RFC3339, v); err == nil {
		return ts, nil
	}
	return time.Time{}, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidQuery, field), &huma.ErrorDetail{Location: "query." + field, Message: say(ctx, i18n.APIDateOrInstant), Value: v})
}

type runIDInput struct {
	ID string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
}

type rowsInput struct {
	ID      string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
	Offset  int64  `query:"offset" minimum:"0" default:"0"`
	Limit   int64  `query:"limit" minimum:"1" maximum:"1000" default:"100"`
	Sort    string `query:"sort" maxLength:"100" doc:"column name; empty keeps the report's order"`
	Desc    bool   `query:"desc"`
	Q       string `query:"q" maxLength:"200" doc:"keeps the rows where any column's displayed text contains this, case-insensitively and literally (% _ \\ ' are plain characters): text as is, ids and counts as digits, numbers rounded to the column's decimals with the language's decimal separator and no thousands separators, dates as dd/mm/yyyy (pt-BR) or yyyy-mm-dd (en) with hh:mm:ss for times"`
	Lang    string `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of the column labels and of the displayed text the search matches"`
	Numbers string `query:"numbers" default:"json" enum:"json,text" doc:"json (default): int, number, percent and duration cells are JSON numbers rounded to the column's decimals and bool cells JSON booleans; text: every cell is the warehouse's text, unrounded (the form of earlier versions, for older clients)"`
}

type rowsOutput struct {
	Body struct {
		Columns []engine.ColumnInfo `json:"columns"`
		Rows    []resultRow         `json:"rows" doc:"the page's rows, cells in the order of columns; null is an empty cell (also a ratio with a zero denominator). With numbers=json: numbers for int, number, percent and duration columns (rounded to the column's decimals), booleans for bool, strings for the others; with numbers=text: strings"`
		// Codes keep, for programs, the codes under the labels of coded
		// columns (rows show the labels in lang).
		Codes map[string][]*string `json:"codes,omitempty" doc:"the codes under coded columns' cells: column name → one code per row of rows, in the same order (null where the cell is null). rows show each code's label in lang (voice → Voz / Voice; a code without a label as itself); the column's values give every label. Absent when the report has no coded column"`
		Total int64                `json:"total"`
	}
}

// resultRow is one row of a result page: one cell per column, typed as the
// rows operation says.
type resultRow []any

// Schema documents a row's cells: text, a number, a boolean or null.
func (resultRow) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeArray, Items: &huma.Schema{
		Description: "a cell: a number (int, number, percent and duration columns), a boolean (bool columns), text (the others, and every cell with numbers=text) or null (empty)",
		OneOf:       []*huma.Schema{{Type: huma.TypeString}, {Type: huma.TypeNumber}, {Type: huma.TypeBoolean}, {Type: "null"}},
	}}
}

type downloadInput struct {
	ID     string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
	Format string `query:"format" default:"csv" maxLength:"20" doc:"a format id from GET /v1/formats: csv (RFC 4180, formulas guarded), csv-excel (pt-BR Excel), xlsx, or csv-exact (for programs: nothing guarded)"`
	Lang   string `query:"lang" default:"pt-BR" enum:"pt-BR,en"`
	// Purpose is kept with the LGPD record of an unmasked download.
	Purpose string `query:"purpose" maxLength:"500" doc:"why personal data is read (LGPD): kept with the audit record of a download whose personal columns the caller sees whole"`
}

var noAuth = []map[string][]string{}

// RunEvent is what the events stream sends each time a run changes.
type RunEvent struct {
	Status      runs.Status `json:"status" enum:"waiting,processing,finished,failed,canceled"`
	StatusLabel string      `json:"status_label"`
	Rows        int64       `json:"rows" doc:"rows so far while processing; once finished, the final count (equal to total_rows)"`
	TotalRows   *int64      `json:"total_rows"`
	Error       *string     `json:"error"`
	StartedAt   *time.Time  `json:"started_at,omitempty" doc:"when processing began: the pages show the time elapsed"`
	Queue       *QueueView  `json:"queue,omitempty" doc:"while waiting: the place in the line and the run ahead"`
}

type auditOutput struct {
	Body []auth.Event
}

func (s *Server) register(api huma.API) {
	register(s, api, huma.Operation{OperationID: "list-reports", Method: http.MethodGet, Path: "/v1/reports", Summary: "List the reports this tenant may run", Tags: []string{"catalog"}},
		func(ctx context.Context, in *langInput) (*reportsOutput, error) {
			out := &reportsOutput{}
			out.Body.Reports = []engine.ReportInfo{}
			for _, d := range s.App.Reports(principal(ctx).TenantID) {
				out.Body.Reports = append(out.Body.Reports, reportInfo(d, in.Lang))
			}
			return out, nil
		})
	register(s, api, huma.Operation{OperationID: "get-report", Method: http.MethodGet, Path: "/v1/reports/{id}", Summary: "One report: filters (with JSON Schema), limits, columns", Tags: []string{"catalog"}, Errors: []int{404}},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"100"`
			Lang string `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of titles and labels"`
		}) (*reportOutput, error) {
			d, ok := s.App.Report(principal(ctx).TenantID, in.ID)
			if !ok {
				return nil, huma.Error404NotFound(say(ctx, i18n.APIReportNotFound, in.ID))
			}
			return &reportOutput{Body: reportInfo(d, in.Lang)}, nil
		})
	register(s, api, huma.Operation{OperationID: "create-run", Method: http.MethodPost, Path: "/v1/runs", DefaultStatus: http.StatusAccepted, MaxBodyBytes: 64 << 10,
		Summary: "Generate a report", Description: "Validates the filters and queues the run (202). With dry_run=true it queues nothing and answers 200 with the resolved filters, the place the run would take in its line and ClickHouse's estimate of the rows and parts it would read (EXPLAIN ESTIMATE). Runs of the same wallet run one at a time, in request order. Beyond the caps on waiting runs per user and per tenant it answers 429 with Retry-After (seconds). " +
			"An extraction (personal_data_required) without the caller's personal_data permission is 403; a report whose personal columns the caller sees whole needs a purpose where the tenant requires one (422 at body.purpose).", Tags: []string{"runs"}, Errors: []int{403, 413, 429}},
		s.createRun)
	register(s, api, huma.Operation{OperationID: "list-runs", Method: http.MethodGet, Path: "/v1/runs", Summary: "List runs, newest first", Tags: []string{"runs"}, Errors: []int{403}},
		s.listRuns)
	register(s, api, huma.Operation{OperationID: "get-run", Method: http.MethodGet, Path: "/v1/runs/{id}", Summary: "One run", Tags: []string{"runs"}, Errors: []int{404}},
		func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
			ReaderLanguage
		}) (*runOutput, error) {
			r, err := s.visibleRun(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			v := s.viewWithQueue(ctx, r)
			s.inLanguage(&v, r, in.language())
			return &runOutput{Body: v}, nil
		})
	register(s, api, huma.Operation{OperationID: "cancel-run", Method: http.MethodPost, Path: "/v1/runs/{id}/cancel", Summary: "Cancel a waiting or processing run", Tags: []string{"runs"}, Errors: []int{404, 409}},
		func(ctx context.Context, in *runIDInput) (*runOutput, error) {
			if _, err := s.visibleRun(ctx, in.ID); err != nil {
				return nil, err
			}
			r, err := s.App.Runs.Cancel(ctx, principal(ctx).TenantID, in.ID)
			if err != nil {
				return nil, err
			}
			s.audit(ctx, "run.cancel", in.ID, "")
			return &runOutput{Body: s.view(r)}, nil
		})
	register(s, api, huma.Operation{OperationID: "delete-run", Method: http.MethodDelete, Path: "/v1/runs/{id}", DefaultStatus: http.StatusNoContent, Summary: "Delete a finished, failed or canceled run and its snapshot", Tags: []string{"runs"}, Errors: []int{404, 409}},
		func(ctx context.Context, in *runIDInput) (*struct{}, error) {
			if _, err := s.visibleRun(ctx, in.ID); err != nil {
				return nil, err
			}
			if err := s.App.DeleteRun(ctx, principal(ctx).TenantID, in.ID); err != nil {
				return nil, err
			}
			s.audit(ctx, "run.delete", in.ID, "")
			return nil, nil
		})
	register(s, api, huma.Operation{OperationID: "get-run-rows", Method: http.MethodGet, Path: "/v1/runs/{id}/rows", Summary: "A page of the run's result, sorted and searched server-side", Tags: []string{"runs"}, Errors: []int{404, 409, 410}},
		s.rows)
	register(s, api, huma.Operation{OperationID: "download-run", Method: http.MethodGet, Path: "/v1/runs/{id}/download", Summary: "Download the result in a registered format (GET /v1/formats): CSV (RFC 4180 or pt-BR Excel) or XLSX", Tags: []string{"runs"}, Errors: []int{404, 409, 410},
		Responses: map[string]*huma.Response{"200": {Description: "the file", Content: map[string]*huma.MediaType{"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}},
		s.download)
	sse.Register(api, huma.Operation{OperationID: "run-events", Method: http.MethodGet, Path: "/v1/runs/{id}/events", Summary: "Server-Sent Events: the run's status and progress until it ends", Tags: []string{"runs"},
		Errors: []int{401, 404, 422, 500}, Middlewares: huma.Middlewares{s.runVisibleMiddleware(api)}},
		map[string]any{"run": RunEvent{}}, s.events)
	register(s, api, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/v1/audit", Summary: "The tenant's audit trail (admins)", Tags: []string{"audit"}, Errors: []int{403}},
		func(ctx context.Context, in *struct {
			Limit int `query:"limit" default:"100" minimum:"1" maximum:"1000"`
		}) (*auditOutput, error) {
			p := principal(ctx)
			if !p.Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden(say(ctx, i18n.APIAuditForAdmins))
			}
			ev, err := s.Auth.AuditEvents(ctx, p.TenantID, in.Limit)
			if err != nil {
				return nil, err
			}
			if ev == nil {
				ev = []auth.Event{}
			}
			return &auditOutput{Body: ev}, nil
		})
	s.registerSchedules(api)
	s.registerLinks(api)
	s.registerPlugins(api)
	s.registerUsers(api)
	s.registerTenantSettings(api)
	s.registerLookups(api)
	s.registerDestinationKinds(api)
	s.registerFormats(api)
}

// visibleRun returns the run if the caller may see it: same tenant, and their
// own unless they are a manager. Anything else is a 404, never a 403.
func (s *Server) visibleRun(ctx context.Context, id string) (*runs.Run, error) {
	p := principal(ctx)
	r, err := s.App.Runs.Get(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	if r.UserID != p.UserID && !p.Role.Allows(auth.Manager) {
		return nil, runs.ErrNotFound
	}
	return r, nil
}

// runVisibleMiddleware answers 404 before a stream starts when the caller may
// not see the run of the path.
func (s *Server) runVisibleMiddleware(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if _, err := s.visibleRun(ctx.Context(), ctx.Param("id")); err != nil {
			writeProblem(api, ctx, s.problem(ctx.Context(), "run-events", err))
			return
		}
		next(ctx)
	}
}

var filterNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (s *Server) createRun(ctx context.Context, in *createRunInput) (*createRunOutput, error) {
	p := principal(ctx)
	for name := range in.Body.Filters {
		if !filterNameRe.MatchString(name) {
			return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidFilterValues), &huma.ErrorDetail{Location: "body.filters." + name, Message: say(ctx, i18n.ScheduleUnknownFilter)})
		}
	}
	req := reporting.NewRun{Tenant: p.TenantID, UserID: p.UserID, ReportID: in.Body.Report, Filters: in.Body.Filters,
		UserName: p.Name, PersonalData: p.PersonalData, Purpose: in.Body.Purpose, Notify: in.Body.Notify, NotifyLang: in.language()}
	if in.DryRun {
		est, err := s.App.EstimateRun(ctx, req)
		if err != nil {
			return nil, err
		}
		return &createRunOutput{Status: http.StatusOK, Body: createRunBody{dry: &DryRunView{DryRun: true, Report: in.Body.Report, FiltersResolved: est.Resolved,
			QueuePosition: est.Position, EstimatedRows: est.Rows, EstimatedParts: est.Parts, Unavailable: est.Unavailable}}}, nil
	}
	r, err := s.App.CreateRun(ctx, req)
	var off reporting.ErrNoticeUnavailable
	if errors.As(err, &off) {
		return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.NoticeInvalid), &huma.ErrorDetail{Location: "body.notify", Message: off.Message.In(i18n.FromContext(ctx)), Value: in.Body.Notify})
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, "run.generate", r.ID, r.ReportID)
	v := s.viewWithQueue(ctx, r)
	s.inLanguage(&v, r, in.language())
	return &createRunOutput{Status: http.StatusAccepted, Body: createRunBody{run: &v}}, nil
}

func (s *Server) listRuns(ctx context.Context, in *listRunsInput) (*listRunsOutput, error) {
	p := principal(ctx)
	q := runs.ListQuery{TenantID: p.TenantID, UserID: p.UserID, Status: runs.Status(in.Status), ReportID: in.Report, Limit: in.Limit, Cursor: in.Cursor}
	if in.Scope == "all" {
		if !p.Role.Allows(auth.Manager) {
			return nil, huma.Error403Forbidden(say(ctx, i18n.APIAllRunsForManagers))
		}
		q.UserID = ""
		if in.User != "" {
			q.UserID = in.User
		}
	} else if in.User != "" && in.User != p.UserID {
		return nil, huma.Error403Forbidden(say(ctx, i18n.APIOthersRunsForManagers))
	}
	var err error
	loc := s.App.ZoneOrDefault(ctx, p.TenantID)
	if q.RequestedFrom, err = requestedBound(ctx, in.From, "from", loc, false); err != nil {
		return nil, err
	}
	if q.RequestedTo, err = requestedBound(ctx, in.To, "to", loc, true); err != nil {
		return nil, err
	}
	if !q.RequestedFrom.IsZero() && !q.RequestedTo.IsZero() && !q.RequestedTo.After(q.RequestedFrom) {
		return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidQuery, "to"), &huma.ErrorDetail{Location: "query.to", Message: say(ctx, i18n.APIAfterFrom), Value: in.To})
	}
	page, err := s.App.Runs.List(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &listRunsOutput{}
	out.Body.Total = page.Total
	out.Body.Runs = make([]RunView, 0, len(page.Runs))
	for _, r := range page.Runs {
		v := s.viewWithQueue(ctx, r)
		s.inLanguage(&v, r, in.language())
		out.Body.Runs = append(out.Body.Runs, v)
	}
	out.Body.Next = page.Next
	return out, nil
}

func (s *Server) finishedRun(ctx context.Context, id string) (reporting.Result, error) {
	r, err := s.visibleRun(ctx, id)
	if err != nil {
		return reporting.Result{}, err
	}
	res, err := s.App.FinishedResult(r)
	// The caller's permission decides whether personal columns are whole.
	res.PersonalData = principal(ctx).PersonalData
	return res, err
}

func (s *Server) rows(ctx context.Context, in *rowsInput) (*rowsOutput, error) {
	res, err := s.finishedRun(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	def := res.Def
	if in.Sort != "" && def.Columns != nil {
		known := false
		for _, c := range def.Columns {
			known = known || c.Name == in.Sort
		}
		if !known {
			return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIUnknownSortColumn), &huma.ErrorDetail{Location: "query.sort", Message: say(ctx, i18n.APINotAColumn), Value: in.Sort})
		}
	}
	page, err := s.App.Page(ctx, res, snapshot.PageRequest{Offset: in.Offset, Limit: in.Limit, Sort: in.Sort, Desc: in.Desc, Search: in.Q, Lang: in.Lang})
	if err != nil {
		return nil, err
	}
	s.auditView(ctx, res.Run.ID)
	out := &rowsOutput{}
	out.Body.Columns = reportInfo(def, in.Lang).Columns
	out.Body.Rows = make([]resultRow, len(page.Rows))
	if in.Numbers == "text" {
		for i, r := range page.Rows {
			out.Body.Rows[i] = make(resultRow, len(r))
			for j, v := range r {
				if v != nil {
					out.Body.Rows[i][j] = *v
				}
			}
		}
	} else {
		for i, r := range page.Values(def) {
			out.Body.Rows[i] = r
		}
	}
	out.Body.Codes = page.Codes
	out.Body.Total = page.Total
	return out, nil
}

// unknownFormat says a format name is unknown and lists the known ones, in
// the reader's language (export.ParseFormat's error is English only).
func unknownFormat(name string) i18n.Message {
	return i18n.M(i18n.APIUnknownFormatNamed, name, strings.Join(export.IDs(), ", "))
}

func (s *Server) download(ctx context.Context, in *downloadInput) (*huma.StreamResponse, error) {
	f, err := export.ParseFormat(in.Format)
	if err != nil {
		return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIUnknownFormat), &huma.ErrorDetail{Location: "query.format", Message: unknownFormat(in.Format).In(i18n.FromContext(ctx)), Value: in.Format})
	}
	res, err := s.finishedRun(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := s.App.CheckResult(ctx, res); err != nil {
		return nil, err
	}
	p := principal(ctx)
	rq := reporting.Requester{UserID: p.UserID, Name: p.Name, PersonalData: p.PersonalData, Purpose: in.Purpose}
	if err := s.App.CheckPurpose(ctx, p.TenantID, res.Def, rq); errors.Is(err, reporting.ErrPurposeRequired) {
		return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIPurposeRequired), &huma.ErrorDetail{Location: "query.purpose", Message: say(ctx, i18n.APIPurposeRequiredDetail)})
	} else if err != nil {
		return nil, err
	}
	s.App.Metrics.Downloads.Add(1)
	s.audit(ctx, "run.download", res.Run.ID, f.ID)
	s.App.RecordDownload(ctx, res, rq, f.ID)
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", f.ContentType)
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+reporting.FileName(res.Run, f)+`"`)
		hctx.SetStatus(http.StatusOK)
		if err := s.App.WriteFile(hctx.Context(), res, f, in.Lang, hctx.BodyWriter()); err != nil {
			// The status is sent; the client sees a cut file, the log the cause.
			s.internal(hctx.Context(), "download-run", err)
		}
	}}, nil
}

// events streams the run's status, place in the line and progress until it
// reaches a terminal status or the client goes away. It waits on the runs
// store's change notifications and the run's progress signal rather than
// polling; a slow re-read (eventsRecheck) catches changes made by other
// instances sharing the database, and ends the stream of a revoked token.
func (s *Server) events(ctx context.Context, in *runIDInput, send sse.Sender) {
	p := principal(ctx)
	changes, stopChanges := s.App.Runs.Watch()
	defer stopChanges()
	progress, stopProgress := s.App.WatchProgress(in.ID)
	defer stopProgress()
	recheck := time.NewTicker(eventsRecheck)
	defer recheck.Stop()
	var (
		r     *runs.Run
		last  RunEvent
		first = true
		read  = true
	)
	for {
		if read {
			if p.TokenID != "" { // the stream ends when its token is revoked or expires
				if ok, err := s.Auth.TokenActive(ctx, p.TokenID); err != nil || !ok {
					return
				}
			}
			var err error
			if r, err = s.App.Runs.Get(ctx, p.TenantID, in.ID); err != nil {
				return
			}
			read = false
		}
		ev := s.runEvent(ctx, r)
		if first || !sameEvent(ev, last) {
			if send.Data(ev) != nil {
				return
			}
			first, last = false, ev
		}
		if r.Status.Terminal() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changes:
			read = true
		case <-recheck.C:
			read = true
		case <-progress:
		}
	}
}

// eventsRecheck is how often an events stream re-reads its run without a
// notification: changes by other instances sharing the database.
const eventsRecheck = 2 * time.Second

// runEvent is r as the events stream sends it: rows so far while processing
// (the final count once finished), and the place in the line while waiting.
func (s *Server) runEvent(ctx context.Context, r *runs.Run) RunEvent {
	ev := RunEvent{Status: r.Status, StatusLabel: statusLabels[r.Status], TotalRows: r.TotalRows, Error: r.Error, StartedAt: r.StartedAt}
	switch r.Status {
	case runs.StatusProcessing:
		var here bool
		if ev.Rows, here = s.App.Progress(r.ID); !here && r.RowsSoFar != nil {
			ev.Rows = *r.RowsSoFar // executing on another instance: its last saved count
		}
	case runs.StatusFinished:
		if r.TotalRows != nil {
			ev.Rows = *r.TotalRows
		}
	case runs.StatusWaiting:
		ev.Queue = s.viewWithQueue(ctx, r).Queue
	}
	return ev
}

func sameEvent(a, b RunEvent) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
