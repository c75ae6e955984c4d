package delivery

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Languages are the language tags every label and help text is written in.
var Languages = []string{"pt-BR", "en"}

// Text is a label or help text by language tag ("pt-BR", "en").
type Text map[string]string

// In returns the text in lang, else in English, else in pt-BR.
func (t Text) In(lang string) string {
	for _, l := range []string{lang, "en", "pt-BR"} {
		if s, ok := t[l]; ok {
			return s
		}
	}
	return ""
}

// Field types of a FieldSpec: what the JSON value is and how a form edits it.
const (
	FieldString = "string" // one-line string
	FieldText   = "text"   // multi-line string (a PEM key)
	FieldInt    = "int"    // JSON integer
	FieldBool   = "bool"   // JSON true/false
	FieldEnum   = "enum"   // one of FieldSpec.Values
	FieldList   = "list"   // JSON list of strings
)

var fieldTypes = []string{FieldString, FieldText, FieldInt, FieldBool, FieldEnum, FieldList}

// KindSpec describes a destination kind for people and forms: its label and
// every field of its JSON config, in the order a form shows them.
type KindSpec struct {
	Kind   string // "delivery.sftp"
	Labels Text
	Fields []FieldSpec
}

// FieldSpec is one key of a kind's JSON config.
type FieldSpec struct {
	// Name is the JSON key; "tls.ca_pem" is the key ca_pem of the nested
	// object tls.
	Name     string
	Type     string // one of the Field* constants
	Required bool
	// Secret fields (password, private_key, …) are sealed apart at rest and
	// never returned by the API.
	Secret bool
	// Default is what an absent field means (nil: nothing). When DefaultBy
	// names an enum field, Defaults[that field's value] is the default
	// instead (the e-mail port follows its encryption).
	Default   any
	DefaultBy string
	Defaults  map[string]any
	// Values are the allowed values of an enum, with their labels.
	Values      []string
	ValueLabels map[string]Text
	Labels      Text
	Help        Text // optional
	// Pin marks the field a connection test's fingerprint fills in.
	Pin bool
	// Advanced fields are rarely needed; forms show them folded away.
	Advanced bool
	// Hidden fields are accepted by the config type but mean nothing useful
	// for this kind (FTP's encryption, fixed by the kind): forms leave them out.
	Hidden bool
}

// Field returns the spec of the named field.
func (s KindSpec) Field(name string) (FieldSpec, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// IsSecret says whether the named top-level config key is a secret.
func (s KindSpec) IsSecret(name string) bool {
	f, ok := s.Field(name)
	return ok && f.Secret
}

// validate reports every mistake of a spec together (registration refuses it).
func (s KindSpec) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Kind == "" {
		bad("empty kind")
	}
	checkText := func(what string, t Text, required bool) {
		if len(t) == 0 && !required {
			return
		}
		for _, l := range Languages {
			if strings.TrimSpace(t[l]) == "" {
				bad("%s: no %s text", what, l)
			}
		}
	}
	checkText("labels", s.Labels, true)
	seen := map[string]bool{}
	for _, f := range s.Fields {
		what := "field " + f.Name
		if f.Name == "" || seen[f.Name] {
			bad("%s: empty or repeated name", what)
		}
		seen[f.Name] = true
		if !slices.Contains(fieldTypes, f.Type) {
			bad("%s: unknown type %q", what, f.Type)
		}
		if (f.Type == FieldEnum) != (len(f.Values) > 0) {
			bad("%s: values are for enums, and every enum has some", what)
		}
		for _, v := range f.Values {
			checkText(what+" value "+v, f.ValueLabels[v], true)
		}
		if f.Secret && strings.Contains(f.Name, ".") {
			bad("%s: secrets must be top-level keys (they are sealed by key)", what)
		}
		if f.DefaultBy != "" {
			if by, ok := s.Field(f.DefaultBy); !ok || by.Type != FieldEnum {
				bad("%s: default_by %q is not an enum field", what, f.DefaultBy)
			}
		}
		checkText(what+" labels", f.Labels, true)
		checkText(what+" help", f.Help, false)
	}
	return errors.Join(errs...)
}

// txt is Text in the two languages, for the specs below.
func txt(ptBR, en string) Text { return Text{"pt-BR": ptBR, "en": en} }

// Fields several kinds share, so their wording is written once.
var (
	fieldHost = FieldSpec{Name: "host", Type: FieldString, Required: true,
		Labels: txt("Servidor (host)", "Server (host)"),
		Help:   txt("nome ou endereço IP, sem porta nem protocolo", "name or IP address, without port or scheme")}
	fieldUsername  = FieldSpec{Name: "username", Type: FieldString, Required: true, Labels: txt("Usuário", "User")}
	fieldPassword  = FieldSpec{Name: "password", Type: FieldString, Secret: true, Labels: txt("Senha", "Password")}
	fieldDirectory = FieldSpec{Name: "directory", Type: FieldString, Labels: txt("Diretório remoto", "Remote directory"),
		Help: txt("vazio: o diretório de login", "empty: the login directory")}
	fieldManifest = FieldSpec{Name: "manifest", Type: FieldBool, Default: false, Advanced: true,
		Labels: txt("Enviar manifesto", "Upload a manifest"),
		Help:   txt("também envia <arquivo>.manifest.json com tamanho e SHA-256", "also uploads <file>.manifest.json with size and SHA-256")}
	fieldTimeout = FieldSpec{Name: "timeout_seconds", Type: FieldInt, Default: 60, Advanced: true,
		Labels: txt("Tempo limite (segundos)", "Timeout (seconds)"),
		Help:   txt("para conectar e para cada etapa", "to connect and for each step")}
	fieldCertPin = FieldSpec{Name: "tls.fingerprint_sha256", Type: FieldString, Pin: true,
		Labels: txt("Certificado fixado (SHA-256)", "Pinned certificate (SHA-256)"),
		Help:   txt("opcional; “Testar conexão” mostra o do servidor", "optional; “Test connection” shows the server's")}
	fieldCA = FieldSpec{Name: "tls.ca_pem", Type: FieldText, Advanced: true,
		Labels: txt("CA confiável (PEM)", "Trusted CA (PEM)"),
		Help:   txt("para servidores com CA privada", "for servers with a private CA")}
	fieldServerName = FieldSpec{Name: "tls.server_name", Type: FieldString, Advanced: true,
		Labels: txt("Nome no certificado", "Name in the certificate"),
		Help:   txt("vazio: o servidor (host)", "empty: the host")}
)

// withPort is the port field with the kind's default.
func withPort(def any) FieldSpec {
	return FieldSpec{Name: "port", Type: FieldInt, Default: def, Labels: txt("Porta", "Port")}
}

// hidden returns f marked Hidden, for keys a kind's config type accepts but
// that the kind itself fixes or refuses.
func hidden(f FieldSpec) FieldSpec {
	f.Hidden = true
	return f
}
