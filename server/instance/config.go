package instance

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/snapshot"
)

// Config is every setting of `relato serve`. Each has a flag (--name), an
// environment variable (RELATO_NAME, dashes as underscores) and a key in the
// optional YAML file (name: value); a flag beats the environment, which beats
// the file, which beats the default. LoadConfig reports every bad value
// together, each naming where it came from.
type Config struct {
	// File is the YAML file the other settings were read from ("" when none).
	File string
	// Addr is the listen address, host:port.
	Addr string
	// DB is the control-plane database: sqlite:<path> or postgres://….
	DB string
	// Data is the embedded warehouse's directory (chDB), used when Warehouse is empty.
	Data string
	// Warehouse is a ClickHouse server URL (clickhouse://user:pass@host:9000/wh).
	Warehouse string
	// ResultsCluster and ResultsMode say how result tables are created on a
	// ClickHouse cluster (snapshot.Cluster): mode single (default),
	// on-cluster (DDL ON CLUSTER ResultsCluster) or replicated (a Replicated
	// results database).
	ResultsCluster, ResultsMode string
	// Definitions is a folder of report definitions instead of the built-in catalog.
	Definitions string
	// Workers is how many runs execute at the same time (different wallets), 1–64.
	Workers int
	// Lease is how soon another instance resumes a crashed worker's run (≥ 1s).
	Lease time.Duration
	// DeliveryLease is how soon another instance resumes a crashed
	// instance's scheduled delivery (≥ 1s).
	DeliveryLease time.Duration
	// OIDC connects the platform's OpenID Connect provider: when Issuer is
	// set, its signed JWTs are accepted as bearer tokens (auth.OIDCConfig).
	OIDC auth.OIDCConfig
	// MaxWaitingPerUser and MaxWaitingPerTenant cap the runs waiting at once
	// for one user and one tenant; beyond them a request answers 429 with
	// Retry-After. 0: no cap.
	MaxWaitingPerUser, MaxWaitingPerTenant int
	// Retention is how long after they end runs and snapshots are kept (≥ 1h).
	Retention time.Duration
	// SecretKey is the base64 AES-256 key that encrypts destination secrets;
	// when empty it is read from SecretKeyFile (created on first start).
	SecretKey     string
	SecretKeyFile string
	// AllowOutbound lists CIDRs or hosts deliveries may reach although they are
	// private or loopback.
	AllowOutbound []string
	// FailureWebhook receives a JSON notice when a scheduled delivery fails.
	FailureWebhook string
	// PublicURL is where people reach the pages and the API
	// (https://relato.example.com); e-mails link files too big to attach
	// under it. Empty: no links (such e-mails fail).
	PublicURL string
	// SMTPRelay is the relay run-end notices are mailed through:
	// smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465
	// (TLS); SMTPRelayCAFile a PEM file of the private CA its certificate is
	// signed by; MailFrom the notices' sender. Empty relay: no e-mail notices.
	SMTPRelay, SMTPRelayCAFile, MailFrom string
	// LinkTTL is how long a download link in an e-mail works (≥ 1h).
	LinkTTL time.Duration
	// Plugins is the folder of custom-report plugins ("" for none).
	Plugins string
	// Demo creates demo users for tenant 1 and prints their tokens.
	Demo bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
}

// setting describes one Config field for the three sources.
type setting struct {
	name, usage string
	// set parses a raw value into c; the error says what is wrong with it.
	set func(c *Config, raw string) error
	// show is the default as the usage text prints it.
	show func(c *Config) string
}

func str(p func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error { *p(c) = v; return nil }, func(c *Config) string { return *p(c) }
}

