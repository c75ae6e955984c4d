// Package api is relato's HTTP API (Huma v2, OpenAPI 3.1 at /openapi.json,
// docs at /docs): the catalog, runs (generate, follow, view, download, cancel,
// delete), schedules, lookups, health and metrics.
//
// It is HTTP only: each handler decodes, authorizes, calls a use case of
// server/reporting (or a store for plain reads) and returns; errors.go maps
// every error to problem+json in one place. Run execution, the schedules host,
// retention and the caches live in server/reporting, never here. Only the
// composition root (server/instance) imports this package.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/schedules"
)

// Server holds what the API needs.
type Server struct {
	App  *reporting.Service
	Auth *auth.Store
	// OIDC, when set, verifies bearer JWTs from the platform's OpenID Connect
	// provider; relato's own tokens still go to Auth.
	OIDC *auth.OIDC
	// Plugins is the plugin host, for the entitlement admin operations; nil
	// when none are installed.
	Plugins   *host.Host
	Schedules *schedules.Service // nil: no schedules API
	Logger    *slog.Logger
	Version   string

	requests atomic.Int64
	views    viewAudit
	names    sync.Map // user id → display name
}

type principalKey struct{}

func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// Config is the OpenAPI description of the API.
func (s *Server) Config() huma.Config {
	cfg := huma.DefaultConfig("relato", s.Version)
	cfg.Info.Description = "Report engine API: catalog, runs, snapshots, downloads and schedules. Authenticate with `Authorization: Bearer <token>`. " +
		"Errors are RFC 9457 problem details (`application/problem+json`); an unexpected failure answers 500 with a request id (also in the `X-Request-Id` header) that the operators find in the log."
	cfg.Info.License = &huma.License{Name: "Proprietary", URL: "https://example.com/relato/license"}
	cfg.Servers = []*huma.Server{{URL: "/", Description: "this relato instance"}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{"bearer": {Type: "http", Scheme: "bearer"}}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	cfg.Tags = apiTags
	cfg.Transformers = append(cfg.Transformers, localizeTitle)
	cfg = withSchemaLinkFix(cfg)
	// Huma's docs page loads its viewer from a CDN; server/web serves /docs
	// from vendored files instead, so it works offline.
	cfg.DocsPath = ""
	return cfg
}

// Handler builds the HTTP handler: the operations, /healthz and /metrics
// (operators' tokens only), behind the request-id and panic-recovery
// middleware; every answer is Cache-Control: no-store and nosniff.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	api := humago.New(mux, s.Config())
	api.UseMiddleware(s.authenticate(api))
	s.register(api)
	tidyOpenAPI(api.OpenAPI())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /metrics", s.operatorOnly(s.serveMetrics))
	return s.withRequestID(noStore(validUTF8(countRequests(&s.requests, mux))))
}

func countRequests(n *atomic.Int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

func (s *Server) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	w.Write([]byte("# TYPE relato_http_requests_total counter\nrelato_http_requests_total " + itoa(s.requests.Load()) + "\n"))
	if s.App != nil {
		s.App.Metrics.WritePrometheus(w)
	}
}

// authenticate resolves the bearer token of every operation that needs one.
func (s *Server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil || (op.Security != nil && len(op.Security) == 0) {
			next(ctx)
			return
		}
		token, ok := bearerToken(ctx.Header("Authorization"))
		if !ok {
			huma.WriteErr(api, ctx, http.StatusUnauthorized, say(ctx.Context(), i18n.HTTPMissingToken))
			return
		}
		p, err := s.authenticateToken(ctx.Context(), token)
		if err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				huma.WriteErr(api, ctx, http.StatusUnauthorized, say(ctx.Context(), i18n.HTTPInvalidToken))
			} else {
				huma.WriteErr(api, ctx, http.StatusInternalServerError, s.internal(ctx.Context(), "authenticate", err))
			}
			return
		}
		if forOperators(op) != p.IsOperator() {
			if p.IsOperator() {
				huma.WriteErr(api, ctx, http.StatusForbidden, say(ctx.Context(), i18n.HTTPOperatorAboveTenants))
			} else {
				huma.WriteErr(api, ctx, http.StatusForbidden, say(ctx.Context(), i18n.HTTPOperatorsOnly))
			}
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// authenticateToken resolves a bearer token: a JWT goes to the OpenID Connect
// verifier when one is configured, anything else to relato's token store.
func (s *Server) authenticateToken(ctx context.Context, token string) (auth.Principal, error) {
	if s.OIDC != nil && auth.LooksLikeJWT(token) {
		p, err := s.OIDC.Authenticate(ctx, token)
		if errors.Is(err, auth.ErrUnauthenticated) {
			s.Logger.Info("OpenID Connect token refused", "request_id", RequestID(ctx), "reason", err)
		}
		return p, err
	}
	return s.Auth.Authenticate(ctx, token)
}

// operatorScope marks, in huma.Operation.Metadata, an operation that only
// operators may call; every other authenticated operation is for tenant users.
const operatorScope = "relato.operator"

func forOperators(op *huma.Operation) bool { return op.Metadata[operatorScope] == true }

// bearerToken reads the token of an Authorization header. The scheme is
// case-insensitive (RFC 9110 §11.1), so "bearer x" is "Bearer x".
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func (s *Server) audit(ctx context.Context, action, object, detail string) {
	if err := s.Auth.Audit(ctx, principal(ctx), action, object, detail); err != nil {
		s.Logger.Error("audit", "action", action, "request_id", RequestID(ctx), "err", err)
	}
}
