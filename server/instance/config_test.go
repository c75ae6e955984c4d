package instance

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadConfig_DefaultsWhenNothingIsGiven(t *testing.T) {
	c, err := LoadConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8080", DB: "sqlite:.data/relato.db", Data: ".data/warehouse", Workers: 2, Lease: 30 * time.Second,
		Retention: 2160 * time.Hour, SecretKeyFile: ".data/secret.key", LogLevel: "info"} // 90 days × 24 h = 2160 h
	if c.Addr != want.Addr || c.DB != want.DB || c.Data != want.Data || c.Workers != want.Workers || c.Lease != want.Lease ||
		c.Retention != want.Retention || c.SecretKeyFile != want.SecretKeyFile || c.LogLevel != want.LogLevel || c.Demo || len(c.AllowOutbound) != 0 {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestLoadConfig_FlagBeatsEnvironmentWhichBeatsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "relato.yaml")
	os.WriteFile(file, []byte("workers: 3\nlease: 10s\nretention: 48h\nallow-outbound:\n  - 10.0.0.0/8\n  - 127.0.0.1\ndemo: true\n"), 0o600)
	c, err := LoadConfig([]string{"--config", file, "--workers", "5"}, env(map[string]string{"RELATO_WORKERS": "4", "RELATO_LEASE": "20s"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// workers: file 3, env 4, flag 5 → 5; lease: file 10s, env 20s → 20s; retention only in the file.
	if c.Workers != 5 || c.Lease != 20*time.Second || c.Retention != 48*time.Hour || !c.Demo || c.File != file {
		t.Fatalf("got workers %d lease %s retention %s demo %v file %q", c.Workers, c.Lease, c.Retention, c.Demo, c.File)
	}
	if strings.Join(c.AllowOutbound, "|") != "10.0.0.0/8|127.0.0.1" {
		t.Fatalf("allow-outbound from a YAML list: %q", c.AllowOutbound)
	}
	// RELATO_CONFIG names the file when --config does not.
	c, err = LoadConfig(nil, env(map[string]string{"RELATO_CONFIG": file}), io.Discard)
	if err != nil || c.Workers != 3 {
		t.Fatalf("RELATO_CONFIG: workers %d, %v", c.Workers, err)
	}
}

func TestLoadConfig_DemoAloneMeansTrue(t *testing.T) {
	c, err := LoadConfig([]string{"--demo", "--addr", "127.0.0.1:9999"}, env(nil), io.Discard)
	if err != nil || !c.Demo || c.Addr != "127.0.0.1:9999" {
		t.Fatalf("demo %v addr %q err %v", c.Demo, c.Addr, err)
	}
}

func TestLoadConfig_EveryBadValueIsReportedTogether(t *testing.T) {
	bad := map[string]string{
		"RELATO_ADDR":            "no-port",
		"RELATO_DB":              "mysql://x",
		"RELATO_WAREHOUSE":       "http://host",
		"RELATO_DEFINITIONS":     "/nonexistent/definitions",
		"RELATO_WORKERS":         "many",
		"RELATO_LEASE":           "soon",
		"RELATO_RETENTION":       "10m",
		"RELATO_SECRET_KEY":      "c2hvcnQ=", // "short": 5 bytes, not 32
		"RELATO_ALLOW_OUTBOUND":  "999.1.1.1/40",
		"RELATO_FAILURE_WEBHOOK": "ftp://example.com/hook",
		"RELATO_PLUGINS":         "/nonexistent/plugins",
		"RELATO_DEMO":            "perhaps",
		"RELATO_LOG_LEVEL":       "loud",
	}
	_, err := LoadConfig(nil, env(bad), io.Discard)
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConfigError, got %v", err)
	}
	msg := err.Error()
	for name := range bad {
		if !strings.Contains(msg, name) {
			t.Errorf("no problem names %s:\n%s", name, msg)
		}
	}
	// 13 variables; "many" and "soon" fail to parse (2 problems), the other 11
	// fail validation; --data is not reported because nothing is wrong with it.
	if len(ce.Problems) != 13 {
		t.Errorf("%d problems, want 13:\n%s", len(ce.Problems), msg)
	}
	if strings.Contains(msg, "c2hvcnQ=") {
		t.Error("the secret key's value is echoed")
	}
	// Workers out of range reads as such.
	_, err = LoadConfig([]string{"--workers", "0"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--workers (RELATO_WORKERS): must be between 1 and 64, got 0") {
		t.Fatalf("workers 0: %v", err)
	}
}

func TestLoadConfig_FileProblemsHaveLineAndColumn(t *testing.T) {
	file := filepath.Join(t.TempDir(), "relato.yaml")
	os.WriteFile(file, []byte("addr: 127.0.0.1:8080\nworkres: 3\nlease: later\n"), 0o600)
	_, err := LoadConfig([]string{"--config", file}, env(nil), io.Discard)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{file + `:2:1: unknown setting "workres"`, file + `:3:8: lease: not a duration`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestLoadConfig_UnknownFlagAndHelp(t *testing.T) {
	if _, err := LoadConfig([]string{"--wrokers", "2"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "wrokers") {
		t.Fatalf("unknown flag: %v", err)
	}
	var usage strings.Builder
	if _, err := LoadConfig([]string{"-h"}, env(nil), &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, st := range settings() {
		if !strings.Contains(usage.String(), "--"+st.name) || !strings.Contains(usage.String(), EnvName(st.name)) {
			t.Errorf("usage lacks --%s or %s", st.name, EnvName(st.name))
		}
	}
}

// TestREADME_ListsEverySetting keeps the README's settings table true: each
// flag and its variable appear there.
func TestREADME_ListsEverySetting(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range append(settings(), setting{name: "config"}) {
		for _, want := range []string{"`--" + st.name + "`", "`" + EnvName(st.name) + "`"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("README.md lacks %s", want)
			}
		}
	}
}

// Issue 14: the notices' relay is checked at start-up; a bad value names its
// setting and never repeats the URL, which may hold the password.
func TestLoadConfig_SMTPRelayIsCheckedWithoutShowingItsPassword(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"RELATO_SMTP_RELAY": "http://ana:s3cr3t@mail.example.com", "RELATO_MAIL_FROM": "relato@example.com"}, "--smtp-relay"},
		{map[string]string{"RELATO_SMTP_RELAY": "smtp://ana:s3cr3t@mail.example.com:587"}, "--mail-from"},
		{map[string]string{"RELATO_MAIL_FROM": "relato@example.com"}, "--smtp-relay"},
		{map[string]string{"RELATO_SMTP_RELAY": "smtps://ana:s3cr3t@mail.example.com:465", "RELATO_MAIL_FROM": "relato@example.com", "RELATO_SMTP_RELAY_CA_FILE": "/no/such/ca.pem"}, "--smtp-relay-ca-file"},
	} {
		_, err := LoadConfig(nil, env(c.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%v: %v; want a problem naming %s without the password", c.env, err, c.want)
		}
	}
	ok := map[string]string{"RELATO_SMTP_RELAY": "smtps://ana:s3cr3t@mail.example.com:465", "RELATO_MAIL_FROM": "Relatórios <relato@example.com>"}
	cfg, err := LoadConfig(nil, env(ok), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	relay, err := cfg.relayConfig()
	if err != nil || relay.Host != "mail.example.com" || relay.Port != 465 || relay.Encryption != "tls" || relay.Username != "ana" || relay.Password.Reveal() != "s3cr3t" {
		t.Errorf("relay %+v %v", relay, err)
	}
}

func TestLoadConfig_ResultsModeNeedsWhatItNames(t *testing.T) {
	cases := []struct {
		args []string
		want string // "" = accepted
	}{
		{[]string{"--results-mode", "single"}, ""},
		{[]string{"--warehouse", "clickhouse://ch:9000/wh", "--results-mode", "on-cluster", "--results-cluster", "relato"}, ""},
		{[]string{"--warehouse", "clickhouse+http://ch:8123/wh", "--results-mode", "replicated"}, ""},
		{[]string{"--warehouse", "clickhouse://ch:9000/wh", "--results-mode", "on-cluster"}, "--results-cluster (RELATO_RESULTS_CLUSTER): on-cluster needs the cluster's name"},
		{[]string{"--warehouse", "clickhouse://ch:9000/wh", "--results-mode", "sharded"}, "--results-mode (RELATO_RESULTS_MODE): want single, on-cluster or replicated"},
		{[]string{"--results-mode", "replicated"}, "--results-mode (RELATO_RESULTS_MODE): replicated needs a ClickHouse cluster (--warehouse)"},
	}
	for _, c := range cases {
		_, err := LoadConfig(c.args, env(nil), io.Discard)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}
