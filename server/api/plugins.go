package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/server/auth"
)

type entitlementInput struct {
	ID     string `path:"id" maxLength:"100"`
	Tenant uint32 `path:"tenant" minimum:"1"`
	Body   struct {
		Entitled bool `json:"entitled"`
	}
}

type entitlementsOutput struct {
	Body map[string][]uint32
}

func (s *Server) registerPlugins(api huma.API) {
	tags := []string{"plugins"}
	register(s, api, huma.Operation{OperationID: "list-plugin-entitlements", Method: http.MethodGet, Path: "/v1/admin/plugins", Summary: "Custom-report plugins and the tenants entitled to each (admins)", Tags: tags, Errors: []int{403}},
		func(ctx context.Context, _ *struct{}) (*entitlementsOutput, error) {
			if !principal(ctx).Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden("plugin entitlements are for admins")
			}
			out := map[string][]uint32{}
			if s.Plugins != nil {
				out = s.Plugins.Entitlements()
			}
			return &entitlementsOutput{Body: out}, nil
		})
	register(s, api, huma.Operation{OperationID: "set-plugin-entitlement", Method: http.MethodPut, Path: "/v1/admin/plugins/{id}/tenants/{tenant}", Summary: "Entitle a tenant to a custom report, or revoke it (admins)", Tags: tags, Errors: []int{403, 404}},
		func(ctx context.Context, in *entitlementInput) (*entitlementsOutput, error) {
			if !principal(ctx).Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden("plugin entitlements are for admins")
			}
			if s.Plugins == nil {
				return nil, huma.Error404NotFound("no plugins are installed")
			}
			if err := s.Plugins.SetEntitlement(in.ID, in.Tenant, in.Body.Entitled); err != nil {
				return nil, err
			}
			s.audit(ctx, "plugin.entitlement", in.ID, fmt.Sprintf("tenant %d entitled=%v", in.Tenant, in.Body.Entitled))
			return &entitlementsOutput{Body: s.Plugins.Entitlements()}, nil
		})
}
