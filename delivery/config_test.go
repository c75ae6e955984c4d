package delivery_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relato/relato/delivery"
)

func TestNew_BadConfigNamesEveryField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		kind string
		cfg  string
		want []string // each a "field: message" prefix that must appear
	}{
		{"port out of range", delivery.KindFTP, `{"host":"ftp.example.com","port":70000,"username":"u","password":"p"}`,
			[]string{"port: must be 1–65535"}},
		{"SFTP with FTP's encryption field", delivery.KindSFTP, `{"host":"h.example.com","username":"u","password":"p","encryption":"implicit"}`,
			[]string{`encryption: "implicit" is not valid for sftp`}},
		{"e-mail without recipients", delivery.KindEmail, `{"host":"smtp.example.com","from":"r@example.com","recipients":[]}`,
			[]string{"recipients: at least one"}},
		{"all problems together", delivery.KindSFTP, `{"port":0,"pasword":"x","host_key_sha256":"md5:abc","timeout_seconds":"5"}`,
			[]string{"pasword: unknown field", "timeout_seconds: must be an integer", "host: required", "username: required",
				"password: a password or a private_key is required", `host_key_sha256: must look like "SHA256:"`}},
		{"FTPS encryption that contradicts the kind", delivery.KindFTPS, `{"host":"h","username":"u","encryption":"explicit","tls":{"fingerprint_sha256":"zz"}}`,
			[]string{`encryption: "explicit" is not valid for delivery.ftps`, "tls.fingerprint_sha256: must be 64 hex digits"}},
		{"plain FTP with TLS settings", delivery.KindFTP, `{"host":"h","username":"u","tls":{"ca_pem":"x"}}`,
			[]string{"tls: plain FTP has no TLS", "tls.ca_pem: no PEM certificate found"}},
		{"e-mail with a bad recipient and clear-text password", delivery.KindEmail,
			`{"host":"smtp.example.com","port":-1,"from":"nobody","recipients":["ok@example.com","not an address"],"username":"u","password":"p","encryption":"none"}`,
			[]string{"port: must be 1–65535", "from: not an e-mail address", "recipients[1]: not an e-mail address",
				`encryption: "none" would send the password in clear text`}},
		{"an encrypted private key without passphrase", delivery.KindSFTP, fmt.Sprintf(`{"host":"h","username":"u","private_key":%q,"insecure_ignore_host_key":true}`, encryptedKeyPEM(t)),
			[]string{"private_key: is encrypted; set private_key_passphrase"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := delivery.New(c.kind, []byte(c.cfg))
			var ce *delivery.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.String())
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("missing problem %q in:\n  %s", w, strings.Join(got, "\n  "))
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("got %d problems, want %d:\n  %s", len(got), len(c.want), strings.Join(got, "\n  "))
			}
		})
	}
}

func TestNew_UnknownKindIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := delivery.New("delivery.fax", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "delivery.sftp") {
		t.Fatalf("err = %v, want one listing the known kinds", err)
	}
}

func TestRegistry_HasEveryKindAndRefusesDuplicates(t *testing.T) {
	t.Parallel()
	want := []string{"delivery.email", "delivery.ftp", "delivery.ftpes", "delivery.ftps", "delivery.sftp"}
	for _, k := range want {
		if !slices.Contains(delivery.Kinds(), k) {
			t.Errorf("kind %s not registered (have %v)", k, delivery.Kinds())
		}
	}
	spec, _ := delivery.Spec(delivery.KindSFTP)
	if err := delivery.Register(spec, func([]byte, delivery.Options) (delivery.Destination, error) { return nil, nil }); err == nil {
		t.Error("registering delivery.sftp twice succeeded")
	}
}

func TestConfig_SecretsNeverShowInJSONOrPrint(t *testing.T) {
	t.Parallel()
	const pw, key = "hunter2-secret", "-----BEGIN OPENSSH PRIVATE KEY-----"
	cases := []struct{ kind, cfg string }{
		{delivery.KindFTPS, `{"host":"h.example.com","username":"u","password":"` + pw + `"}`},
		{delivery.KindSFTP, `{"host":"h.example.com","username":"u","password":"` + pw + `","insecure_ignore_host_key":true}`},
		{delivery.KindEmail, `{"host":"h.example.com","username":"u","password":"` + pw + `","from":"a@example.com","recipients":["b@example.com"]}`},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			d, err := delivery.New(c.kind, []byte(c.cfg))
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			cfg := reflect.ValueOf(d).MethodByName("Config").Call(nil)[0].Interface()
			shown := []string{string(js), fmt.Sprintf("%v", d), fmt.Sprintf("%+v", d), fmt.Sprintf("%#v", d),
				fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)}
			for _, s := range shown {
				if strings.Contains(s, pw) || strings.Contains(s, key) {
					t.Errorf("secret shown: %s", s)
				}
			}
			if !strings.Contains(string(js), `"password":"[redacted]"`) || !strings.Contains(string(js), `"host":"h.example.com"`) {
				t.Errorf("display JSON = %s, want the host and a redacted password", js)
			}
		})
	}
}
