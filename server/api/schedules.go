package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/schedules"
)

// ScheduleView is a schedule as the API shows it: secrets redacted, the next
// three due times computed in its zone.
type ScheduleView struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Report              string            `json:"report"`
	Filters             FilterValues      `json:"filters"`
	Recurrence          string            `json:"recurrence"`
	TimeZone            string            `json:"time_zone"`
	Destinations        []DestinationView `json:"destinations"`
	Format              string            `json:"format"`
	FileName            string            `json:"file_name"`
	NextFileName        string            `json:"next_file_name,omitempty" doc:"the name of the file the next fire will deliver, e.g. relatório_nível serviço_2026-11-30.xlsx ({run_id} is empty until it fires; none while paused)"`
	Paused              bool              `json:"paused"`
	NextRuns            []time.Time       `json:"next_runs" doc:"the next five due times, with the zone's offset (none while paused or after the end)"`
	StartsAt            *time.Time        `json:"starts_at,omitempty" doc:"the first moment it may fire, with the zone's offset"`
	EndsAt              *time.Time        `json:"ends_at,omitempty" doc:"it never fires after this"`
	Repeat              *repeatBody       `json:"repeat,omitempty" doc:"the recurrence in words; absent when only the cron form (recurrence) says it"`
	OwnerID             string            `json:"owner_id"`
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           time.Time         `json:"updated_at"`
	LastFireAt          *time.Time        `json:"last_fire_at,omitempty"`
	LastRunID           *string           `json:"last_run_id,omitempty"`
	LastDeliveryOutcome *string           `json:"last_delivery_outcome,omitempty" doc:"delivered, failed or run_failed"`
	LastDeliveryError   *string           `json:"last_delivery_error,omitempty"`
}

// DestinationView is a destination with its secrets shown as "[redacted]".
type DestinationView struct {
	Kind   string         `json:"kind"`
	Config map[string]any `json:"config"`
}

type destinationBody struct {
	Kind   string         `json:"kind" minLength:"1" maxLength:"50" doc:"delivery.email, delivery.ftp, delivery.ftpes, delivery.ftps or delivery.sftp (the delivery. prefix may be left out)"`
	Config map[string]any `json:"config" doc:"the kind's settings; secrets (password, private_key…) are encrypted at rest and never returned; send \"[redacted]\" or leave one out to keep the stored value, which is kept only while kind, host, port and username are unchanged (otherwise 422 naming the field)"`
}

type scheduleBody struct {
	Name         string            `json:"name,omitempty" maxLength:"200"`
	Report       string            `json:"report" minLength:"1" maxLength:"100"`
	Filters      filterInput       `json:"filters,omitempty" doc:"filter values; periods may be relative (yesterday, last_7_days, previous_month, month_to_date…) and resolve when the schedule fires"`
	Recurrence   string            `json:"recurrence,omitempty" maxLength:"200" doc:"the advanced form: a 5-field cron expression (minute hour day-of-month month day-of-week) on the wall clock of time_zone; give it or repeat"`
	Repeat       *repeatBody       `json:"repeat,omitempty" doc:"the recurrence in words, at the time of day of starts_at; give it or recurrence"`
	StartsAt     string            `json:"starts_at,omitempty" maxLength:"40" doc:"first date and time, on the wall clock of time_zone (2026-12-05T07:00) or an RFC 3339 instant; required with repeat"`
	EndsAt       string            `json:"ends_at,omitempty" maxLength:"40" doc:"last date and time it may fire, like starts_at; empty: no end"`
	TimeZone     string            `json:"time_zone,omitempty" maxLength:"64" doc:"tz database name; default the tenant's zone (America/Sao_Paulo)"`
	Destinations []destinationBody `json:"destinations" minItems:"1" maxItems:"10"`
	Format       string            `json:"format,omitempty" maxLength:"20" doc:"a format id from GET /v1/formats: csv (default), csv-excel or xlsx"`
	FileName     string            `json:"file_name,omitempty" maxLength:"200" doc:"template: {report} {report_id} {from} {to} {run_time} {date} {run_id} {schedule}; default {report}_{from}_{to}_{run_time}"`
	Paused       bool              `json:"paused,omitempty"`
}

type scheduleOutput struct{ Body ScheduleView }

type scheduleIDInput struct {
	ID string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
}

