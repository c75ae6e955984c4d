package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

type lookupInput struct {
	Kind   string   `path:"kind" enum:"wallet,user,queue,line,template,pipeline,campaign,bot,event_type,channel"`
	Lang   string   `query:"lang" default:"pt-BR" enum:"pt-BR,en" doc:"language of the labels of codes (channels); names tenants gave their wallets, users… are shown as written"`
	Q      string   `query:"q" maxLength:"200" doc:"keep the values whose label or value contains this text, ignoring case and accents; every character is literal (% and _ are no wildcards)"`
	Value  []string `query:"value" maxItems:"1000" doc:"keep only these values (ids or codes), e.g. to show the names of saved filter values; separated by commas"`
	Limit  int      `query:"limit" minimum:"1" maximum:"10000" default:"10000" doc:"page size"`
	Offset int      `query:"offset" minimum:"0" default:"0" doc:"values to skip: the next page starts at offset + limit while that is below X-Total-Count"`
}

type lookupOutput struct {
	Total int    `header:"X-Total-Count" doc:"how many values match the query across all pages"`
	Link  string `header:"Link" doc:"the next page's address (rel=\"next\", RFC 8288) while there is one"`
	Body  []reporting.LookupValue
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
	register(s, api, huma.Operation{OperationID: "list-lookup-values", Method: http.MethodGet, Path: "/v1/lookups/{kind}", Summary: "The values a lookup filter accepts for the caller's tenant (wallets, users, queues…), with labels",
		Description: "Searched with q and paged with limit and offset, ordered by label; X-Total-Count says how many match and Link points at the next page.", Tags: []string{"catalog"}},
		func(ctx context.Context, in *lookupInput) (*lookupOutput, error) {
			page, err := s.App.SearchLookup(ctx, principal(ctx).TenantID, in.Kind, reporting.LookupQuery{
				Lang: in.Lang, Q: in.Q, Values: in.Value, Limit: in.Limit, Offset: in.Offset})
			if err != nil {
				return nil, err
			}
			out := &lookupOutput{Total: page.Total, Body: page.Values}
			if next := in.Offset + in.Limit; next < page.Total {
				q := url.Values{"lang": {in.Lang}, "limit": {strconv.Itoa(in.Limit)}, "offset": {strconv.Itoa(next)}}
				if in.Q != "" {
					q.Set("q", in.Q)
				}
				if len(in.Value) > 0 {
					q.Set("value", strings.Join(in.Value, ","))
				}
				out.Link = "</v1/lookups/" + in.Kind + "?" + q.Encode() + `>; rel="next"`
			}
			return out, nil
		})
}