func settings() []setting {
	s := func(name, usage string, p func(*Config) *string) setting {
		set, show := str(p)
		return setting{name: name, usage: usage, set: set, show: show}
	}
	dur := func(name, usage string, p func(*Config) *time.Duration) setting {
		return setting{name: name, usage: usage, show: func(c *Config) string { return p(c).String() },
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(strings.TrimSpace(v))
				if err != nil {
					return fmt.Errorf("not a duration (e.g. 30s, 2h, 2160h): %q", v)
				}
				*p(c) = d
				return nil
			}}
	}
	num := func(name, usage string, p func(*Config) *int) setting {
		return setting{name: name, usage: usage, show: func(c *Config) string { return strconv.Itoa(*p(c)) },
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					return fmt.Errorf("not a whole number: %q", v)
				}
				*p(c) = n
				return nil
			}}
	}
	return []setting{
		s("addr", "listen address, host:port", func(c *Config) *string { return &c.Addr }),
		s("db", "control-plane database: sqlite:<path> or postgres://user@host/db", func(c *Config) *string { return &c.DB }),
		s("data", "embedded warehouse directory (chDB)", func(c *Config) *string { return &c.Data }),
		s("warehouse", "ClickHouse server URL, clickhouse://user:pass@host:9000/wh, or clickhouse+http://…:8123/wh for its HTTP interface (default: the embedded chDB in --data)", func(c *Config) *string { return &c.Warehouse }),
		s("results-cluster", "ClickHouse cluster (remote_servers) whose every node gets the result tables, with --results-mode on-cluster", func(c *Config) *string { return &c.ResultsCluster }),
		s("results-mode", "how result tables reach every ClickHouse node: single (one server), on-cluster (DDL ON CLUSTER) or replicated (a Replicated results database) (default single)", func(c *Config) *string { return &c.ResultsMode }),
		s("definitions", "report definitions directory (default: the built-in catalog)", func(c *Config) *string { return &c.Definitions }),
		{name: "workers", usage: "runs executed at the same time (different wallets), 1-64",
			show: func(c *Config) string { return strconv.Itoa(c.Workers) },
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					return fmt.Errorf("not a whole number: %q", v)
				}
				c.Workers = n
				return nil
			}},
		num("max-waiting-per-user", "runs one user may have waiting at once; more answer 429 with Retry-After (0: no cap)", func(c *Config) *int { return &c.MaxWaitingPerUser }),
		num("max-waiting-per-tenant", "runs one tenant may have waiting at once; more answer 429 with Retry-After (0: no cap)", func(c *Config) *int { return &c.MaxWaitingPerTenant }),
		dur("lease", "a run's worker lease: how soon another instance resumes a crashed worker's run", func(c *Config) *time.Duration { return &c.Lease }),
		dur("delivery-lease", "a scheduled delivery's lease: how soon another instance resumes a crashed instance's delivery", func(c *Config) *time.Duration { return &c.DeliveryLease }),
		dur("retention", "remove runs and snapshots this long after they ended", func(c *Config) *time.Duration { return &c.Retention }),
		s("secret-key", "base64 AES-256 key that encrypts destination secrets (openssl rand -base64 32); overrides --secret-key-file", func(c *Config) *string { return &c.SecretKey }),
		s("secret-key-file", "file holding the secret key (created with a random key if missing); default: secret.key beside the --data folder", func(c *Config) *string { return &c.SecretKeyFile }),
		{name: "allow-outbound", usage: "comma-separated CIDRs/hosts deliveries may reach although private or loopback",
			show: func(c *Config) string { return strings.Join(c.AllowOutbound, ",") },
			set: func(c *Config, v string) error {
				c.AllowOutbound = nil
				for _, a := range strings.Split(v, ",") {
					if a = strings.TrimSpace(a); a != "" {
						c.AllowOutbound = append(c.AllowOutbound, a)
					}
				}
				return nil
			}},
		s("failure-webhook", "URL that receives a JSON notice when a scheduled delivery fails (opt-in)", func(c *Config) *string { return &c.FailureWebhook }),
		s("public-url", "where people reach relato (https://relato.example.com): e-mails link files too big to attach under it", func(c *Config) *string { return &c.PublicURL }),
		s("smtp-relay", "SMTP relay run-end notices are mailed through: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS); empty: no e-mail notices", func(c *Config) *string { return &c.SMTPRelay }),
		s("smtp-relay-ca-file", "PEM file of the private CA the SMTP relay's certificate is signed by (empty: the system's roots)", func(c *Config) *string { return &c.SMTPRelayCAFile }),
		s("mail-from", "sender of run-end notices, e.g. \"Relatórios <relato@example.com>\"", func(c *Config) *string { return &c.MailFrom }),
		dur("link-ttl", "how long a download link sent by e-mail works", func(c *Config) *time.Duration { return &c.LinkTTL }),
		s("plugins", "folder of custom-report plugins (binaries and <name>.plugin.json manifests); empty: none", func(c *Config) *string { return &c.Plugins }),
		{name: "demo", usage: "create demo users for tenant 1 and print their tokens",
			show: func(c *Config) string { return strconv.FormatBool(c.Demo) },
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(strings.TrimSpace(v))
				if err != nil {
					return fmt.Errorf("not true or false: %q", v)
				}
				c.Demo = b
				return nil
			}},
		s("oidc-issuer", "the platform's OpenID Connect issuer URL; its signed JWTs are then accepted as bearer tokens (empty: off)", func(c *Config) *string { return &c.OIDC.Issuer }),
		s("oidc-audience", "the audience (client id) OpenID Connect tokens must carry; empty: any", func(c *Config) *string { return &c.OIDC.Audience }),
		s("oidc-tenant-claim", "the claim holding the tenant number (a dotted path for nested claims)", func(c *Config) *string { return &c.OIDC.TenantClaim }),
		s("oidc-role-claim", "the claim holding the role: viewer, manager, admin or operator", func(c *Config) *string { return &c.OIDC.RoleClaim }),
		s("oidc-name-claim", "the claim holding the user's display name", func(c *Config) *string { return &c.OIDC.NameClaim }),
		s("log-level", "debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }),
	}
}