type destinationTestOutput struct {
	Body struct {
		OK          bool   `json:"ok"`
		Fingerprint string `json:"fingerprint,omitempty" doc:"SFTP host key (SHA256:…) or TLS certificate sha256 to pin"`
		Server      string `json:"server,omitempty"`
		Error       string `json:"error,omitempty"`
	}
}

type runDeliveriesOutput struct {
	Body struct {
		State      string               `json:"state,omitempty" doc:"queued, delivering, delivered, failed or run_failed; empty for runs not made by a schedule"`
		Error      *string              `json:"error,omitempty"`
		Deliveries []schedules.Delivery `json:"deliveries"`
	}
}

func (s *Server) registerSchedules(api huma.API) {
	if s.Schedules == nil {
		return
	}
	tags := []string{"schedules"}
	register(s, api, huma.Operation{OperationID: "create-schedule", Errors: []int{403}, Method: http.MethodPost, Path: "/v1/schedules", DefaultStatus: http.StatusCreated, MaxBodyBytes: 64 << 10,
		Summary: "Create a schedule (managers)", Tags: tags},
		func(ctx context.Context, in *struct{ Body scheduleBody }) (*scheduleOutput, error) {
			p, err := s.scheduleManager(ctx)
			if err != nil {
				return nil, err
			}
			sch, err := s.checkSchedule(ctx, p, in.Body, nil)
			if err != nil {
				return nil, err
			}
			created, err := s.Schedules.Store.Create(ctx, *sch)
			if err != nil {
				return nil, err
			}
			s.audit(ctx, "schedule.create", created.ID, created.ReportID)
			return &scheduleOutput{Body: s.withNextFileName(ctx, s.scheduleView(created), created)}, nil
		})
	register(s, api, huma.Operation{OperationID: "list-schedules", Errors: []int{403}, Method: http.MethodGet, Path: "/v1/schedules", Summary: "List the tenant's schedules (managers)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Schedules []ScheduleView `json:"schedules"`
			}
		}, error) {
			p, err := s.scheduleManager(ctx)
			if err != nil {
				return nil, err
			}
			list, err := s.Schedules.Store.List(ctx, p.TenantID)
			if err != nil {
				return nil, err
			}
			out := &struct {
				Body struct {
					Schedules []ScheduleView `json:"schedules"`
				}
			}{}
			out.Body.Schedules = make([]ScheduleView, 0, len(list))
			for _, sch := range list {
				out.Body.Schedules = append(out.Body.Schedules, s.scheduleView(sch))
			}
			return out, nil
		})
	register(s, api, huma.Operation{OperationID: "get-schedule", Errors: []int{403, 404}, Method: http.MethodGet, Path: "/v1/schedules/{id}", Summary: "One schedule", Tags: tags},
		func(ctx context.Context, in *scheduleIDInput) (*scheduleOutput, error) {
			sch, err := s.managedSchedule(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &scheduleOutput{Body: s.withNextFileName(ctx, s.scheduleView(sch), sch)}, nil
		})
	register(s, api, huma.Operation{OperationID: "replace-schedule", Errors: []int{403, 404}, Method: http.MethodPut, Path: "/v1/schedules/{id}", MaxBodyBytes: 64 << 10,
		Summary: "Replace a schedule; secrets sent as \"[redacted]\" or left out keep their stored values while kind, host, port and username stay the same", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
			Body scheduleBody
		}) (*scheduleOutput, error) {
			old, err := s.managedSchedule(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			sch, err := s.checkSchedule(ctx, principal(ctx), in.Body, old)
			if err != nil {
				return nil, err
			}
			sch.ID = old.ID
			updated, err := s.Schedules.Store.Update(ctx, *sch)
			if err != nil {
				return nil, err
			}
			detail := "nothing changed"
			if changes := schedules.Changes(old, updated); len(changes) > 0 {
				detail = "changed: " + strings.Join(changes, ", ")
			}
			s.audit(ctx, "schedule.update", updated.ID, detail)
			return &scheduleOutput{Body: s.withNextFileName(ctx, s.scheduleView(updated), updated)}, nil
		})
	register(s, api, huma.Operation{OperationID: "delete-schedule", Errors: []int{403, 404}, Method: http.MethodDelete, Path: "/v1/schedules/{id}", DefaultStatus: http.StatusNoContent, Summary: "Delete a schedule", Tags: tags},
		func(ctx context.Context, in *scheduleIDInput) (*struct{}, error) {
			sch, err := s.managedSchedule(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if err := s.Schedules.Store.Delete(ctx, sch.TenantID, sch.ID); err != nil {
				return nil, err
			}
			s.audit(ctx, "schedule.delete", sch.ID, "")
			return nil, nil
		})
	for _, op := range []struct {
		path, id, summary string
		paused            bool
	}{{"pause", "pause-schedule", "Pause a schedule", true}, {"resume", "resume-schedule", "Resume a schedule; due times missed while paused are not made up", false}} {
		register(s, api, huma.Operation{OperationID: op.id, Errors: []int{403, 404}, Method: http.MethodPost, Path: "/v1/schedules/{id}/" + op.path, Summary: op.summary, Tags: tags},
			func(ctx context.Context, in *scheduleIDInput) (*scheduleOutput, error) {
				sch, err := s.managedSchedule(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				updated, err := s.Schedules.Store.SetPaused(ctx, sch.TenantID, sch.ID, op.paused)
				if err != nil {
					return nil, err
				}
				s.audit(ctx, "schedule."+op.path, sch.ID, "")
				return &scheduleOutput{Body: s.scheduleView(updated)}, nil
			})
	}
	register(s, api, huma.Operation{OperationID: "run-schedule-now", Errors: []int{403, 404, 429}, Method: http.MethodPost, Path: "/v1/schedules/{id}/run-now", DefaultStatus: http.StatusAccepted,
		Summary: "Run a schedule now and deliver its file, outside its recurrence", Tags: tags},
		func(ctx context.Context, in *scheduleIDInput) (*runOutput, error) {
			sch, err := s.managedSchedule(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			runID, err := s.Schedules.RunNow(ctx, sch.TenantID, sch.ID)
			if err != nil {
				return nil, err
			}
			r, err := s.App.Runs.Get(ctx, sch.TenantID, runID)
			if err != nil {
				return nil, err
			}
			s.audit(ctx, "schedule.run_now", sch.ID, runID)
			return &runOutput{Body: s.view(r)}, nil
		})
	register(s, api, huma.Operation{OperationID: "test-destination", Errors: []int{403}, Method: http.MethodPost, Path: "/v1/destinations/test", MaxBodyBytes: 64 << 10,
		Summary: "Test a destination's connection; shows the SFTP host key or TLS certificate fingerprint to pin", Tags: []string{"destinations"}},
		func(ctx context.Context, in *struct{ Body destinationBody }) (*destinationTestOutput, error) {
			if _, err := s.scheduleManager(ctx); err != nil {
				return nil, err
			}
			var details []error
			dest := s.checkDestination(i18n.FromContext(ctx), in.Body, nil, "body", &details)
			if len(details) > 0 {
				return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.ScheduleInvalidDestination), details...)
			}
			out := &destinationTestOutput{}
			t, ok := dest.(delivery.Tester)
			if !ok {
				return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.ScheduleNoConnectionTest), &huma.ErrorDetail{Location: "body.kind", Message: say(ctx, i18n.ScheduleNoConnectionTestShort), Value: in.Body.Kind})
			}
			tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			res, err := t.Test(tctx)
			out.Body.OK, out.Body.Fingerprint, out.Body.Server = err == nil, res.Fingerprint, res.Server
			if err != nil {
				out.Body.Error = err.Error()
				if errors.Is(err, delivery.ErrAddressRefused) {
					// Never what a name resolved to: that would map the inside network.
					out.Body.Error = "address not allowed"
				}
			}
			return out, nil
		})
	register(s, api, huma.Operation{OperationID: "get-run-deliveries", Errors: []int{404}, Method: http.MethodGet, Path: "/v1/runs/{id}/deliveries", Summary: "Delivery attempts of a scheduled run", Tags: []string{"runs"}},
		func(ctx context.Context, in *runIDInput) (*runDeliveriesOutput, error) {
			r, err := s.visibleRun(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			out := &runDeliveriesOutput{}
			if f, err := s.Schedules.Store.FireOfRun(ctx, r.TenantID, r.ID); err != nil {
				return nil, err
			} else if f != nil {
				out.Body.State, out.Body.Error = f.State, f.Error
			}
			if out.Body.Deliveries, err = s.Schedules.Store.Deliveries(ctx, r.TenantID, r.ID); err != nil {
				return nil, err
			}
			return out, nil
		})
}

