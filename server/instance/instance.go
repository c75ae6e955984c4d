// Package instance is relato's composition root: it turns one Config into
// the whole server — the control-plane stores, the warehouse, the catalog,
// plugins, the application layer (server/reporting), the runs pool, the
// scheduler and the HTTP handler (API and pages) — and runs it. `relato serve`
// and the tests (server/servertest) build exactly this, with the few test
// seams of Options.
//
// It is the only package that imports server/api; nothing under server/
// imports it except servertest and the command line.
package instance

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/delivery"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	_ "github.com/relato/relato/engine/backend/remote" // clickhouse:// warehouses
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/api"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/database"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
	"github.com/relato/relato/server/snapshot"
	"github.com/relato/relato/server/web"
)

// Options are the seams a test sets; the zero value is production.
type Options struct {
	// Warehouse is an already open warehouse to use instead of opening
	// Config.Data or Config.Warehouse (chDB allows one per process); the
	// instance does not close it.
	Warehouse engine.Backend
	// Logger receives the server's log; nil: text on stderr at Config.LogLevel.
	Logger *slog.Logger
	// Now is the clock of the application and the scheduler; nil: time.Now.
	Now func() time.Time
	// WrapExecute wraps run execution (a test injects failing or blocking runs).
	WrapExecute func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error)
	// Poll is the runs pool's idle poll; zero: the pool's default.
	Poll time.Duration
	// Retry is the delivery retry policy; zero: the scheduler's default.
	Retry delivery.RetryPolicy
	// SchedulerID names this instance's scheduler; "": random.
	SchedulerID string
	// TempDir holds files while they are delivered; "": os.TempDir().
	TempDir string
}

// Instance is a built server. Start runs its background work; Handler serves
// it; Close releases everything.
type Instance struct {
	Config    Config
	Logger    *slog.Logger
	App       *reporting.Service
	API       *api.Server
	Auth      *auth.Store
	Runs      *runs.Store
	Schedules *schedules.Service
	Pool      *runs.Pool
	Plugins   *host.Host

	handler http.Handler
	closers []func() error
	cancel  context.CancelFunc
}