// EnvName is the environment variable of a setting: RELATO_ and the flag
// name in capitals, dashes as underscores (secret-key → RELATO_SECRET_KEY).
func EnvName(flagName string) string {
	return "RELATO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Defaults is the configuration with no flag, variable or file.
func Defaults() Config {
	return Config{
		Addr: "127.0.0.1:8080", DB: "sqlite:.data/relato.db", Data: ".data/warehouse",
		Workers: 2, Lease: 30 * time.Second, Retention: 90 * 24 * time.Hour,
		MaxWaitingPerUser: 50, MaxWaitingPerTenant: 500, DeliveryLease: time.Minute,
		OIDC:    auth.OIDCConfig{TenantClaim: "tenant_id", RoleClaim: "role", NameClaim: "name"},
		LinkTTL: 7 * 24 * time.Hour, LogLevel: "info",
	}
}

// ConfigError lists every problem found in a configuration, one per line.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string { return strings.Join(e.Problems, "\n") }

// LoadConfig reads the configuration of `relato serve` from args (flags; -h
// prints the usage to usage and returns flag.ErrHelp), the environment (getenv,
// usually os.LookupEnv) and the YAML file named by --config or RELATO_CONFIG.
// Every problem — unknown flags or keys, unparsable values, values out of range
// — comes back together in one *ConfigError.
func LoadConfig(args []string, getenv func(string) (string, bool), usage io.Writer) (Config, error) {
	c := Defaults()
	all := settings()
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	// Flags are read first (to find --config) and applied last.
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	given := map[string]string{}
	var order []string
	configFile := ""
	fs.Func("config", "YAML file with any of the settings below (keys are the flag names)", func(v string) error { configFile = v; return nil })
	for _, st := range all {
		record := func(v string) {
			if _, seen := given[st.name]; !seen {
				order = append(order, st.name)
			}
			given[st.name] = v
		}
		if st.name == "demo" { // --demo alone means true, as a boolean flag
			fs.Var(boolFunc(record), st.name, st.usage)
			continue
		}
		fs.Func(st.name, st.usage, func(v string) error { record(v); return nil })
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(usage, all)
			return c, flag.ErrHelp
		}
		bad("%v", err)
	}
	if fs.NArg() > 0 {
		bad("serve takes no arguments, got %q", strings.Join(fs.Args(), " "))
	}
	if configFile == "" {
		configFile, _ = getenv("RELATO_CONFIG")
	}
	if configFile != "" {
		c.File = configFile
		problems = append(problems, readFile(&c, configFile, all)...)
	}
	for _, st := range all {
		if v, ok := getenv(EnvName(st.name)); ok && v != "" {
			if err := st.set(&c, v); err != nil {
				bad("%s: %v", EnvName(st.name), err)
			}
		}
	}
	for _, name := range order {
		for _, st := range all {
			if st.name == name {
				if err := st.set(&c, given[name]); err != nil {
					bad("--%s: %v", name, err)
				}
			}
		}
	}
	if c.SecretKeyFile == "" && c.Data != "" {
		// Beside the warehouse folder, so nothing lands in the working
		// directory when --data points elsewhere.
		c.SecretKeyFile = filepath.Join(filepath.Dir(filepath.Clean(c.Data)), "secret.key")
	}
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, &ConfigError{Problems: problems}
	}
	return c, nil
}

