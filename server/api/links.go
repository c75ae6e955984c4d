package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/delivery"
)

type linkInput struct {
	Token string `path:"token" maxLength:"2048" pattern:"^[A-Za-z0-9_.-]+$" doc:"the signed token of a download link sent by e-mail"`
}

// registerLinks serves signed download links (reporting/links.go): the link
// is the credential, scoped to one run's file in one format, until it
// expires, so the operation needs no token.
func (s *Server) registerLinks(api huma.API) {
	register(s, api, huma.Operation{OperationID: "download-link", Method: http.MethodGet, Path: "/v1/links/{token}",
		Summary:     "Download the file of a signed link",
		Description: "The file an e-mail linked because it was too big to attach. Needs no bearer token: the link is signed, names one run's file and expires (--link-ttl). A changed link answers 403, an expired one 410.",
		Tags:        []string{"runs"}, Security: noAuth, Errors: []int{403, 404, 409, 410},
		Responses: map[string]*huma.Response{"200": {Description: "the file", Content: map[string]*huma.MediaType{"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}},
		func(ctx context.Context, in *linkInput) (*huma.StreamResponse, error) {
			res, f, l, err := s.App.OpenLink(ctx, in.Token)
			if err != nil {
				return nil, err
			}
			s.App.Metrics.Downloads.Add(1)
			s.Logger.Info("link download", "run", l.RunID, "tenant", l.Tenant, "format", f.ID)
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				hctx.SetHeader("Content-Type", f.ContentType)
				hctx.SetHeader("Content-Disposition", delivery.ContentDisposition(l.Name))
				hctx.SetStatus(http.StatusOK)
				if err := s.App.WriteFile(hctx.Context(), res, f, l.Lang, hctx.BodyWriter()); err != nil {
					s.internal(hctx.Context(), "download-link", err)
				}
			}}, nil
		})
}
