package schedules

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestIsSecretField_FollowsTheKindsSpec(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind, field string
		want        bool
	}{
		{"delivery.sftp", "password", true},
		{"sftp", "private_key", true}, // short kinds as the API accepts them
		{"delivery.sftp", "private_key_passphrase", true},
		{"delivery.sftp", "host_key_sha256", false},
		{"delivery.ftps", "password", true},
		{"delivery.email", "password", true},
		{"delivery.email", "username", false},
		// The old guess by name sealed anything ending in "token" or "secret";
		// no kind has such a field, so nothing is sealed by accident.
		{"delivery.email", "api_token", false},
		{"delivery.ftp", "private_key", false}, // not an FTP field
		{"delivery.nope", "password", false},
	}
	for _, c := range cases {
		if got := IsSecretField(c.kind, c.field); got != c.want {
			t.Errorf("IsSecretField(%q, %q) = %v, want %v", c.kind, c.field, got, c.want)
		}
	}
}

func TestSplitSecrets_SealsExactlyTheSpecsSecrets(t *testing.T) {
	t.Parallel()
	cfg := json.RawMessage(`{"host":"h","username":"u","password":"pw","private_key":"KEY","private_key_passphrase":"pp","directory":"/in"}`)
	pub, sec, err := splitSecrets("delivery.sftp", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(pub)); !slices.Equal(got, []string{"directory", "host", "username"}) {
		t.Errorf("public keys %v", got)
	}
	if got := slices.Sorted(maps.Keys(sec)); !slices.Equal(got, []string{"password", "private_key", "private_key_passphrase"}) {
		t.Errorf("secret keys %v", got)
	}
	if _, _, err := splitSecrets("delivery.carrier_pigeon", cfg); err == nil || !strings.Contains(err.Error(), "unknown destination kind") {
		t.Errorf("unknown kind: err = %v", err)
	}
}

func TestOpenDestinations_RowsSealedBeforeTheSpecStillOpen(t *testing.T) {
	t.Parallel()
	sealer, err := NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	// A row as the name-guessing version wrote it: public config, and the
	// secrets sealed for the schedule id.
	sealed, err := sealer.Seal([]byte(`{"password":"old-pw","private_key_passphrase":"old-pp"}`), "sch-1")
	if err != nil {
		t.Fatal(err)
	}
	row, _ := json.Marshal([]storedDestination{{Kind: "delivery.sftp",
		Config: map[string]json.RawMessage{"host": json.RawMessage(`"h"`), "username": json.RawMessage(`"u"`)}, Secrets: sealed}})
	s := &Store{sealer: sealer}
	ds, err := s.openDestinations("sch-1", string(row))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]string
	json.Unmarshal(ds[0].Config, &cfg)
	if cfg["password"] != "old-pw" || cfg["private_key_passphrase"] != "old-pp" || cfg["host"] != "h" || ds[0].Kind != "delivery.sftp" {
		t.Errorf("opened %s %v", ds[0].Kind, cfg)
	}
	// Sealed again by this version, the same config comes back whole.
	again, err := s.sealDestinations("sch-1", ds)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(again, "old-pw") || strings.Contains(again, "old-pp") {
		t.Fatalf("a secret is stored in plain text: %s", again)
	}
	back, err := s.openDestinations("sch-1", again)
	if err != nil {
		t.Fatal(err)
	}
	if string(back[0].Config) != string(ds[0].Config) {
		t.Errorf("round trip %s, want %s", back[0].Config, ds[0].Config)
	}
}

func TestBindingChanges_NamesTheChangedHostPortAndUsername(t *testing.T) {
	stored := map[string]any{"host": "ftp.example.com", "port": float64(21), "username": "relato", "password": "s3cret", "directory": "/in"}
	for _, tc := range []struct {
		name  string
		given map[string]any
		want  string
	}{
		{"the same server, another folder", map[string]any{"host": "ftp.example.com", "port": 21, "username": "relato", "directory": "/out"}, ""},
		{"another host", map[string]any{"host": "127.0.0.2", "port": 21, "username": "relato"}, "host"},
		{"another port and user", map[string]any{"host": "ftp.example.com", "port": 2121, "username": "root"}, "port,username"},
		{"the port left out", map[string]any{"host": "ftp.example.com", "username": "relato"}, "port"},
		{"the port as text", map[string]any{"host": "ftp.example.com", "port": "21", "username": "relato"}, "port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(BindingChanges(tc.given, stored), ","); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChanges_NamesWhatAnEditChangedButNoSecretValue(t *testing.T) {
	old := &Schedule{Name: "Diário", ReportID: "kpis.service_level", Filters: json.RawMessage(`{"period":"yesterday","interval":"1h"}`),
		Recurrence: "0 7 * * *", TimeZone: "America/Sao_Paulo", Format: "csv", Destinations: []Destination{
			{Kind: "delivery.ftp", Config: json.RawMessage(`{"host":"ftp.example.com","port":21,"username":"relato","password":"old-s3cret"}`)}}}
	edited := *old
	edited.Filters = json.RawMessage(`{"interval": "1h", "period": "yesterday"}`) // same values, other order
	edited.Recurrence = "0 8 * * *"
	edited.Destinations = []Destination{
		{Kind: "ftp", Config: json.RawMessage(`{"host":"127.0.0.2","port":21,"username":"relato","password":"new-s3cret"}`)},
		{Kind: "delivery.email", Config: json.RawMessage(`{"to":["a@example.com"]}`)}}
	got := strings.Join(Changes(old, &edited), "; ")
	want := "recurrence; destinations[0].config.host; destinations[0].config.password; destinations[1] added"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if strings.Contains(got, "s3cret") {
		t.Fatal("a secret's value is in the audit detail")
	}
	if c := Changes(old, old); len(c) != 0 {
		t.Fatalf("no edit, changes %v", c)
	}
}
