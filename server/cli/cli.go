// Package cli is the relato command line: serve, run, lint, test, seed, catalog,
// users, tokens and version. It wires the engine, the definitions and the backends together.
package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
	_ "github.com/relato/relato/engine/backend/remote" // clickhouse:// warehouses
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/reporting"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // lint problems, failing fixtures
	exitBadInput = 2 // bad arguments, unknown report or filter, unusable environment
)

// Version is set at build time with -ldflags "-X .../server/cli.Version=…".
var Version = "dev"

type app struct {
	stdout, stderr io.Writer
}

// Main runs the command line and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		a.usage()
		return exitBadInput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if p := os.Getenv("RELATO_CPUPROFILE"); p != "" { // for performance work
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "run":
		err = a.run(ctx, rest)
	case "lint":
		err = a.lint(ctx, rest)
	case "test":
		err = a.test(ctx, rest)
	case "seed":
		err = a.seed(ctx, rest)
	case "rollups":
		err = a.rollups(ctx, rest)
	case "catalog":
		err = a.catalog(rest)
	case "sql":
		err = a.sql(ctx, rest)
	case "lookups":
		err = a.lookups(ctx, rest)
	case "serve":
		err = a.serve(ctx, rest)
	case "users":
		err = a.users(ctx, rest)
	case "tokens":
		err = a.tokens(ctx, rest)
	case "version", "--version":
		fmt.Fprintln(stdout, "relato", buildVersion())
		return exitOK
	case "help", "-h", "--help":
		a.usage()
		return exitOK
	default:
		fmt.Fprintln(stderr, "relato: "+i18n.M(i18n.CLIUnknownCommand, cmd).In(problemLang(args, os.Getenv)))
		return exitBadInput
	}
	if err == nil {
		return exitOK
	}
	var fe failedError
	if errors.As(err, &fe) {
		return exitFailed
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintln(stderr, "relato: "+oneLine(problemText(err, problemLang(args, os.Getenv))))
	return exitBadInput
}

// failedError means the command ran and found problems it already printed.
type failedError struct{ what string }

func (e failedError) Error() string { return e.what }

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

func buildVersion() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev+" + s.Value[:12]
			}
		}
	}
	return Version
}

func (a *app) usage() {
	fmt.Fprint(a.stderr, `relato — report engine

usage:
  relato serve [--addr 127.0.0.1:8080] [--db sqlite:.data/relato.db] [--demo]
  relato run <report-id> [--tenant N] [--filter name=value]... [--format `+strings.Join(export.IDs(), "|")+`] [-o FILE]
  relato lint [DIR]            check definitions; prints file:line:col: problem (and warnings)
  relato test [DIR]            run each definition's fixture (<report>_test.yaml)
  relato seed [--scale demo]   load deterministic demo data into the warehouse
  relato rollups rebuild [--tenant N] [--from DATE] [--to DATE]  recompute the KPI rollup from wh.calls
  relato catalog [-o FILE]     write the report catalog as Markdown
  relato lookups <kind> [--tenant N]  the values (and labels) a lookup filter accepts: wallet, user, queue, …
  relato sql "SELECT …"        run raw SQL on the embedded warehouse (operators, benchmarks)
  relato users create --tenant N --name NAME --role viewer|manager|admin|operator [--personal-data]
  relato users list [--tenant N] | relato users disable ID
  relato users personal-data ID on|off   give or take the personal_data permission (LGPD)
  relato tokens issue --user ID [--name NAME] [--expires 90d|2025-01-31]
  relato tokens list [--tenant N] [--user ID] | relato tokens revoke ID
               (users and tokens take --db, default RELATO_DB or sqlite:.data/relato.db)
  relato version

common flags: --data DIR (embedded warehouse directory, default ./.data/warehouse)
              --warehouse URL (clickhouse://user:pass@host:9000/wh for a ClickHouse server)
              --definitions DIR (report definitions instead of the built-in catalog)
`)
}

