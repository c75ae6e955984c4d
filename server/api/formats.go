package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine/export"
)

// formatInfo is one output format as clients and the web pages list it.
type formatInfo struct {
	ID          string `json:"id" doc:"stable format ID, the value of download's and schedules' format" example:"csv-excel"`
	Label       string `json:"label" doc:"name to show a person, in the requested language" example:"CSV Excel pt-BR (ponto e vírgula)"`
	Extension   string `json:"extension" doc:"file name extension, with its dot" example:".csv"`
	ContentType string `json:"content_type" doc:"media type of the file" example:"text/csv; charset=utf-8"`
}

type formatsInput struct {
	Lang string `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of the labels"`
}

type formatsOutput struct {
	Body struct {
		Formats []formatInfo `json:"formats" doc:"in display order: csv, csv-excel, xlsx, then any others by ID"`
	}
}

// registerFormats serves the output format registry (engine/export). It needs
// nothing of Server: formats are the same for every tenant and caller, so the
// operation needs no token.
func (s *Server) registerFormats(api huma.API) {
	register(s, api, huma.Operation{OperationID: "list-formats", Method: http.MethodGet, Path: "/v1/formats",
		Summary:     "List the output file formats",
		Description: "The formats a run can be downloaded in and a schedule can deliver, with their labels in the requested language. Needs no token.",
		Tags:        []string{"catalog"}, Security: []map[string][]string{}},
		func(_ context.Context, in *formatsInput) (*formatsOutput, error) {
			out := &formatsOutput{}
			out.Body.Formats = []formatInfo{}
			for _, f := range export.Formats() {
				out.Body.Formats = append(out.Body.Formats, formatInfo{ID: f.ID, Label: f.Label(in.Lang), Extension: f.Extension, ContentType: f.ContentType})
			}
			return out, nil
		})
}