// boolFunc lets --demo stand alone like a boolean flag.
type boolFunc func(string)

func (f boolFunc) String() string     { return "" }
func (f boolFunc) Set(v string) error { f(v); return nil }
func (f boolFunc) IsBoolFlag() bool   { return true }

func readFile(c *Config, path string, all []setting) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{fmt.Sprintf("--config: %v", err)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return []string{fmt.Sprintf("%s:%d:%d: expected a mapping of setting: value", path, m.Line, m.Column)}
	}
	var problems []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var st *setting
		for j := range all {
			if all[j].name == k.Value {
				st = &all[j]
			}
		}
		if st == nil {
			problems = append(problems, fmt.Sprintf("%s:%d:%d: unknown setting %q", path, k.Line, k.Column, k.Value))
			continue
		}
		raw := v.Value
		if v.Kind == yaml.SequenceNode {
			var items []string
			for _, it := range v.Content {
				items = append(items, it.Value)
			}
			raw = strings.Join(items, ",")
		} else if v.Kind != yaml.ScalarNode {
			problems = append(problems, fmt.Sprintf("%s:%d:%d: %s: expected a value", path, v.Line, v.Column, k.Value))
			continue
		}
		if err := st.set(c, raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d:%d: %s: %v", path, v.Line, v.Column, k.Value, err))
		}
	}
	return problems
}

