package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/danielgtaylor/huma/v2/humatest"
)

// The route on a bare API: in the real server the same operation sits behind
// the bearer-token middleware like every other (it sets no Security of its own).
func destinationKinds(t *testing.T, query string) (DestinationKindsView, humatest.TestAPI) {
	t.Helper()
	_, api := humatest.New(t)
	(&Server{}).registerDestinationKinds(api)
	resp := api.Get("/v1/destination-kinds" + query)
	if resp.Code != http.StatusOK {
		t.Fatalf("GET /v1/destination-kinds%s: %d %s", query, resp.Code, resp.Body)
	}
	var out DestinationKindsView
	if err := json.Unmarshal(resp.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out, api
}

func TestDestinationKinds_ListsEveryKindWithItsFields(t *testing.T) {
	t.Parallel()
	out, _ := destinationKinds(t, "?lang=en")
	var kinds []string
	for _, k := range out.Kinds {
		kinds = append(kinds, k.Kind)
	}
	if want := []string{"delivery.email", "delivery.ftp", "delivery.ftpes", "delivery.ftps", "delivery.sftp"}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	sftp := out.Kinds[4]
	if sftp.Label != "SFTP (SSH, port 22)" {
		t.Errorf("SFTP label %q", sftp.Label)
	}
	field := func(k DestinationKindView, name string) DestinationFieldView {
		for _, f := range k.Fields {
			if f.Name == name {
				return f
			}
		}
		t.Fatalf("%s has no field %s", k.Kind, name)
		return DestinationFieldView{}
	}
	host := field(sftp, "host")
	if host.Type != "string" || !host.Required || host.Secret || host.Default != nil || host.Label != "Server (host)" || host.Help != "name or IP address, without port or scheme" {
		t.Errorf("host %+v", host)
	}
	if port := field(sftp, "port"); port.Type != "int" || port.Default != float64(22) || port.Required {
		t.Errorf("SFTP port %+v", port)
	}
	if key := field(sftp, "private_key"); key.Type != "text" || !key.Secret {
		t.Errorf("private_key %+v", key)
	}
	if pin := field(sftp, "host_key_sha256"); !pin.Pin || pin.Secret {
		t.Errorf("host_key_sha256 %+v", pin)
	}
	if enc := field(sftp, "encryption"); !enc.Hidden {
		t.Errorf("SFTP's encryption is offered: %+v", enc)
	}
	if port := field(out.Kinds[3], "port"); port.Default != float64(990) {
		t.Errorf("FTPS port default %v", port.Default)
	}
	if port := field(out.Kinds[1], "port"); port.Default != float64(21) {
		t.Errorf("FTP port default %v", port.Default)
	}
	if host.Values == nil {
		t.Error("values of a non-enum is null, want []")
	}
}

func TestDestinationKinds_SpeaksTheRequestedLanguage(t *testing.T) {
	t.Parallel()
	pt, _ := destinationKinds(t, "") // pt-BR is the default
	email := pt.Kinds[0]
	var enc, port DestinationFieldView
	for _, f := range email.Fields {
		switch f.Name {
		case "encryption":
			enc = f
		case "port":
			port = f
		}
	}
	if enc.Label != "Criptografia" || enc.Default != "starttls" || len(enc.Values) != 3 ||
		enc.Values[0] != (DestinationValueView{"starttls", "STARTTLS (porta 587)"}) || enc.Values[1] != (DestinationValueView{"tls", "TLS implícito (porta 465)"}) {
		t.Errorf("encryption in pt-BR %+v", enc)
	}
	if port.DefaultBy != "encryption" || port.Defaults["tls"] != float64(465) || port.Defaults["none"] != float64(25) || port.Defaults["starttls"] != float64(587) {
		t.Errorf("e-mail port %+v", port)
	}
	if pt.Kinds[1].Label != "FTP (sem criptografia, porta 21)" {
		t.Errorf("FTP label in pt-BR %q", pt.Kinds[1].Label)
	}
	_, api := destinationKinds(t, "")
	if resp := api.Get("/v1/destination-kinds?lang=fr"); resp.Code != http.StatusUnprocessableEntity {
		t.Errorf("lang=fr: %d, want 422", resp.Code)
	}
}

func TestDestinationKinds_IsDocumentedInOpenAPI(t *testing.T) {
	t.Parallel()
	_, api := destinationKinds(t, "")
	oapi := api.OpenAPI()
	op := oapi.Paths["/v1/destination-kinds"].Get
	if op == nil || op.OperationID != "list-destination-kinds" || !slices.Equal(op.Tags, []string{"destinations"}) {
		t.Fatalf("operation %+v", op)
	}
	if op.Security != nil {
		t.Errorf("the operation overrides security (%v); it must need the bearer token like the others", op.Security)
	}
	schema := oapi.Components.Schemas.SchemaFromRef(op.Responses["200"].Content["application/json"].Schema.Ref)
	kinds := schema.Properties["kinds"]
	if kinds == nil || kinds.Type != "array" {
		t.Fatalf("response schema %+v", schema)
	}
	kind := oapi.Components.Schemas.SchemaFromRef(kinds.Items.Ref)
	f := oapi.Components.Schemas.SchemaFromRef(kind.Properties["fields"].Items.Ref)
	for _, p := range []string{"name", "type", "required", "secret", "default", "label", "help", "values"} {
		if f.Properties[p] == nil {
			t.Errorf("field schema lacks %q", p)
		}
	}
	if got := f.Properties["type"].Enum; len(got) != 6 {
		t.Errorf("type enum %v", got)
	}
}
