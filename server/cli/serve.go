package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/api"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
	"github.com/relato/relato/server/snapshot"
	"github.com/relato/relato/server/web"
)

// serve runs the API, the worker pool and the queue recovery until a signal.
func (a *app) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("addr", envOr("RELATO_ADDR", "127.0.0.1:8080"), "listen address")
	dsn := fs.String("db", envOr("RELATO_DB", "sqlite:.data/relato.db"), "control-plane database: sqlite:<path> or postgres://…")
	workers := fs.Int("workers", 2, "runs executed at the same time (different wallets)")
	lease := fs.Duration("lease", 30*time.Second, "a run's worker lease: how soon another instance resumes a crashed worker's run")
	retention := fs.Duration("retention", 90*24*time.Hour, "remove runs and snapshots this long after they ended")
	keyFile := fs.String("secret-key-file", envOr("RELATO_SECRET_KEY_FILE", ".data/secret.key"), "file holding the base64 AES-256 key that encrypts destination secrets (created if missing; RELATO_SECRET_KEY overrides)")
	allow := fs.String("allow-outbound", os.Getenv("RELATO_ALLOW_OUTBOUND"), "comma-separated CIDRs/hosts deliveries may reach although private or loopback")
	webhook := fs.String("failure-webhook", os.Getenv("RELATO_FAILURE_WEBHOOK"), "URL that receives a JSON notice when a scheduled delivery fails (opt-in)")
	pluginDir := fs.String("plugins", os.Getenv("RELATO_PLUGINS"), "folder of custom-report plugins (binaries and <name>.plugin.json manifests); empty: none")
	demo := fs.Bool("demo", false, "create demo users for tenant 1 and print an admin token")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	var problems []error
	if *workers < 1 || *workers > 64 {
		problems = append(problems, fmt.Errorf("--workers: must be between 1 and 64"))
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		problems = append(problems, fmt.Errorf("--addr: %v", err))
	}
	if *lease < time.Second {
		problems = append(problems, fmt.Errorf("--lease: must be at least 1s"))
	}
	if *retention < time.Hour {
		problems = append(problems, fmt.Errorf("--retention: must be at least 1h"))
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	cat, _, _, err := loadCatalog(c.definitions)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(".data", 0o750); err != nil {
		return err
	}
	wh, err := c.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	store, err := runs.Open(ctx, *dsn, runs.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	users, err := auth.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer users.Close()
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	sealer, err := secretKey(*keyFile, logger)
	if err != nil {
		return err
	}
	var allowList []string
	for _, a := range strings.Split(*allow, ",") {
		if a = strings.TrimSpace(a); a != "" {
			allowList = append(allowList, a)
		}
	}
	guard, err := delivery.NewGuard(allowList...)
	if err != nil {
		return fmt.Errorf("--allow-outbound: %w", err)
	}
	schedStore, err := schedules.Open(ctx, *dsn, schedules.Options{Sealer: sealer})
	if err != nil {
		return err
	}
	srv := &api.Server{Catalog: cat, Warehouse: wh, Tables: warehouse().Tables, Runs: store, Auth: users,
		Snapshots: &snapshot.Store{B: wh}, Logger: logger, Version: buildVersion()}
	if *pluginDir != "" {
		dir, err := filepath.Abs(*pluginDir)
		if err != nil {
			return fmt.Errorf("--plugins: %w", err)
		}
		ph, err := host.Open(ctx, host.Config{Dir: dir, Warehouse: wh, Tables: warehouse().Tables, Logger: logger})
		if err != nil {
			return fmt.Errorf("--plugins: %w", err)
		}
		defer ph.Close()
		for _, p := range ph.Problems() {
			logger.Warn("plugin left out", "err", p)
		}
		srv.Plugins = ph
	}
	sched := &schedules.Service{Store: schedStore, Runs: store, Host: srv.ScheduleHost(), Guard: guard, Logger: logger}
	if *webhook != "" {
		sched.Notifier = &schedules.Webhook{URL: *webhook, Guard: guard}
	}
	srv.Schedules = sched
	pool := &runs.Pool{Store: store, Execute: srv.Execute, Workers: *workers, Logger: logger, Lease: *lease}
	if err := pool.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		pool.Stop(context.Background())
		return err
	}
	hs := &http.Server{Handler: web.WithAPI(srv.Handler()), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stderr, "relato %s serving http://%s/ (pages), API docs http://%s/docs\n", buildVersion(), ln.Addr(), ln.Addr())
	if *demo {
		for _, u := range []struct {
			name string
			role auth.Role
		}{{"Admin Demo", auth.Admin}, {"Gestor Demo", auth.Manager}, {"Operador Demo", auth.Viewer}} {
			p, err := users.CreateUser(ctx, 1, u.name, u.role)
			if err != nil {
				return err
			}
			tok, err := users.IssueToken(ctx, p.UserID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "demo tenant 1 %-8s token: %s\n", u.role, tok)
		}
	}
	go srv.Retain(ctx, *retention, time.Hour)
	sched.Start()
	defer sched.Stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		pool.Stop(context.Background())
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hs.Shutdown(shutdown)
	return pool.Stop(shutdown)
}

// secretKey reads the key that encrypts destination secrets: RELATO_SECRET_KEY,
// else the key file, which is created with a random key on first start.
func secretKey(path string, logger *slog.Logger) (*schedules.Sealer, error) {
	if k := os.Getenv("RELATO_SECRET_KEY"); k != "" {
		return schedules.SealerFromBase64(k)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		data = []byte(base64.StdEncoding.EncodeToString(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
		logger.Warn("created a new secret key; keep it safe: without it stored destination passwords cannot be read", "file", path)
	} else if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	return schedules.SealerFromBase64(strings.TrimSpace(string(data)))
}