func (s *Server) scheduleManager(ctx context.Context) (auth.Principal, error) {
	p := principal(ctx)
	if !p.Role.Allows(auth.Manager) {
		return p, huma.Error403Forbidden(say(ctx, i18n.APISchedulesForManagers))
	}
	return p, nil
}

func (s *Server) managedSchedule(ctx context.Context, id string) (*schedules.Schedule, error) {
	p, err := s.scheduleManager(ctx)
	if err != nil {
		return nil, err
	}
	sch, err := s.Schedules.Store.Get(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	return sch, nil
}

func (s *Server) scheduleError(err error) error {
	// problem() says schedules.ErrNotFound as a 404 in the reader's language.
	return err
}

func (s *Server) scheduleView(sch *schedules.Schedule) ScheduleView {
	v := ScheduleView{ID: sch.ID, Name: sch.Name, Report: sch.ReportID, Filters: FilterValues(sch.Filters), Recurrence: sch.Recurrence, TimeZone: sch.TimeZone,
		Format: sch.Format, FileName: sch.FileName, Paused: sch.Paused, OwnerID: sch.OwnerID, CreatedAt: sch.CreatedAt, UpdatedAt: sch.UpdatedAt,
		LastFireAt: sch.LastFireAt, LastRunID: sch.LastRunID, LastDeliveryOutcome: sch.LastDeliveryOutcome, LastDeliveryError: sch.LastDeliveryError,
		NextRuns: []time.Time{}, Destinations: make([]DestinationView, len(sch.Destinations))}
	if v.FileName == "" {
		v.FileName = schedules.DefaultFileName
	}
	for i, d := range sch.Destinations {
		cfg := map[string]any{}
		json.Unmarshal(d.Config, &cfg)
		for k, val := range cfg {
			if schedules.IsSecretField(d.Kind, k) && val != "" {
				cfg[k] = schedules.Redacted
			}
		}
		v.Destinations[i] = DestinationView{Kind: d.Kind, Config: cfg}
	}
	scheduleTimes(&v, sch)
	return v
}

// withNextFileName adds the name the next fire will deliver (saved and
// fetched schedules; not the list, which would compile every schedule).
func (s *Server) withNextFileName(ctx context.Context, v ScheduleView, sch *schedules.Schedule) ScheduleView {
	if sch.Paused || sch.NextFireAt == nil {
		return v
	}
	name, err := s.App.NextFileName(ctx, sch, *sch.NextFireAt)
	if err != nil {
		// A report or filter gone bad since it was saved: the fire will say so.
		return v
	}
	v.NextFileName = name
	return v
}

// checkSchedule validates a schedule body, reporting every problem with its
// field location; old supplies stored secrets the body leaves out.
func (s *Server) checkSchedule(ctx context.Context, p auth.Principal, b scheduleBody, old *schedules.Schedule) (*schedules.Schedule, error) {
	var details []error
	lang := i18n.FromContext(ctx)
	bad := func(loc string, msg i18n.Message, val any) {
		details = append(details, &huma.ErrorDetail{Location: loc, Message: msg.In(lang), Value: val})
	}
	sch := &schedules.Schedule{TenantID: p.TenantID, OwnerID: p.UserID, Name: strings.TrimSpace(b.Name), ReportID: b.Report,
		Recurrence: strings.TrimSpace(b.Recurrence), TimeZone: b.TimeZone, Format: b.Format, FileName: b.FileName, Paused: b.Paused}
	if old != nil {
		sch.OwnerID = old.OwnerID
	}
	if sch.TimeZone == "" {
		sch.TimeZone = s.App.ZoneOrDefault(ctx, p.TenantID).String()
	}
	loc, err := time.LoadLocation(sch.TimeZone)
	if err != nil || sch.TimeZone == "Local" {
		bad("body.time_zone", i18n.M(i18n.ScheduleUnknownTimeZone), b.TimeZone)
		loc = s.App.ZoneOrDefault(ctx, p.TenantID)
	}
	scheduleWhen(b, sch, loc, s.App.Clock(), bad)
	if id, err := schedules.CheckFormat(sch.Format); err != nil {
		bad("body.format", unknownFormat(b.Format), b.Format)
	} else {
		sch.Format = id
	}
	if err := schedules.CheckFileName(sch.FileName); err != nil {
		bad("body.file_name", i18n.MessageOf(err), b.FileName)
	}
	for name := range b.Filters {
		if !filterNameRe.MatchString(name) {
			bad("body.filters."+name, i18n.M(i18n.ScheduleUnknownFilter), nil)
		}
	}
	// An extraction is scheduled only by a holder of personal_data (issue 17);
	// at each fire its owner must still hold it.
	if def, ok := s.App.Report(p.TenantID, b.Report); ok && def.RequiresPersonalData() && !p.PersonalData {
		return nil, reporting.ErrPersonalDataRequired
	}
	var fe engine.FilterErrors
	var unknown reporting.ErrUnknownReport
	switch err := s.App.CheckSchedule(ctx, p.TenantID, b.Report, b.Filters, loc); {
	case errors.As(err, &unknown):
		msg := i18n.M(i18n.APINoReport, unknown.ID)
		if unknown.Suggestion != "" {
			msg = i18n.M(i18n.APINoReportDidYouMean, unknown.ID, unknown.Suggestion)
		}
		bad("body.report", msg, b.Report)
	case errors.As(err, &fe):
		for _, e := range fe {
			bad("body.filters."+e.Filter, i18n.Verbatim(e.In(lang)), nil)
		}
	case err != nil:
		return nil, err
	}
	if b.Filters == nil {
		b.Filters = map[string]any{}
	}
	sch.Filters, _ = json.Marshal(b.Filters)
	if sch.Name == "" { // the report's title as the person reads it; its id when unknown
		sch.Name = b.Report
		if def, ok := s.App.Report(p.TenantID, b.Report); ok && def.Title.In(lang) != "" {
			sch.Name = def.Title.In(lang)
		}
	}
	if len(b.Destinations) == 0 {
		bad("body.destinations", i18n.M(i18n.ScheduleNeedsDestination), nil)
	}
	for i, d := range b.Destinations {
		var prev *schedules.Destination
		if old != nil && i < len(old.Destinations) && old.Destinations[i].Kind == schedules.NormalizeKind(d.Kind) {
			prev = &old.Destinations[i]
		}
		prefix := fmt.Sprintf("body.destinations[%d]", i)
		prev, ok := secretsKeepable(lang, d, prev, prefix, &details)
		if !ok {
			continue
		}
		if dest := s.checkDestination(lang, d, prev, prefix, &details); dest != nil {
			cfg, _ := json.Marshal(mergedConfig(d, prev))
			sch.Destinations = append(sch.Destinations, schedules.Destination{Kind: schedules.NormalizeKind(d.Kind), Config: cfg})
		}
	}
	if len(details) > 0 {
		return nil, huma.Error422UnprocessableEntity(i18n.M(i18n.ScheduleInvalid).In(lang), details...)
	}
	return sch, nil
}

// secretsKeepable checks which stored secrets the body may keep and returns
// the stored destination to take them from (nil: none), adding a problem at
// each secret field it must send again. A stored secret stays bound to the
// host, port and username it was given for (schedules.SecretBinding): when one
// of them changes, "[redacted]" is refused, and so is leaving a stored secret
// out unless the body brings a new one (a key instead of a password). A
// "[redacted]" with nothing stored to keep is refused rather than sent.
func secretsKeepable(lang string, d destinationBody, prev *schedules.Destination, prefix string, details *[]error) (*schedules.Destination, bool) {
	stored := map[string]any{}
	var changed []string
	if prev != nil {
		json.Unmarshal(prev.Config, &stored)
		changed = schedules.BindingChanges(d.Config, stored)
	}
	n := len(*details)
	need := func(k string) {
		msg := i18n.M(i18n.ScheduleSecretAgain, k)
		if len(changed) > 0 {
			msg = i18n.M(i18n.ScheduleSecretBinding, k, strings.Join(changed, ", "))
		}
		*details = append(*details, &huma.ErrorDetail{Location: prefix + ".config." + k, Message: msg.In(lang)})
	}
	fresh := false
	for _, k := range slices.Sorted(maps.Keys(d.Config)) {
		if !schedules.IsSecretField(d.Kind, k) {
			continue
		}
		switch v := d.Config[k]; {
		case v == schedules.Redacted && (len(changed) > 0 || stored[k] == nil || stored[k] == ""):
			need(k)
		case v != schedules.Redacted && v != "" && v != nil:
			fresh = true
		}
	}
	if len(changed) > 0 && !fresh {
		for _, k := range slices.Sorted(maps.Keys(stored)) {
			if _, given := d.Config[k]; !given && stored[k] != "" && schedules.IsSecretField(d.Kind, k) {
				need(k)
			}
		}
	}
	if len(changed) > 0 {
		prev = nil // nothing stored may follow the destination elsewhere
	}
	return prev, len(*details) == n
}

// unsafeConfigText says what is wrong with a text setting that would break
// out of its place at delivery time, or the zero Message: control characters
// anywhere but in a PEM block (a private key or CA), and ".." segments in a
// directory.
func unsafeConfigText(field string, v any) i18n.Message {
	text, ok := v.(string)
	if !ok || strings.HasSuffix(field, "private_key") || strings.HasSuffix(field, "_pem") || field == "body" {
		return i18n.Message{}
	}
	if strings.ContainsFunc(text, schedules.IsControl) {
		return i18n.M(i18n.ScheduleControlChars)
	}
	if field == "directory" && slices.Contains(strings.FieldsFunc(text, func(r rune) bool { return r == '/' || r == '\\' }), "..") {
		return i18n.M(i18n.ScheduleDotDotSegments)
	}
	return i18n.Message{}
}

// mergedConfig is the body's config with secrets it leaves out or sends as
// "[redacted]" taken from the stored destination.
func mergedConfig(d destinationBody, prev *schedules.Destination) map[string]any {
	cfg := map[string]any{}
	for k, v := range d.Config {
		cfg[k] = v
	}
	var stored map[string]any
	if prev != nil {
		json.Unmarshal(prev.Config, &stored)
	}
	for k, v := range cfg {
		if schedules.IsSecretField(d.Kind, k) && v == schedules.Redacted {
			if sv, ok := stored[k]; ok {
				cfg[k] = sv
			} else {
				delete(cfg, k)
			}
		}
	}
	for k, v := range stored {
		if _, given := cfg[k]; !given && schedules.IsSecretField(d.Kind, k) {
			cfg[k] = v
		}
	}
	return cfg
}

// checkDestination builds the destination to validate it, adding problems
// located under prefix (body.destinations[0].config.port).
func (s *Server) checkDestination(lang string, d destinationBody, prev *schedules.Destination, prefix string, details *[]error) delivery.Destination {
	kind := schedules.NormalizeKind(d.Kind)
	known := false
	for _, k := range delivery.Kinds() {
		known = known || k == kind
	}
	if !known {
		*details = append(*details, &huma.ErrorDetail{Location: prefix + ".kind", Message: i18n.M(i18n.ScheduleUnknownKind, strings.Join(delivery.Kinds(), ", ")).In(lang), Value: d.Kind})
		return nil
	}
	cfg := mergedConfig(d, prev)
	raw, _ := json.Marshal(cfg)
	n := len(*details)
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if msg := unsafeConfigText(k, cfg[k]); !msg.IsZero() {
			*details = append(*details, &huma.ErrorDetail{Location: prefix + ".config." + k, Message: msg.In(lang)})
		}
	}
	if host, ok := cfg["host"].(string); ok {
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			if err := s.Schedules.Guard.CheckIP(ip); err != nil {
				*details = append(*details, &huma.ErrorDetail{Location: prefix + ".config.host",
					Message: i18n.M(i18n.ScheduleInternalAddress).In(lang), Value: host})
			}
		}
	}
	dest, err := delivery.New(kind, raw, delivery.WithGuard(s.Schedules.Guard))
	if err != nil {
		var ce *delivery.ConfigError
		if errors.As(err, &ce) {
			for _, pr := range ce.Problems {
				loc := prefix + ".config." + pr.Field
				if strings.HasPrefix(pr.Field, "(") {
					loc = prefix + ".config"
				}
				*details = append(*details, &huma.ErrorDetail{Location: loc, Message: pr.In(lang)})
			}
		} else {
			*details = append(*details, &huma.ErrorDetail{Location: prefix, Message: i18n.Text(err, lang)})
		}
	}
	if len(*details) > n {
		return nil
	}
	return dest
}
