package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/snapshot"
)

// Service holds what the use cases need; the composition root fills it once.
// The zero value of the unexported fields is ready to use.
type Service struct {
	Catalog   *engine.Catalog
	Warehouse engine.Backend
	Tables    []string // the warehouse tables the tenant scope applies to
	Runs      *runs.Store
	Snapshots *snapshot.Store
	// Plugins serves custom-report plugins; nil when none are installed.
	Plugins *host.Host
	Logger  *slog.Logger
	// Now is the clock (tests may fix it); nil is time.Now.
	Now func() time.Time
	// Links signs download links for files too big to attach (links.go);
	// with PublicURL (where the pages are reachable, e.g.
	// https://relato.example.com) it gives e-mails a link. Nil or "": no links.
	Links     *LinkSigner
	PublicURL string

	Metrics Metrics

	// PersonalDataOf says whether a user holds the personal_data permission
	// now (auth.Store.PersonalDataOf): what a schedule's run and delivery
	// check for its owner at fire time (personal.go). Nil: nobody does.
	PersonalDataOf func(ctx context.Context, userID string) (bool, error)
	// OwnerNotice tells a schedule's owner something they must know, here
	// that a delivery went out masked because they lost the personal_data
	// permission. Nil: only the log says it.
	OwnerNotice func(ctx context.Context, tenant uint32, ownerID, runID, message string)
	// PurposeRequired says whether a tenant made a purpose mandatory for
	// reading personal data unmasked (auth.Store.TenantSettings). Nil: never.
	PurposeRequired func(ctx context.Context, tenant uint32) (bool, error)
	// Notices are sent when a run ends (notify.go).
	Notices Notices

	initOnce   sync.Once
	requesters sync.Map // run id → Requester, until the run executes
	zones      *Zones
	lookups    *engine.CachedLookups
	progress   progressHub
}

func (s *Service) init() {
	s.initOnce.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		s.zones = &Zones{Warehouse: s.Warehouse, Tables: s.Tables}
		s.lookups = &engine.CachedLookups{TTL: time.Minute, Backend: s.Warehouse,
			Scope: func(t uint32) map[string]string { return engine.TenantScope(s.Tables, t) }}
	})
}

// Clock is the service's current time.
func (s *Service) Clock() time.Time {
	s.init()
	return s.Now()
}

// ErrUnknownReport means the tenant has no report with that id: not in the
// catalog, or a plugin it is not entitled to.
type ErrUnknownReport struct {
	ID string
	// Suggestion is the report id the tenant may use that ID most likely
	// meant (engine.Suggest), or "".
	Suggestion string
}

func (e ErrUnknownReport) Error() string {
	if e.Suggestion != "" {
		return fmt.Sprintf("no report %q; did you mean %s?", e.ID, e.Suggestion)
	}
	return fmt.Sprintf("no report %q", e.ID)
}

// unknownReport is the error for an id the tenant has no report for, with
// the closest id it has.
func (s *Service) unknownReport(tenant uint32, id string) ErrUnknownReport {
	var ids []string
	for _, d := range s.Reports(tenant) {
		ids = append(ids, d.ID)
	}
	return ErrUnknownReport{ID: id, Suggestion: engine.Suggest(id, ids)}
}

// Report finds a report the tenant may use: a YAML definition of the
// catalog, else a custom-report plugin the tenant is entitled to.
func (s *Service) Report(tenant uint32, id string) (*engine.Definition, bool) {
	if d, ok := s.Catalog.Reports[id]; ok {
		return d, true
	}
	if s.Plugins != nil {
		if d, err := s.Plugins.Report(tenant, id); err == nil {
			return d, true
		}
	}
	return nil, false
}

// Reports lists the tenant's reports: the catalog, then its plugins.
func (s *Service) Reports(tenant uint32) []*engine.Definition {
	out := s.Catalog.List()
	if s.Plugins != nil {
		out = append(out, s.Plugins.Reports(tenant)...)
	}
	return out
}

func (s *Service) isPlugin(id string) bool {
	_, yaml := s.Catalog.Reports[id]
	return !yaml && s.Plugins != nil
}

// Zone is the tenant's time zone (see Zones.Zone).
func (s *Service) Zone(ctx context.Context, tenant uint32) (*time.Location, error) {
	s.init()
	return s.zones.Zone(ctx, tenant)
}

// ZoneOrDefault is the tenant's time zone, or São Paulo when it cannot be read.
func (s *Service) ZoneOrDefault(ctx context.Context, tenant uint32) *time.Location {
	s.init()
	return s.zones.ZoneOrDefault(ctx, tenant)
}

// Request is a report as a person or a schedule asks for it.
type Request struct {
	Tenant   uint32
	ReportID string
	// Filters are the values as given (JSON-decoded); relative periods resolve
	// against Now in Location.
	Filters map[string]any
	Now     time.Time
	// Location overrides the tenant's zone (a schedule's own zone); nil: the tenant's.
	Location *time.Location
}

// Prepare compiles a request: the report the tenant may use, its filters
// checked against the tenant's lookups and resolved in its zone (Location, else
// the tenant's, else DefaultZone for a tenant the warehouse does not list). It
// is the one compile path of the server and of `relato run`. A lookup filter
// may name its value by label where the label is the tenant's only one
// (resolveLookupNames). Errors:
// ErrUnknownReport, engine.FilterErrors (bad filter values, by filter), or a
// warehouse error.
func (s *Service) Prepare(ctx context.Context, req Request) (*engine.Compiled, error) {
	s.init()
	def, ok := s.Report(req.Tenant, req.ReportID)
	if !ok {
		return nil, s.unknownReport(req.Tenant, req.ReportID)
	}
	loc := req.Location
	if loc == nil {
		var err error
		var unknown UnknownTenantError
		loc, err = s.zones.Zone(ctx, req.Tenant)
		switch {
		case errors.As(err, &unknown):
			// A tenant the warehouse does not list yet reads in the default zone
			// (its reports are empty, not an error).
			loc = s.zones.ZoneOrDefault(ctx, req.Tenant)
		case err != nil:
			return nil, err
		}
	}
	filters, err := s.resolveLookupNames(ctx, req.Tenant, def, req.Filters)
	if err != nil {
		return nil, err
	}
	env := engine.CompileEnv{Tenant: req.Tenant, Location: loc, Now: req.Now, Tables: s.Tables, Lookups: s.lookups}
	return engine.Compile(ctx, def, filters, env)
}

// decodeFilters reads filters stored as JSON.
func decodeFilters(raw json.RawMessage) (map[string]any, error) {
	var m map[string]any
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("stored filters: %w", err)
	}
	return m, nil
}

// IsFilterError reports whether err is about the filter values a person gave.
func IsFilterError(err error) bool {
	var fe engine.FilterErrors
	return errors.As(err, &fe)
}
