package host

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/sdk"
)

// ErrNotFound means no plugin report with that id is available to the tenant
// (not installed, not entitled, or broken at load).
var ErrNotFound = errors.New("report not found")

// Config configures a Host.
type Config struct {
	// Dir holds the plugins: binaries and their <name>.plugin.json manifests.
	Dir string
	// Warehouse runs the plugins' queries.
	Warehouse engine.Backend
	// Tables are the warehouse tables (without database) plugins may read;
	// each is scoped to the run's tenant (the same list YAML reports use).
	Tables []string
	// Logger receives one line per plugin event; nil = slog.Default().
	Logger *slog.Logger
	// StartTimeout bounds a plugin's start and description (default 10s).
	StartTimeout time.Duration
	// QueryMaxRows caps each plugin query's result (default 1,000,000).
	QueryMaxRows int64
	// MaxRowBytes caps one output row's text size (default 1 MiB).
	MaxRowBytes int
}

// Host runs custom-report plugins.
type Host struct {
	cfg    Config
	log    *slog.Logger
	tables map[string]bool

	mu       sync.RWMutex
	plugins  map[string]*entry // by report id
	problems []error
	closed   bool
}

// entry is one installed plugin.
type entry struct {
	id      string
	manPath string
	binPath string
	def     *engine.Definition
	err     error // why the plugin is unavailable, nil when healthy

	mu   sync.Mutex // guards man.Tenants and inst
	man  Manifest
	inst *instance
}

// instance is one running plugin process.
type instance struct {
	client   *goplugin.Client
	report   *sdk.ReportClient
	inflight int
	retired  bool
}

// Open discovers the plugins in cfg.Dir: reads every manifest, verifies each
// binary's checksum, starts it once to read its definition, and stops it. A
// broken plugin is left out of the catalog and reported by Problems; Open
// fails only when the folder cannot be read.
func Open(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.QueryMaxRows <= 0 {
		cfg.QueryMaxRows = 1_000_000
	}
	if cfg.MaxRowBytes <= 0 {
		cfg.MaxRowBytes = 1 << 20
	}
	if cfg.Warehouse == nil {
		return nil, errors.New("plugins: no warehouse configured")
	}
	h := &Host{cfg: cfg, log: cfg.Logger, tables: map[string]bool{}, plugins: map[string]*entry{}}
	if h.log == nil {
		h.log = slog.Default()
	}
	for _, t := range cfg.Tables {
		h.tables[t] = true
	}
	files, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ManifestSuffix) {
			continue
		}
		path := filepath.Join(cfg.Dir, f.Name())
		man, err := ReadManifest(path)
		if err != nil {
			h.problems = append(h.problems, err)
			continue
		}
		if prev, dup := h.plugins[man.ID]; dup {
			h.problems = append(h.problems, fmt.Errorf("%s: report id %q is already installed by %s", path, man.ID, prev.manPath))
			continue
		}
		e := &entry{id: man.ID, manPath: path, binPath: filepath.Join(cfg.Dir, man.Binary), man: man}
		e.def, e.err = h.describe(ctx, e)
		if e.err != nil {
			h.problems = append(h.problems, e.err)
			h.log.Error("plugin unavailable", "report", man.ID, "manifest", path, "err", e.err)
		} else {
			h.log.Info("plugin loaded", "report", man.ID, "version", man.Version, "tenants", len(man.Tenants))
		}
		h.plugins[man.ID] = e
	}
	return h, nil
}

// Problems lists every plugin that could not be loaded, with the reason.
func (h *Host) Problems() []error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return append([]error(nil), h.problems...)
}

// describe starts the plugin, reads and checks its definition, and stops it.
func (h *Host) describe(ctx context.Context, e *entry) (*engine.Definition, error) {
	inst, err := h.start(ctx, e)
	if err != nil {
		return nil, err
	}
	defer inst.client.Kill()
	ctx, cancel := context.WithTimeout(ctx, h.cfg.StartTimeout)
	defer cancel()
	text, err := inst.report.Describe(ctx)
	if err != nil {
		_, msg := sdk.ErrorMessage(err)
		return nil, fmt.Errorf("plugin %s: describing the report: %s", e.id, msg)
	}
	return parseDefinition(e, text)
}

// parseDefinition reads a plugin's YAML with the engine's loader: the same
// fields, filter types, defaults and validation rules as a YAML report, less
// the query (the plugin's code is the query).
func parseDefinition(e *entry, text string) (*engine.Definition, error) {
	def, ps := engine.ParseMetadata("plugin "+e.id, []byte(text))
	if len(ps) > 0 {
		return nil, fmt.Errorf("plugin %s: invalid definition:\n%w", e.id, ps)
	}
	if def.ID != e.man.ID || def.Version != e.man.Version {
		return nil, fmt.Errorf("plugin %s: the binary declares %s version %d, the manifest %s version %d", e.id, def.ID, def.Version, e.man.ID, e.man.Version)
	}
	return def, nil
}

// start launches the plugin's process after verifying its checksum.
func (h *Host) start(ctx context.Context, e *entry) (*instance, error) {
	cmd := exec.Command(e.binPath)
	cmd.Dir = filepath.Dir(e.binPath)
	// Nothing of the host's environment (warehouse credentials, tokens) reaches
	// the plugin: only what go-plugin adds for the handshake and TLS.
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "TZ=UTC"}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.PluginMap,
		Cmd:              cmd,
		SkipHostEnv:      true,
		SecureConfig:     &goplugin.SecureConfig{Checksum: e.man.checksum(), Hash: sha256.New()},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     h.cfg.StartTimeout,
		Logger:           h.pluginLogger(e.id),
		Stderr:           io.Discard,
	})
	fail := func(err error) (*instance, error) {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: %s", e.id, startMessage(err))
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	rpc, err := client.Client()
	if err != nil {
		return fail(err)
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return fail(err)
	}
	rc, ok := raw.(*sdk.ReportClient)
	if !ok {
		return fail(fmt.Errorf("unexpected plugin type %T", raw))
	}
	return &instance{client: client, report: rc}, nil
}

