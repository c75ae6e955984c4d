package delivery_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relato/relato/delivery"
)

// configTypes are the Go config structs behind each kind's spec.
var configTypes = map[string]reflect.Type{
	delivery.KindEmail: reflect.TypeFor[delivery.EmailConfig](),
	delivery.KindFTP:   reflect.TypeFor[delivery.FTPConfig](),
	delivery.KindFTPES: reflect.TypeFor[delivery.FTPConfig](),
	delivery.KindFTPS:  reflect.TypeFor[delivery.FTPConfig](),
	delivery.KindSFTP:  reflect.TypeFor[delivery.SFTPConfig](),
}

// structFields maps every JSON key of a config struct (nested structs as
// "tls.ca_pem") to the spec types its Go type allows.
func structFields(t reflect.Type, prefix string, out map[string][]string) {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		switch {
		case f.Type.Kind() == reflect.Struct:
			structFields(f.Type, prefix+name+".", out)
		case f.Type.Kind() == reflect.String: // string and delivery.Secret
			out[prefix+name] = []string{delivery.FieldString, delivery.FieldText, delivery.FieldEnum}
		case f.Type.Kind() == reflect.Int || f.Type.Kind() == reflect.Int64:
			out[prefix+name] = []string{delivery.FieldInt}
		case f.Type.Kind() == reflect.Bool:
			out[prefix+name] = []string{delivery.FieldBool}
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			out[prefix+name] = []string{delivery.FieldList}
		default:
			out[prefix+name] = []string{"(no spec type for " + f.Type.String() + ")"}
		}
	}
}

func TestSpec_MatchesItsConfigStruct(t *testing.T) {
	t.Parallel()
	if got, want := len(delivery.Specs()), len(configTypes); got != want {
		t.Errorf("%d specs registered, %d config types known to this test", got, want)
	}
	for kind, typ := range configTypes {
		t.Run(kind, func(t *testing.T) {
			spec, ok := delivery.Spec(kind)
			if !ok {
				t.Fatalf("no spec for %s", kind)
			}
			fields := map[string][]string{}
			structFields(typ, "", fields)
			for name, types := range fields {
				f, ok := spec.Field(name)
				if !ok {
					t.Errorf("JSON field %q of %s has no spec entry", name, typ)
				} else if !slices.Contains(types, f.Type) {
					t.Errorf("field %q: spec type %q, Go type allows %v", name, f.Type, types)
				}
			}
			for _, f := range spec.Fields {
				if _, ok := fields[f.Name]; !ok {
					t.Errorf("spec field %q is not a JSON field of %s", f.Name, typ)
				}
			}
		})
	}
}

func TestSpec_SaysWhatAPersonNeeds(t *testing.T) {
	t.Parallel()
	type fieldFacts struct {
		required, secret bool
		def              any
	}
	// Worked out from the protocols and the configs' docs, not from the specs.
	cases := []struct {
		kind  string
		label string // in English
		want  map[string]fieldFacts
	}{
		{delivery.KindFTP, "FTP (no encryption, port 21)", map[string]fieldFacts{"host": {true, false, nil}, "port": {false, false, 21}, "password": {false, true, nil}}},
		{delivery.KindFTPES, "FTPES (explicit TLS, port 21)", map[string]fieldFacts{"port": {false, false, 21}, "username": {true, false, nil}}},
		{delivery.KindFTPS, "FTPS (implicit TLS, port 990)", map[string]fieldFacts{"port": {false, false, 990}, "password": {false, true, nil}}},
		{delivery.KindSFTP, "SFTP (SSH, port 22)", map[string]fieldFacts{"port": {false, false, 22}, "password": {false, true, nil},
			"private_key": {false, true, nil}, "private_key_passphrase": {false, true, nil}, "host_key_sha256": {false, false, nil}}},
		{delivery.KindEmail, "E-mail", map[string]fieldFacts{"port": {false, false, 587}, "password": {false, true, nil},
			"from": {true, false, nil}, "recipients": {true, false, nil}, "encryption": {false, false, "starttls"}}},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			spec, _ := delivery.Spec(c.kind)
			if got := spec.Labels.In("en"); got != c.label {
				t.Errorf("English label %q, want %q", got, c.label)
			}
			for name, want := range c.want {
				f, _ := spec.Field(name)
				if got := (fieldFacts{f.Required, f.Secret, f.Default}); got != want {
					t.Errorf("%s: %+v, want %+v", name, got, want)
				}
			}
			var secrets []string
			for _, f := range spec.Fields {
				if f.Secret {
					secrets = append(secrets, f.Name)
				}
				for _, l := range delivery.Languages {
					if f.Labels[l] == "" {
						t.Errorf("%s has no %s label", f.Name, l)
					}
				}
			}
			for _, s := range secrets {
				if !spec.IsSecret(s) {
					t.Errorf("IsSecret(%q) false", s)
				}
			}
			if spec.IsSecret("host") || spec.IsSecret("no_such_field") {
				t.Error("IsSecret true for a public or unknown field")
			}
		})
	}
	t.Run("the e-mail port follows its encryption", func(t *testing.T) {
		spec, _ := delivery.Spec(delivery.KindEmail)
		port, _ := spec.Field("port")
		if port.DefaultBy != "encryption" || port.Defaults["tls"] != 465 || port.Defaults["none"] != 25 || port.Defaults["starttls"] != 587 {
			t.Errorf("port defaults %q %v", port.DefaultBy, port.Defaults)
		}
	})
}

func TestRegister_RefusesAnIncompleteSpec(t *testing.T) {
	t.Parallel()
	factory := func([]byte, delivery.Options) (delivery.Destination, error) { return nil, nil }
	cases := []struct {
		name string
		spec delivery.KindSpec
		want string
	}{
		{"a label missing in English", delivery.KindSpec{Kind: "test.nolabel", Labels: delivery.Text{"pt-BR": "Teste"}}, "labels: no en text"},
		{"an enum without values", delivery.KindSpec{Kind: "test.enum", Labels: delivery.Text{"pt-BR": "T", "en": "T"},
			Fields: []delivery.FieldSpec{{Name: "mode", Type: delivery.FieldEnum, Labels: delivery.Text{"pt-BR": "Modo", "en": "Mode"}}}}, "values are for enums"},
		{"a nested secret", delivery.KindSpec{Kind: "test.nested", Labels: delivery.Text{"pt-BR": "T", "en": "T"},
			Fields: []delivery.FieldSpec{{Name: "tls.key", Type: delivery.FieldText, Secret: true, Labels: delivery.Text{"pt-BR": "Chave", "en": "Key"}}}}, "secrets must be top-level"},
		{"an unknown type", delivery.KindSpec{Kind: "test.type", Labels: delivery.Text{"pt-BR": "T", "en": "T"},
			Fields: []delivery.FieldSpec{{Name: "n", Type: "float", Labels: delivery.Text{"pt-BR": "N", "en": "N"}}}}, `unknown type "float"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := delivery.Register(c.spec, factory)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to say %q", err, c.want)
			}
			if slices.Contains(delivery.Kinds(), c.spec.Kind) {
				t.Errorf("%s registered despite the error", c.spec.Kind)
			}
		})
	}
}