type common struct {
	data, warehouse, definitions string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", envOr("RELATO_DATA", ".data/warehouse"), "embedded warehouse directory")
	fs.StringVar(&c.warehouse, "warehouse", os.Getenv("RELATO_WAREHOUSE"), "warehouse URL (default: the embedded chDB in --data)")
	fs.StringVar(&c.definitions, "definitions", os.Getenv("RELATO_DEFINITIONS"), "definitions directory (default: built in)")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (c *common) openWarehouse(ctx context.Context) (engine.Backend, error) {
	if c.warehouse != "" {
		return engine.OpenBackend(ctx, c.warehouse)
	}
	return chdb.Open(c.data)
}

// loadCatalog loads the built-in catalog or dir.
func loadCatalog(dir string) (*engine.Catalog, fs.FS, string, error) {
	if dir == "" {
		cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
		return cat, definitions.FS, ".", err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil, "", fmt.Errorf("definitions directory %s: not found", dir)
	}
	fsys := os.DirFS(dir)
	cat, err := engine.LoadCatalog(fsys, ".", filepath.Clean(dir))
	return cat, fsys, ".", err
}

// warehouse is the schema the catalog queries.
func warehouse() engine.Warehouse {
	return engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}
}

type filterFlags map[string]any

func (f filterFlags) String() string { return "" }
func (f filterFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return i18n.Errorf(i18n.CLIFilterForm, s)
	}
	f[strings.TrimSpace(k)] = v
	return nil
}

func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	// Allow flags after positional arguments: relato run <id> --tenant 1.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// formatChoices lists the registered formats for --format's help, in English
// like the rest of the usage text: "csv (Standard CSV (comma)), …".
func formatChoices() string {
	var parts []string
	for _, f := range export.Formats() {
		parts = append(parts, f.ID+" ("+f.Label("en")+")")
	}
	return strings.Join(parts, ", ")
}

func (a *app) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	tenant := fs.Uint("tenant", 1, "tenant id")
	format := fs.String("format", "csv", "output format: "+formatChoices())
	out := fs.String("o", "", "output file (default: stdout)")
	lang := fs.String("lang", engine.DefaultLanguage, "language of the header")
	tzName := fs.String("tz", "", "time zone (default: the tenant's)")
	nowFlag := fs.String("now", "", "extraction time, RFC 3339 (default: now)")
	filters := filterFlags{}
	fs.Var(filters, "filter", "filter value name=value (repeatable)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return i18n.Errorf(i18n.CLIRunOneReport)
	}
	f, err := export.ParseFormat(*format)
	if err != nil {
		return err
	}
	if *out != "" {
		// Checked before any work; a typo in the folder must not create it.
		if dir := filepath.Dir(*out); !isDir(dir) {
			return i18n.Errorf(i18n.CLIOutputFolderMissing, *out, dir)
		}
	}
	cat, _, _, err := loadCatalog(c.definitions)
	if err != nil {
		return err
	}
	def, ok := cat.Reports[pos[0]]
	if !ok {
		return unknownReport(cat, pos[0])
	}
	b, err := c.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	wh := warehouse()
	now := time.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return fmt.Errorf("--now: %v", err)
		}
	}
	// The same compile path as the server (reporting.Prepare); only the zone
	// is stricter: a tenant the warehouse does not list is an error here.
	app := &reporting.Service{Catalog: cat, Warehouse: b, Tables: wh.Tables, Now: func() time.Time { return now }}
	var loc *time.Location
	if *tzName != "" {
		if loc, err = time.LoadLocation(*tzName); err != nil {
			return i18n.Errorf(i18n.CLIUnknownTimeZone, *tzName)
		}
	} else if loc, err = app.Zone(ctx, uint32(*tenant)); err != nil {
		var unknown reporting.UnknownTenantError
		if errors.As(err, &unknown) {
			return err
		}
		return fmt.Errorf("%w (is the warehouse seeded? run relato seed)", err)
	}
	comp, err := app.Prepare(ctx, reporting.Request{Tenant: uint32(*tenant), ReportID: def.ID, Filters: map[string]any(filters), Now: now, Location: loc})
	if err != nil {
		return err
	}
	var w io.Writer = a.stdout
	var tmp *os.File
	target := *out // the file a link -o names points to, renamed over in place of the link
	if *out != "" {
		if real, err := filepath.EvalSymlinks(*out); err == nil {
			target = real
		}
		if st, err := os.Stat(target); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
			// A device or pipe (-o /dev/stdout, a FIFO) is written to as it
			// is: renaming a file over it would replace it.
			dev, err := os.OpenFile(target, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer dev.Close()
			w = dev
		} else {
			// Write beside the target and rename, so a failed run leaves no half file.
			if tmp, err = createPart(target); err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			w = tmp
		}
	}
	start := time.Now()
	// On a terminal progress rewrites one line; in a log (a pipe, a file) it
	// is a plain line every 10 seconds. The first comes one interval after
	// the start, so a quick run prints only its summary line.
	last := start
	tty := isTerminal(a.stderr)
	cr, every := "", 10*time.Second
	if tty {
		cr, every = "\r", 500*time.Millisecond
	}
	progress := func(n int64) {
		if time.Since(last) < every {
			return
		}
		last = time.Now()
		if tty {
			fmt.Fprintf(a.stderr, "\r%s: %d rows, %s", def.ID, n, time.Since(start).Round(time.Millisecond))
		} else {
			fmt.Fprintf(a.stderr, "%s: %d rows, %s\n", def.ID, n, time.Since(start).Round(time.Millisecond))
		}
	}
	res, err := export.Run(ctx, b, comp, f, *lang, w, progress)
	if err == nil && ctx.Err() != nil {
		// Interrupted while the warehouse was writing: a query it stopped
		// may end without an error, and its file must not replace -o's.
		err = fmt.Errorf("%w: %w", engine.ErrCanceled, ctx.Err())
	}
	if err != nil {
		if tmp != nil {
			tmp.Close()
		}
		return fmt.Errorf("%s: %w", def.ID, err)
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), target); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("%s%s: %d rows, %d bytes in %s", cr, def.ID, res.Rows, res.Bytes, time.Since(start).Round(time.Millisecond))
	if comp.Period != nil {
		msg += fmt.Sprintf(", period %s", comp.Period)
	}
	if def.Rollup != nil {
		if comp.Path == engine.PathRollup {
			msg += ", from the " + comp.PathReason // "rollup wh.calls_1h"
		} else {
			msg += ", raw: " + comp.PathReason
		}
	}
	if res.Truncated {
		msg += fmt.Sprintf(" — TRUNCATED at the report's limit of %d rows", def.Limits.MaxRows)
	}
	if *out != "" {
		msg += " → " + *out
	}
	fmt.Fprintln(a.stderr, msg)
	return nil
}

