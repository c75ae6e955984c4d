package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/auth"
)

type entitlementInput struct {
	ID     string `path:"id" maxLength:"100" doc:"the plugin report's id, e.g. custom.agent_scorecard"`
	Tenant uint32 `path:"tenant" minimum:"1" doc:"the tenant to entitle or revoke"`
	Body   struct {
		Entitled bool `json:"entitled"`
	}
}

type entitlementsOutput struct {
	Body map[string][]uint32
}

// TenantPlugin is one custom report the caller's tenant is entitled to.
type TenantPlugin struct {
	ID       string `json:"id" doc:"the report id"`
	Title    string `json:"title" doc:"the report's title in the requested language"`
	Entitled bool   `json:"entitled" doc:"always true: reports the tenant is not entitled to are not listed"`
}

type tenantPluginsOutput struct {
	Body struct {
		Plugins []TenantPlugin `json:"plugins"`
	}
}

// registerPlugins adds the entitlement operations. Entitlements are the
// commercial team's decision (DESIGN §4): operators see and change them for
// every tenant under /v1/operator/; a tenant admin sees only the custom
// reports its own tenant has, and changes nothing.
func (s *Server) registerPlugins(api huma.API) {
	register(s, api, huma.Operation{OperationID: "list-tenant-plugins", Method: http.MethodGet, Path: "/v1/admin/plugins",
		Summary: "The custom-report plugins the caller's tenant is entitled to (admins)", Tags: []string{"plugins"}, Errors: []int{403}},
		func(ctx context.Context, in *langInput) (*tenantPluginsOutput, error) {
			p := principal(ctx)
			if !p.Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden(say(ctx, i18n.APIPluginEntitlementsForAdmins))
			}
			out := &tenantPluginsOutput{}
			out.Body.Plugins = []TenantPlugin{}
			if s.Plugins == nil {
				return out, nil
			}
			for _, def := range s.Plugins.Reports(p.TenantID) {
				out.Body.Plugins = append(out.Body.Plugins, TenantPlugin{ID: def.ID, Title: def.Title.In(in.Lang), Entitled: true})
			}
			sort.Slice(out.Body.Plugins, func(i, j int) bool { return out.Body.Plugins[i].ID < out.Body.Plugins[j].ID })
			return out, nil
		})

	operator := map[string]any{operatorScope: true}
	register(s, api, huma.Operation{OperationID: "list-plugin-entitlements", Method: http.MethodGet, Path: "/v1/operator/plugins", Metadata: operator,
		Summary: "Custom-report plugins and the tenants entitled to each (operators)", Tags: []string{"operator"}, Errors: []int{403}},
		func(ctx context.Context, _ *struct{}) (*entitlementsOutput, error) {
			out := map[string][]uint32{}
			if s.Plugins != nil {
				out = s.Plugins.Entitlements()
			}
			return &entitlementsOutput{Body: out}, nil
		})
	register(s, api, huma.Operation{OperationID: "set-plugin-entitlement", Method: http.MethodPut, Path: "/v1/operator/plugins/{id}/tenants/{tenant}", Metadata: operator,
		Summary:     "Entitle a tenant to a custom report, or revoke it (operators)",
		Description: "Audited in the operator trail (GET /v1/operator/audit) and in the affected tenant's trail (GET /v1/audit).",
		Tags:        []string{"operator"}, Errors: []int{403, 404}},
		func(ctx context.Context, in *entitlementInput) (*entitlementsOutput, error) {
			if s.Plugins == nil {
				return nil, huma.Error404NotFound(say(ctx, i18n.APINoPlugins))
			}
			if err := s.Plugins.SetEntitlement(in.ID, in.Tenant, in.Body.Entitled); err != nil {
				return nil, err
			}
			s.auditFor(ctx, in.Tenant, "plugin.entitlement", in.ID, fmt.Sprintf("tenant %d entitled=%v", in.Tenant, in.Body.Entitled))
			return &entitlementsOutput{Body: s.Plugins.Entitlements()}, nil
		})
	register(s, api, huma.Operation{OperationID: "list-operator-audit", Method: http.MethodGet, Path: "/v1/operator/audit", Metadata: operator,
		Summary: "The operator audit trail: what operators changed, for every tenant (operators)", Tags: []string{"operator"}, Errors: []int{403}},
		func(ctx context.Context, in *auditInput) (*auditOutput, error) {
			return s.auditTrail(ctx, auth.OperatorTenant, in.Limit)
		})
}

type auditInput struct {
	Limit int `query:"limit" default:"100" minimum:"1" maximum:"1000"`
}

// auditTrail lists tenant's trail (auth.OperatorTenant: the operators'),
// newest first, never null.
func (s *Server) auditTrail(ctx context.Context, tenant uint32, limit int) (*auditOutput, error) {
	ev, err := s.Auth.AuditEvents(ctx, tenant, limit)
	if err != nil {
		return nil, err
	}
	if ev == nil {
		ev = []auth.Event{}
	}
	return &auditOutput{Body: ev}, nil
}