// startMessage explains why a plugin did not start, in words an operator acts on.
func startMessage(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, goplugin.ErrChecksumsDoNotMatch):
		return "refused to start: the binary's sha256 does not match the manifest (reinstall the plugin or fix its manifest)"
	case strings.Contains(msg, "Incompatible API version"), strings.Contains(msg, "incompatible"):
		return fmt.Sprintf("handshake failed: the plugin was built for another protocol version (relato speaks %d): %s", sdk.ProtocolVersion, msg)
	case strings.Contains(msg, "Unrecognized remote plugin message"), strings.Contains(msg, "plugin exited before we could connect"):
		return "handshake failed: the binary is not a relato report plugin built with plugins/sdk (or it crashed at start): " + msg
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return "handshake failed: the plugin did not start in time"
	}
	return "start failed: " + msg
}

// pluginLogger forwards go-plugin's and the plugin's log lines to slog.
func (h *Host) pluginLogger(id string) hclog.Logger {
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			h.log.Debug("plugin log", "report", id, "line", sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	return hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: pw, Level: hclog.Warn, JSONFormat: true})
}

// Reports lists the plugin reports tenant is entitled to, by id.
func (h *Host) Reports(tenant uint32) []*engine.Definition {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*engine.Definition
	for _, e := range h.plugins {
		if e.err == nil && e.entitled(tenant) {
			out = append(out, e.def)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Report returns the plugin report id if tenant is entitled to it, else ErrNotFound.
func (h *Host) Report(tenant uint32, id string) (*engine.Definition, error) {
	e, err := h.entry(tenant, id)
	if err != nil {
		return nil, err
	}
	return e.def, nil
}

func (h *Host) entry(tenant uint32, id string) (*entry, error) {
	h.mu.RLock()
	e, ok := h.plugins[id]
	h.mu.RUnlock()
	if !ok || e.err != nil || !e.entitled(tenant) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return e, nil
}

func (e *entry) entitled(tenant uint32) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.man.entitled(tenant)
}

// Entitlements returns the tenants entitled to each installed plugin, by id
// (for the admin API).
func (h *Host) Entitlements() map[string][]uint32 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := map[string][]uint32{}
	for id, e := range h.plugins {
		e.mu.Lock()
		out[id] = append([]uint32{}, e.man.Tenants...)
		e.mu.Unlock()
	}
	return out
}

// SetEntitlement grants (entitled = true) or revokes tenant's access to the
// plugin report id and persists it in the plugin's manifest. The caller
// audits the change.
func (h *Host) SetEntitlement(id string, tenant uint32, entitled bool) error {
	h.mu.RLock()
	e, ok := h.plugins[id]
	h.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.man.entitled(tenant) == entitled {
		return nil
	}
	m := e.man
	m.Tenants = nil
	for _, t := range e.man.Tenants {
		if t != tenant {
			m.Tenants = append(m.Tenants, t)
		}
	}
	if entitled {
		m.Tenants = append(m.Tenants, tenant)
		sort.Slice(m.Tenants, func(i, j int) bool { return m.Tenants[i] < m.Tenants[j] })
	}
	if err := WriteManifest(e.manPath, m); err != nil {
		return fmt.Errorf("plugin %s: saving entitlements: %w", id, err)
	}
	e.man = m
	h.log.Info("plugin entitlement changed", "report", id, "tenant", tenant, "entitled", entitled)
	return nil
}

// acquire returns the plugin's running instance, starting one if there is none
// or the last one crashed or was retired.
func (h *Host) acquire(ctx context.Context, e *entry) (*instance, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h.mu.RLock()
	closed := h.closed
	h.mu.RUnlock()
	if closed {
		return nil, errors.New("plugins: host is closed")
	}
	if e.inst != nil && e.inst.client.Exited() {
		h.log.Warn("plugin process gone; restarting", "report", e.id)
		e.retireLocked(e.inst)
	}
	if e.inst == nil {
		inst, err := h.start(ctx, e)
		if err != nil {
			return nil, err
		}
		h.log.Info("plugin started", "report", e.id)
		e.inst = inst
	}
	e.inst.inflight++
	return e.inst, nil
}

// release ends one run's use of inst; retire marks the process as suspect
// (crashed, hung past a deadline) so the next run starts a fresh one.
func (e *entry) release(inst *instance, retire bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	inst.inflight--
	if retire {
		e.retireLocked(inst)
	}
	if inst.retired && inst.inflight == 0 {
		go inst.client.Kill()
	}
}

func (e *entry) retireLocked(inst *instance) {
	inst.retired = true
	if e.inst == inst {
		e.inst = nil
	}
	if inst.inflight == 0 {
		go inst.client.Kill()
	}
}

// Close stops every plugin process.
func (h *Host) Close() error {
	h.mu.Lock()
	h.closed = true
	plugins := h.plugins
	h.mu.Unlock()
	for _, e := range plugins {
		e.mu.Lock()
		if e.inst != nil {
			e.inst.client.Kill()
			e.inst = nil
		}
		e.mu.Unlock()
	}
	return nil
}