// isDir reports whether path is an existing folder.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// isTerminal reports whether w is a character device (a terminal), where a
// carriage return rewrites the line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// createPart creates a new hidden file beside path (.name.<random>.part, or
// .relato.<random>.part when name is too long to take the additions) with
// mode 0666 less the umask, like any file a program creates (os.CreateTemp
// would make it 0600 whatever the umask).
func createPart(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if len(base) > 255-len(".."+".part")-12 {
		// The part's name must fit in a folder entry (255 bytes on Linux
		// and macOS file systems) even when the target's name nearly fills it.
		base = "relato"
	}
	for range 100 {
		var b [6]byte
		rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+".part"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("-o %s: cannot create a temporary file beside it", path)
}

func (a *app) lint(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	offline := fs.Bool("offline", false, "skip the checks that need the embedded warehouse")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	dir := ""
	if len(pos) > 0 {
		dir = pos[0]
	}
	cat, _, _, err := loadCatalog(dir)
	var problems engine.Problems
	if err != nil {
		if !errors.As(err, &problems) {
			return err
		}
	}
	if len(problems) == 0 && !*offline {
		tmp, err := os.MkdirTemp("", "relato-lint-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		b, err := chdb.Open(tmp)
		if err != nil {
			return err
		}
		defer b.Close()
		r := engine.FixtureRunner{Backend: b, Warehouse: warehouse()}
		if err := r.Prepare(ctx); err != nil {
			return err
		}
		problems = engine.LintAgainstWarehouse(ctx, b, cat, warehouse())
	}
	var warnings engine.Problems
	if cat != nil {
		warnings = engine.LintPersonalData(cat)
		warnings = append(warnings, engine.LintValueLabels(cat)...)
	}
	all := append(append(engine.Problems{}, problems...), warnings...)
	all.Sort()
	for _, p := range all {
		fmt.Fprintln(a.stdout, p.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(a.stderr, "%d problem(s), %d warning(s)\n", len(problems), len(warnings))
		return failedError{"lint"}
	}
	fmt.Fprintf(a.stderr, "%d definitions, no problems, %d warning(s)\n", len(cat.Reports), len(warnings))
	return nil
}

func (a *app) test(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	runFilter := fs.String("run", "", "only reports whose id matches this regexp")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	dir := ""
	if len(pos) > 0 {
		dir = pos[0]
	}
	var re *regexp.Regexp
	if *runFilter != "" {
		if re, err = regexp.Compile(*runFilter); err != nil {
			return fmt.Errorf("--run: %v", err)
		}
	}
	cat, fsys, _, err := loadCatalog(dir)
	if err != nil {
		var ps engine.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(a.stdout, p.Error())
			}
			return failedError{"test"}
		}
		return err
	}
	tmp, err := os.MkdirTemp("", "relato-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b, err := chdb.Open(tmp)
	if err != nil {
		return err
	}
	defer b.Close()
	runner := &engine.FixtureRunner{Backend: b, Warehouse: warehouse()}
	if err := runner.Prepare(ctx); err != nil {
		return err
	}
	prefix := "definitions"
	if dir != "" {
		prefix = filepath.Clean(dir)
	}
	passed, failed := 0, 0
	for _, def := range cat.List() {
		if re != nil && !re.MatchString(def.ID) {
			continue
		}
		path, ok := cat.Fixtures[def.ID]
		if !ok {
			fmt.Fprintf(a.stdout, "FAIL %s: no fixture (%s)\n", def.ID, strings.TrimSuffix(def.File, ".yaml")+"_test.yaml")
			failed++
			continue
		}
		results, err := runner.RunFile(ctx, def, fsys, path, filepath.Join(prefix, path))
		if err != nil {
			fmt.Fprintf(a.stdout, "FAIL %s: %v\n", def.ID, err)
			failed++
			continue
		}
		for _, r := range results {
			if r.Err != nil {
				fmt.Fprintf(a.stdout, "FAIL %s: %s: %s\n\t%v\n", r.Pos, def.ID, r.Case, r.Err)
				failed++
			} else {
				passed++
			}
		}
	}
	fmt.Fprintf(a.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return failedError{"test"}
	}
	return nil
}

func (a *app) seed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	var c common
	c.register(fs)
	scale := fs.String("scale", "demo", "test, demo or bench")
	tenants := fs.Int("tenants", 0, "number of tenants (default: the scale's)")
	seedN := fs.Uint64("seed", 0, "random seed (default: the scale's)")
	calls := fs.Int64("calls", 0, "voice calls per tenant (default: the scale's; other tables follow)")
	days := fs.Int("days", 0, "days of data before today (default: the scale's)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	opt, err := seed.Scale(*scale)
	if err != nil {
		return err
	}
	if *tenants > 0 {
		opt.Tenants = *tenants
	}
	if *seedN > 0 {
		opt.Seed = *seedN
	}
	if *calls > 0 {
		opt.Calls = *calls
	}
	if *days > 0 {
		opt.Days = *days
	}
	opt.End = time.Now()
	b, err := c.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	start := time.Now()
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS "+engine.WarehouseDatabase); err != nil {
		return err
	}
	if err := seed.Seed(ctx, b, opt); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "seeded %s scale (%d tenants) in %s\n", *scale, opt.Tenants, time.Since(start).Round(time.Millisecond))
	return nil
}

func (a *app) catalog(args []string) error {
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	defs := fs.String("definitions", os.Getenv("RELATO_DEFINITIONS"), "definitions directory")
	out := fs.String("o", "", "output file (default stdout)")
	lang := fs.String("lang", engine.DefaultLanguage, "language")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cat, _, _, err := loadCatalog(*defs)
	if err != nil {
		return err
	}
	w := a.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return engine.WriteCatalogMarkdown(w, cat, *lang)
}

// sql runs one raw statement on the embedded warehouse and prints its output:
// an operator's tool, unscoped by tenant, never reachable from the API.
func (a *app) sql(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	var c common
	c.register(fs)
	format := fs.String("format", "PrettyCompactMonoBlock", "ClickHouse output format")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return i18n.Errorf(i18n.CLISQLOneStatement)
	}
	b, err := chdb.Open(c.data)
	if err != nil {
		return err
	}
	defer b.Close()
	out, err := b.QueryText(ctx, pos[0], *format)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(out)
	return err
}
