package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine"
)

// LookupValue is one value a lookup filter accepts, with what users see.
type LookupValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// lookupLabels names the column shown for each lookup's values.
var lookupLabels = map[string]string{
	"wallet": "name", "user": "name", "queue": "name", "line": "name", "template": "name",
	"pipeline": "name", "campaign": "name", "event_type": "label",
}

type meOutput struct {
	Body struct {
		UserID   string `json:"user_id"`
		Name     string `json:"name"`
		Role     string `json:"role" enum:"viewer,manager,admin"`
		TenantID uint32 `json:"tenant_id"`
		TimeZone string `json:"time_zone"`
	}
}

func (s *Server) registerLookups(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/v1/me", Summary: "The caller: user, role, tenant and its time zone", Tags: []string{"auth"}},
		func(ctx context.Context, _ *struct{}) (*meOutput, error) {
			p := principal(ctx)
			out := &meOutput{}
			out.Body.UserID, out.Body.Name, out.Body.Role, out.Body.TenantID = p.UserID, p.Name, string(p.Role), p.TenantID
			out.Body.TimeZone = s.zone(ctx, p.TenantID).String()
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-lookup-values", Method: http.MethodGet, Path: "/v1/lookups/{kind}", Summary: "The values a lookup filter accepts for the caller's tenant (wallets, users, queues…), with labels", Tags: []string{"catalog"}},
		func(ctx context.Context, in *struct {
			Kind string `path:"kind" enum:"wallet,user,queue,line,template,pipeline,campaign,event_type,channel"`
		}) (*struct{ Body []LookupValue }, error) {
			var lk engine.Lookup
			for _, l := range engine.Lookups() {
				if l.Name == in.Kind {
					lk = l
				}
			}
			out := []LookupValue{}
			if len(lk.Fixed) > 0 {
				for _, v := range lk.Fixed {
					out = append(out, LookupValue{Value: v, Label: v})
				}
				return &struct{ Body []LookupValue }{Body: out}, nil
			}
			p := principal(ctx)
			// Table, id column and label column come from fixed lists, never
			// from the request.
			rows, err := s.Warehouse.Query(ctx, engine.Query{
				SQL:          "SELECT toString(" + lk.Column + ") AS v, any(" + lookupLabels[lk.Name] + ") AS l FROM " + lk.Table + " GROUP BY v ORDER BY l, v LIMIT 10000",
				TableFilters: engine.TenantScope(s.Tables, p.TenantID),
			})
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			for rows.Next() {
				v := rows.Values()
				out = append(out, LookupValue{Value: string(v[0]), Label: string(v[1])})
			}
			if err := rows.Err(); err != nil {
				return nil, err
			}
			return &struct{ Body []LookupValue }{Body: out}, nil
		})
}
