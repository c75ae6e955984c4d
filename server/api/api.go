// Package api is relato's HTTP API (Huma v2, OpenAPI 3.1 at /openapi.json,
// docs at /docs): the catalog, runs (generate, follow, view, download, cancel,
// delete), health and metrics. Handlers stay small; the engine, the runs store,
// snapshots and auth do the work.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
	"github.com/relato/relato/server/snapshot"
)

// Server holds what the API needs.
type Server struct {
	Catalog   *engine.Catalog
	Warehouse engine.Backend
	Tables    []string
	Runs      *runs.Store
	Auth      *auth.Store
	Snapshots *snapshot.Store
	// Plugins serves custom-report plugins; nil when none are installed.
	Plugins   *host.Host
	Schedules *schedules.Service // nil: no schedules API
	Logger    *slog.Logger
	Version   string
	// Now is the clock (tests may fix it).
	Now func() time.Time

	zones       sync.Map // tenant → *time.Location
	lookups     *engine.CachedLookups
	lookupsOnce sync.Once
	progress    sync.Map // run id → *atomic.Int64 rows written so far
	metrics     metrics
}

type metrics struct {
	requests, runsCreated, runsFinished, runsFailed, downloads atomic.Int64
}

type principalKey struct{}

func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// Handler builds the HTTP handler.
func (s *Server) Handler() http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("relato", s.Version)
	cfg.Info.Description = "Report engine API: catalog, runs, snapshots and downloads. Authenticate with `Authorization: Bearer <token>`."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{"bearer": {Type: "http", Scheme: "bearer"}}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	api := humago.New(mux, cfg)
	api.UseMiddleware(s.authenticate(api))
	s.register(api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	return countRequests(&s.metrics.requests, mux)
}

func countRequests(n *atomic.Int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

func (s *Server) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# TYPE relato_http_requests_total counter\nrelato_http_requests_total %d\n", s.metrics.requests.Load())
	fmt.Fprintf(w, "# TYPE relato_runs_created_total counter\nrelato_runs_created_total %d\n", s.metrics.runsCreated.Load())
	fmt.Fprintf(w, "# TYPE relato_runs_finished_total counter\nrelato_runs_finished_total %d\n", s.metrics.runsFinished.Load())
	fmt.Fprintf(w, "# TYPE relato_runs_failed_total counter\nrelato_runs_failed_total %d\n", s.metrics.runsFailed.Load())
	fmt.Fprintf(w, "# TYPE relato_downloads_total counter\nrelato_downloads_total %d\n", s.metrics.downloads.Load())
}

// authenticate resolves the bearer token of every operation that needs one.
func (s *Server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil || (op.Security != nil && len(op.Security) == 0) {
			next(ctx)
			return
		}
		h := ctx.Header("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			huma.WriteErr(api, ctx, http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer <token>")
			return
		}
		p, err := s.Auth.Authenticate(ctx.Context(), strings.TrimSpace(token))
		if err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				huma.WriteErr(api, ctx, http.StatusUnauthorized, "invalid or revoked token")
			} else {
				s.Logger.Error("authenticate", "err", err)
				huma.WriteErr(api, ctx, http.StatusInternalServerError, "authentication is unavailable")
			}
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// zone is the tenant's time zone from the warehouse (São Paulo by default).
func (s *Server) zone(ctx context.Context, tenant uint32) *time.Location {
	if l, ok := s.zones.Load(tenant); ok {
		return l.(*time.Location)
	}
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	rows, err := s.Warehouse.Query(ctx, engine.Query{
		SQL:          "SELECT time_zone FROM wh.tenants WHERE tenant_id = {t:UInt32} LIMIT 1",
		Params:       map[string]string{"t": strconv.FormatUint(uint64(tenant), 10)},
		TableFilters: engine.TenantScope(s.Tables, tenant),
	})
	if err == nil {
		if rows.Next() {
			if l, err := time.LoadLocation(string(rows.Values()[0])); err == nil {
				loc = l
			}
		}
		rows.Close()
		s.zones.Store(tenant, loc)
	}
	return loc
}