// New builds the server from cfg: every component is opened and wired, but no
// background work starts until Start. On error everything opened is closed.
func New(ctx context.Context, cfg Config, opt Options) (_ *Instance, err error) {
	in := &Instance{Config: cfg, Logger: opt.Logger}
	defer func() {
		if err != nil {
			in.Close()
		}
	}()
	if in.Logger == nil {
		var level slog.Level
		level.UnmarshalText([]byte(cfg.LogLevel))
		in.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	cat, err := LoadCatalog(cfg.Definitions)
	if err != nil {
		return nil, err
	}
	wh := opt.Warehouse
	if wh == nil {
		if cfg.Warehouse != "" {
			wh, err = engine.OpenBackend(ctx, cfg.Warehouse)
		} else {
			wh, err = chdb.Open(cfg.Data)
		}
		if err != nil {
			return nil, err
		}
		in.closers = append(in.closers, wh.Close)
	}
	// One control-plane handle (one SQLite writer) and one migration pass for
	// every store.
	db, err := database.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	in.closers = append(in.closers, db.Close)
	if err := db.Migrate(ctx, runs.Migrations, schedules.Migrations, auth.Migrations); err != nil {
		return nil, err
	}
	if in.Runs, err = runs.New(ctx, db, runs.Options{MaxWaitingPerUser: cfg.MaxWaitingPerUser, MaxWaitingPerTenant: cfg.MaxWaitingPerTenant}); err != nil {
		return nil, err
	}
	in.closers = append(in.closers, in.Runs.Close)
	if in.Auth, err = auth.New(ctx, db); err != nil {
		return nil, err
	}
	in.Auth.Now = opt.Now
	in.closers = append(in.closers, in.Auth.Close)
	sealer, err := secretKey(cfg, in.Logger)
	if err != nil {
		return nil, err
	}
	schedStore, err := schedules.New(ctx, db, schedules.Options{Sealer: sealer, Now: opt.Now})
	if err != nil {
		return nil, err
	}
	in.closers = append(in.closers, schedStore.Close)
	tables := schema.Tables()
	if cfg.Plugins != "" {
		dir, err := filepath.Abs(cfg.Plugins)
		if err != nil {
			return nil, fmt.Errorf("--plugins: %w", err)
		}
		if in.Plugins, err = host.Open(ctx, host.Config{Dir: dir, Warehouse: wh, Tables: tables, Logger: in.Logger}); err != nil {
			return nil, fmt.Errorf("--plugins: %w", err)
		}
		in.closers = append(in.closers, func() error { in.Plugins.Close(); return nil })
		for _, p := range in.Plugins.Problems() {
			in.Logger.Warn("plugin left out", "err", p)
		}
	}
	links, err := linkSigner(cfg)
	if err != nil {
		return nil, err
	}
	in.App = &reporting.Service{Catalog: cat, Warehouse: wh, Tables: tables, Runs: in.Runs, Snapshots: &snapshot.Store{B: wh, Cluster: resultsCluster(cfg)},
		Plugins: in.Plugins, Logger: in.Logger, Now: opt.Now, Links: links, PublicURL: cfg.PublicURL}
	if n, err := in.App.Snapshots.RemoveStaleStaging(); err != nil || n > 0 {
		in.Logger.Info("removed staging files of a process that died mid-snapshot", "files", n, "err", err)
	}
	guard, err := delivery.NewGuard(cfg.AllowOutbound...)
	if err != nil {
		return nil, fmt.Errorf("--allow-outbound: %w", err)
	}
	in.Schedules = &schedules.Service{Store: schedStore, Runs: in.Runs, Host: in.App, Guard: guard, Logger: in.Logger,
		Retry: opt.Retry, ID: opt.SchedulerID, TempDir: opt.TempDir, DeliveryLease: cfg.DeliveryLease}
	if cfg.FailureWebhook != "" {
		in.Schedules.Notifier = &schedules.Webhook{URL: cfg.FailureWebhook, Guard: guard}
		in.App.Notices.FailureWebhook = in.Schedules.Notifier
	}
	if in.App.Notices.SendMail, err = cfg.noticeMailer(); err != nil {
		return nil, err
	}
	in.App.Notices.ContactOf = in.Auth.ContactOf
	in.App.PersonalDataOf = in.Auth.PersonalDataOf
	in.App.OwnerNotice = in.ownerNotice
	in.App.PurposeRequired = func(ctx context.Context, tenant uint32) (bool, error) {
		ts, err := in.Auth.TenantSettings(ctx, tenant)
		return ts.PurposeRequired, err
	}
	execute := in.App.Execute
	if opt.WrapExecute != nil {
		execute = opt.WrapExecute(execute)
	}
	in.Pool = &runs.Pool{Store: in.Runs, Execute: execute, Workers: cfg.Workers, Lease: cfg.Lease, Poll: opt.Poll, Logger: in.Logger}
	in.Pool.Ended = in.App.RunEnded
	in.API = &api.Server{App: in.App, Auth: in.Auth, Plugins: in.Plugins, Schedules: in.Schedules, Logger: in.Logger, Version: Version}
	if cfg.OIDC.Issuer != "" {
		if in.API.OIDC, err = auth.NewOIDC(ctx, cfg.OIDC, in.Auth); err != nil {
			return nil, fmt.Errorf("--oidc-issuer: %w", err)
		}
	}
	in.handler = web.WithAPI(in.API.Handler())
	return in, nil
}

// Version is the build's version, set by the command line.
var Version = "dev"

// Handler serves the API and the pages.
func (in *Instance) Handler() http.Handler { return in.handler }

// Start runs the background work: the runs pool, retention (hourly) and, unless
// manualScheduler, the scheduler's loop (a test ticks it itself).
func (in *Instance) Start(ctx context.Context, manualScheduler bool) error {
	if err := in.Pool.Start(ctx); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go in.App.Retain(bg, in.Config.Retention, time.Hour)
	if !manualScheduler {
		in.Schedules.Start()
	}
	return nil
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully (30 s).
func (in *Instance) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: in.handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// Close stops the background work (letting running runs end for up to 30 s)
// and closes what New opened, in reverse order.
func (in *Instance) Close() error {
	var errs []error
	if in.cancel != nil {
		in.cancel()
	}
	if in.Schedules != nil {
		in.Schedules.Stop()
	}
	if in.Pool != nil {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errs = append(errs, in.Pool.Stop(stop))
		cancel()
	}
	for i := len(in.closers) - 1; i >= 0; i-- {
		errs = append(errs, in.closers[i]())
	}
	in.closers = nil
	return errors.Join(errs...)
}

// DemoUsers makes sure tenant 1 has an admin, a manager and a viewer for the
// demo and writes a fresh token of each to w. A later start reuses the users
// an earlier one created (same name and role, not disabled), so their runs
// stay under "Meus relatórios" and the users list holds one of each. The demo
// admin holds the personal_data permission (the demo warehouse holds made-up
// people only), so a new user's first extraction works with that token; the
// others show what masking looks like. Users are named by what they may do
// (the viewer is "Leitor Demo": "Operador" read as the platform's operator
// role); a viewer an earlier version named "Operador Demo" is renamed.
func (in *Instance) DemoUsers(ctx context.Context, w io.Writer) error {
	existing, err := in.Auth.Users(ctx, auth.Scope{Tenant: 1})
	if err != nil {
		return err
	}
	for _, u := range []struct {
		name, formerName string
		role             auth.Role
		personal         bool
	}{{"Admin Demo", "", auth.Admin, true}, {"Gestor Demo", "", auth.Manager, false}, {"Leitor Demo", "Operador Demo", auth.Viewer, false}} {
		id, former := "", ""
		for _, e := range existing {
			if e.Role != u.role || e.DisabledAt != nil {
				continue
			}
			if e.Name == u.name {
				id = e.ID
				break
			}
			if u.formerName != "" && e.Name == u.formerName && former == "" {
				former = e.ID
			}
		}
		if id == "" && former != "" {
			if _, err := in.Auth.SetName(ctx, auth.Scope{Tenant: 1}, former, u.name); err != nil {
				return err
			}
			id = former
		}
		if id == "" {
			p, err := in.Auth.CreateUser(ctx, 1, u.name, u.role)
			if err != nil {
				return err
			}
			id = p.UserID
		}
		note := "personal data masked"
		if u.personal {
			if _, err := in.Auth.SetPersonalData(ctx, auth.Scope{Tenant: 1}, id, true); err != nil {
				return err
			}
			note = "personal_data: may run extractions"
		}
		tok, err := in.Auth.IssueToken(ctx, id)
		if err != nil {
			return err
		}
		// The token stays the line's last word (scripts take $NF).
		fmt.Fprintf(w, "demo tenant 1 %-8s (%s) token: %s\n", u.role, note, tok)
	}
	return nil
}

// LoadCatalog loads the built-in catalog, or the definitions in dir.
func LoadCatalog(dir string) (*engine.Catalog, error) {
	if dir == "" {
		return engine.LoadCatalog(definitions.FS, ".", "definitions")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("definitions directory %s: not found", dir)
	}
	return engine.LoadCatalog(os.DirFS(dir), ".", filepath.Clean(dir))
}

// linkSigner signs download links with a key derived from the secret key
// (secretKey has created its file by now), so every instance sharing the
// key checks the others' links.
func linkSigner(cfg Config) (*reporting.LinkSigner, error) {
	text := cfg.SecretKey
	if text == "" {
		data, err := os.ReadFile(cfg.SecretKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
		text = string(data)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("secret key: not base64: %w", err)
	}
	return reporting.NewLinkSigner(key, cfg.LinkTTL)
}

// secretKey reads the key that encrypts destination secrets: Config.SecretKey,
// else the key file, which is created with a random key on first start.
func secretKey(cfg Config, logger *slog.Logger) (*schedules.Sealer, error) {
	if cfg.SecretKey != "" {
		return schedules.SealerFromBase64(cfg.SecretKey)
	}
	path := cfg.SecretKeyFile
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		data = []byte(base64.StdEncoding.EncodeToString(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
		logger.Warn("created a new secret key; keep it safe: without it stored destination passwords cannot be read", "file", path)
	} else if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	s, err := schedules.SealerFromBase64(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file %s: %w", path, err)
	}
	return s, nil
}

// ownerNotice tells a schedule's owner about a masked delivery (issue 17): in
// the tenant's audit trail (object: the run; detail: the owner and why) and,
// where a failure webhook is configured, as a notice with outcome
// "delivered_masked".
func (in *Instance) ownerNotice(ctx context.Context, tenant uint32, ownerID, runID, message string) {
	if err := in.Auth.AuditIn(ctx, tenant, auth.Principal{UserID: ownerID, TenantID: tenant}, "schedule.delivery.masked", runID, message); err != nil {
		in.Logger.Error("audit", "action", "schedule.delivery.masked", "run", runID, "err", err)
	}
	if in.Schedules != nil && in.Schedules.Notifier != nil {
		r, err := in.Runs.Get(ctx, tenant, runID)
		if err != nil {
			return
		}
		n := schedules.FailureNotice{TenantID: tenant, OwnerID: ownerID, ReportID: r.ReportID, RunID: runID, Outcome: "delivered_masked", Error: message, At: time.Now().UTC()}
		if err := in.Schedules.Notifier.NotifyFailure(ctx, n); err != nil {
			in.Logger.Error("owner notice not sent", "run", runID, "err", err)
		}
	}
}

// resultsCluster is where result tables are created (validated by Config).
func resultsCluster(cfg Config) snapshot.Cluster {
	mode, _ := snapshot.ParseClusterMode(cfg.ResultsMode)
	return snapshot.Cluster{Name: cfg.ResultsCluster, Mode: mode}
}
