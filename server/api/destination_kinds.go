package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/delivery"
)

// DestinationKindsView lists the destination kinds a schedule may use.
type DestinationKindsView struct {
	Kinds []DestinationKindView `json:"kinds"`
}

// DestinationKindView is one kind with the fields of its config, in the
// order a form shows them.
type DestinationKindView struct {
	Kind   string                 `json:"kind" example:"delivery.sftp"`
	Label  string                 `json:"label" example:"SFTP (SSH, porta 22)"`
	Fields []DestinationFieldView `json:"fields"`
}

// DestinationFieldView is one key of a kind's config.
type DestinationFieldView struct {
	Name     string `json:"name" example:"host" doc:"JSON key in the destination's config; \"tls.ca_pem\" is ca_pem inside the tls object"`
	Type     string `json:"type" enum:"string,text,int,bool,enum,list" doc:"string: one line; text: several lines; int; bool; enum: one of values; list: list of strings"`
	Required bool   `json:"required"`
	Secret   bool   `json:"secret" doc:"sealed at rest and returned as \"[redacted]\""`
	Default  any    `json:"default" doc:"what leaving the field out means; null: nothing"`
	// DefaultBy and Defaults: the default follows another (enum) field.
	DefaultBy string                 `json:"default_by,omitempty" doc:"name of the enum field whose value picks the default from defaults"`
	Defaults  map[string]any         `json:"defaults,omitempty" doc:"default by value of the default_by field"`
	Values    []DestinationValueView `json:"values" doc:"the allowed values of an enum; empty for other types"`
	Label     string                 `json:"label" example:"Servidor (host)"`
	Help      string                 `json:"help" doc:"one line of help; may be empty"`
	Pin       bool                   `json:"pin" doc:"filled from a connection test's fingerprint"`
	Advanced  bool                   `json:"advanced" doc:"rarely needed; forms fold it away"`
	Hidden    bool                   `json:"hidden" doc:"accepted but meaningless for this kind; forms leave it out"`
}

// DestinationValueView is one allowed value of an enum field.
type DestinationValueView struct {
	Value string `json:"value" example:"starttls"`
	Label string `json:"label" example:"STARTTLS (porta 587)"`
}

// registerDestinationKinds serves the delivery registry's specs; it needs
// nothing of Server, only delivery.
func (s *Server) registerDestinationKinds(api huma.API) {
	register(s, api, huma.Operation{OperationID: "list-destination-kinds", Method: http.MethodGet, Path: "/v1/destination-kinds",
		Summary:     "The destination kinds and the fields of their configs",
		Description: "Labels and help in the requested language; the schedule form is built from this list.",
		Tags:        []string{"destinations"}},
		func(_ context.Context, in *struct {
			Lang string `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of labels and help"`
		}) (*struct{ Body DestinationKindsView }, error) {
			return &struct{ Body DestinationKindsView }{Body: destinationKindsView(delivery.Specs(), in.Lang)}, nil
		})
}

func destinationKindsView(specs []delivery.KindSpec, lang string) DestinationKindsView {
	out := DestinationKindsView{Kinds: make([]DestinationKindView, len(specs))}
	for i, s := range specs {
		k := DestinationKindView{Kind: s.Kind, Label: s.Labels.In(lang), Fields: make([]DestinationFieldView, len(s.Fields))}
		for j, f := range s.Fields {
			v := DestinationFieldView{Name: f.Name, Type: f.Type, Required: f.Required, Secret: f.Secret, Default: f.Default,
				DefaultBy: f.DefaultBy, Defaults: f.Defaults, Values: make([]DestinationValueView, len(f.Values)),
				Label: f.Labels.In(lang), Help: f.Help.In(lang), Pin: f.Pin, Advanced: f.Advanced, Hidden: f.Hidden}
			for n, val := range f.Values {
				v.Values[n] = DestinationValueView{Value: val, Label: f.ValueLabels[val].In(lang)}
			}
			k.Fields[j] = v
		}
		out.Kinds[i] = k
	}
	return out
}