// validate checks ranges and forms; each problem names the flag and variable.
func (c *Config) validate() []string {
	var problems []string
	bad := func(name, format string, a ...any) {
		problems = append(problems, fmt.Sprintf("--%s (%s): %s", name, EnvName(name), fmt.Sprintf(format, a...)))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr", "want host:port, e.g. 127.0.0.1:8080, got %q", c.Addr)
	}
	switch {
	case strings.HasPrefix(c.DB, "sqlite:"):
		if strings.TrimPrefix(c.DB, "sqlite:") == "" {
			bad("db", "sqlite: needs a file path, e.g. sqlite:.data/relato.db")
		}
	case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		if _, err := url.Parse(c.DB); err != nil {
			bad("db", "not a valid postgres:// URL")
		}
	default:
		bad("db", "want sqlite:<path> or postgres://…")
	}
	if c.Warehouse == "" && c.Data == "" {
		bad("data", "the embedded warehouse needs a directory (or set --warehouse)")
	}
	if c.Warehouse != "" {
		if u, err := url.Parse(c.Warehouse); err != nil || (u.Scheme != "clickhouse" && u.Scheme != "clickhouse+http") || u.Host == "" {
			bad("warehouse", "want clickhouse://user:pass@host:9000/db (or clickhouse+http://user:pass@host:8123/db)")
		}
	}
	if mode, err := snapshot.ParseClusterMode(c.ResultsMode); err != nil {
		bad("results-mode", "%v", err)
	} else if err := (snapshot.Cluster{Name: c.ResultsCluster, Mode: mode}).Validate(); err != nil {
		bad("results-cluster", "%v", err)
	} else if mode != snapshot.ModeSingle && c.Warehouse == "" {
		bad("results-mode", "%s needs a ClickHouse cluster (--warehouse); the embedded warehouse is one server", mode)
	}
	if c.Definitions != "" {
		if st, err := os.Stat(c.Definitions); err != nil || !st.IsDir() {
			bad("definitions", "no such directory: %s", c.Definitions)
		}
	}
	if c.Plugins != "" {
		if st, err := os.Stat(c.Plugins); err != nil || !st.IsDir() {
			bad("plugins", "no such directory: %s", c.Plugins)
		}
	}
	if c.Workers < 1 || c.Workers > 64 {
		bad("workers", "must be between 1 and 64, got %d", c.Workers)
	}
	if c.MaxWaitingPerUser < 0 {
		bad("max-waiting-per-user", "must be 0 (no cap) or more, got %d", c.MaxWaitingPerUser)
	}
	if c.MaxWaitingPerTenant < 0 {
		bad("max-waiting-per-tenant", "must be 0 (no cap) or more, got %d", c.MaxWaitingPerTenant)
	}
	if c.OIDC.Issuer != "" {
		if u, err := url.Parse(c.OIDC.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("oidc-issuer", "want the provider's issuer URL, e.g. https://login.example.com/")
		}
	}
	if c.DeliveryLease < time.Second {
		bad("delivery-lease", "must be at least 1s, got %s", c.DeliveryLease)
	}
	if c.Lease < time.Second {
		bad("lease", "must be at least 1s, got %s", c.Lease)
	}
	if c.Retention < time.Hour {
		bad("retention", "must be at least 1h, got %s", c.Retention)
	}
	if c.SecretKey != "" {
		if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.SecretKey)); err != nil || len(k) != 32 {
			bad("secret-key", "want 32 bytes in standard base64 (openssl rand -base64 32); the value is not shown")
		}
	} else if c.SecretKeyFile == "" {
		bad("secret-key-file", "needed when --secret-key is not set")
	}
	if _, err := delivery.NewGuard(c.AllowOutbound...); err != nil {
		bad("allow-outbound", "%v", err)
	}
	if c.FailureWebhook != "" {
		if u, err := url.Parse(c.FailureWebhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("failure-webhook", "want an http:// or https:// URL")
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("public-url", "want an http:// or https:// URL without query, e.g. https://relato.example.com")
		}
	}
	if c.SMTPRelay != "" || c.MailFrom != "" {
		if _, err := c.relayConfig(); err != nil {
			bad(err.(settingError).name, "%s", err.(settingError).msg)
		}
	}
	if c.LinkTTL < time.Hour {
		bad("link-ttl", "must be at least 1h, got %s", c.LinkTTL)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	return problems
}

func printUsage(w io.Writer, all []setting) {
	def := Defaults()
	fmt.Fprintln(w, "usage: relato serve [flags]\n\nEvery flag also reads RELATO_<NAME> and the YAML file of --config (RELATO_CONFIG); flags win, then the environment, then the file.")
	fmt.Fprintf(w, "  --%-16s %s [RELATO_CONFIG]\n", "config", "YAML file of settings (keys are the flag names)")
	for _, st := range all {
		d := st.show(&def)
		if st.name == "secret-key" {
			d = ""
		}
		if d != "" {
			d = " (default " + d + ")"
		}
		fmt.Fprintf(w, "  --%-16s %s%s [%s]\n", st.name, st.usage, d, EnvName(st.name))
	}
}
