package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/server/reporting"
)

type meOutput struct {
	Body struct {
		UserID   string `json:"user_id"`
		Name     string `json:"name"`
		Role     string `json:"role" enum:"viewer,manager,admin"`
		TenantID uint32 `json:"tenant_id"`
		TimeZone string `json:"time_zone"`
		// PersonalData is the caller's personal_data permission (issue 17).
		PersonalData bool `json:"personal_data" doc:"the caller holds the personal_data permission: personal columns are shown whole and extractions may run"`
	}
}

type lookupOutput struct {
	Body []reporting.LookupValue
}

func (s *Server) registerLookups(api huma.API) {
	register(s, api, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/v1/me", Summary: "The caller: user, role, tenant and its time zone", Tags: []string{"auth"}},
		func(ctx context.Context, _ *struct{}) (*meOutput, error) {
			p := principal(ctx)
			out := &meOutput{}
			out.Body.UserID, out.Body.Name, out.Body.Role, out.Body.TenantID = p.UserID, p.Name, string(p.Role), p.TenantID
			out.Body.TimeZone = s.App.ZoneOrDefault(ctx, p.TenantID).String()
			out.Body.PersonalData = p.PersonalData
			return out, nil
		})
	register(s, api, huma.Operation{OperationID: "list-lookup-values", Method: http.MethodGet, Path: "/v1/lookups/{kind}", Summary: "The values a lookup filter accepts for the caller's tenant (wallets, users, queues…), with labels", Tags: []string{"catalog"}},
		func(ctx context.Context, in *struct {
			Kind string `path:"kind" enum:"wallet,user,queue,line,template,pipeline,campaign,bot,event_type,channel"`
		}) (*lookupOutput, error) {
			values, err := s.App.LookupValues(ctx, principal(ctx).TenantID, in.Kind)
			if err != nil {
				return nil, err
			}
			return &lookupOutput{Body: values}, nil
		})
}