func (s *Server) compileEnv(ctx context.Context, tenant uint32, now time.Time) engine.CompileEnv {
	s.lookupsOnce.Do(func() {
		s.lookups = &engine.CachedLookups{TTL: time.Minute, Backend: s.Warehouse,
			Scope: func(t uint32) map[string]string { return engine.TenantScope(s.Tables, t) }}
	})
	return engine.CompileEnv{Tenant: tenant, Location: s.zone(ctx, tenant), Now: now, Tables: s.Tables, Lookups: s.lookups}
}

// filterProblem maps engine filter errors to problem details on the body.
func filterProblem(err error) error {
	var fe engine.FilterErrors
	if errors.As(err, &fe) {
		details := make([]error, len(fe))
		for i, e := range fe {
			details[i] = &huma.ErrorDetail{Location: "body.filters." + e.Filter, Message: e.Msg}
		}
		return huma.Error422UnprocessableEntity("invalid filter values", details...)
	}
	return err
}

// Execute runs one queued run: compile with the filters as given at request
// time (relative periods resolve against the request time, so a resumed run
// computes the same period) and freeze the result as its snapshot.
func (s *Server) Execute(ctx context.Context, r *runs.Run) (runs.Result, error) {
	def, ok := s.report(r.TenantID, r.ReportID)
	if !ok {
		return runs.Result{}, runs.UserError("the report no longer exists or is no longer available to this tenant", fmt.Errorf("unknown report %s", r.ReportID))
	}
	var given map[string]any
	if err := json.Unmarshal(r.FiltersGiven, &given); err != nil {
		return runs.Result{}, err
	}
	comp, err := engine.Compile(ctx, def, given, s.compileEnv(ctx, r.TenantID, r.RequestedAt))
	if err != nil {
		return runs.Result{}, runs.UserError(err.Error(), err)
	}
	counter := &atomic.Int64{}
	s.progress.Store(r.ID, counter)
	defer s.progress.Delete(r.ID)
	if def.Limits.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, def.Limits.Timeout)
		defer cancel()
	}
	start := time.Now()
	var info snapshot.Info
	if s.isPlugin(def.ID) {
		info, err = s.freezePlugin(ctx, r.ID, r.TenantID, comp, func(n int64) { counter.Store(n) })
	} else {
		info, err = s.Snapshots.Create(ctx, r.ID, comp, func(n int64) { counter.Store(n) })
	}
	if err != nil {
		s.metrics.runsFailed.Add(1)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return runs.Result{}, runs.UserError(fmt.Sprintf("the report took longer than its limit of %s", def.Limits.Timeout), err)
		}
		return runs.Result{}, err
	}
	s.metrics.runsFinished.Add(1)
	s.Logger.Info("run finished", "run", r.ID, "report", r.ReportID, "tenant", r.TenantID, "rows", info.Rows, "truncated", info.Truncated, "elapsed", time.Since(start))
	return runs.Result{TotalRows: info.Rows, Truncated: info.Truncated, SnapshotSize: info.Bytes, SnapshotSum: "sha256:" + info.Checksum}, nil
}

// Retain removes, every interval, runs that ended more than age ago and their
// snapshots, until ctx ends.
func (s *Server) Retain(ctx context.Context, age, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.PurgeOnce(ctx, age)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PurgeOnce removes the runs that ended more than age ago and their snapshots.
func (s *Server) PurgeOnce(ctx context.Context, age time.Duration) int {
	n := 0
	for {
		ids, err := s.Runs.Purge(ctx, s.Now().Add(-age), 500)
		if err != nil {
			s.Logger.Error("retention", "err", err)
			return n
		}
		for _, id := range ids {
			if err := s.Snapshots.Drop(ctx, id); err != nil {
				s.Logger.Error("retention: dropping snapshot", "run", id, "err", err)
			}
		}
		n += len(ids)
		if len(ids) < 500 {
			if n > 0 {
				s.Logger.Info("retention", "removed_runs", n, "older_than", age)
			}
			return n
		}
	}
}
