package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/snapshot"
)

// report finds a report the tenant may use: a YAML definition of the
// catalog, else a custom-report plugin the tenant is entitled to.
func (s *Server) report(tenant uint32, id string) (*engine.Definition, bool) {
	if d, ok := s.Catalog.Reports[id]; ok {
		return d, true
	}
	if s.Plugins != nil {
		if d, err := s.Plugins.Report(tenant, id); err == nil {
			return d, true
		}
	}
	return nil, false
}

// reports lists the tenant's reports: the catalog, then its plugins.
func (s *Server) reports(tenant uint32) []*engine.Definition {
	out := s.Catalog.List()
	if s.Plugins != nil {
		out = append(out, s.Plugins.Reports(tenant)...)
	}
	return out
}

func (s *Server) isPlugin(id string) bool {
	_, yaml := s.Catalog.Reports[id]
	return !yaml && s.Plugins != nil
}

// freezePlugin runs a plugin report and freezes its output rows.
func (s *Server) freezePlugin(ctx context.Context, runID string, tenant uint32, comp *engine.Compiled, progress func(int64)) (snapshot.Info, error) {
	res, err := s.Plugins.Run(ctx, tenant, comp)
	if err != nil {
		return snapshot.Info{}, pluginError(err)
	}
	defer res.Close()
	info, err := s.Snapshots.CreateFrom(ctx, runID, comp, func(ctx context.Context, table string) (bool, error) {
		_, err := host.CopyRows(ctx, s.Warehouse, table, snapshot.RowColumn, res)
		return res.Truncated(), err
	}, progress)
	if err != nil {
		return info, pluginError(err)
	}
	return info, nil
}

type pluginFailure struct {
	msg string
	err error
}

func (e *pluginFailure) Error() string       { return e.msg }
func (e *pluginFailure) Unwrap() error       { return e.err }
func (e *pluginFailure) UserMessage() string { return e.msg }

func pluginError(err error) error {
	var re *host.RunError
	if errors.As(err, &re) {
		return &pluginFailure{msg: re.Error(), err: err}
	}
	return err
}

type entitlementInput struct {
	ID     string `path:"id" maxLength:"100"`
	Tenant uint32 `path:"tenant" minimum:"1"`
	Body   struct {
		Entitled bool `json:"entitled"`
	}
}

func (s *Server) registerPlugins(api huma.API) {
	tags := []string{"plugins"}
	huma.Register(api, huma.Operation{OperationID: "list-plugin-entitlements", Method: http.MethodGet, Path: "/v1/admin/plugins", Summary: "Custom-report plugins and the tenants entitled to each (admins)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body map[string][]uint32 }, error) {
			if !principal(ctx).Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden("plugin entitlements are for admins")
			}
			out := map[string][]uint32{}
			if s.Plugins != nil {
				out = s.Plugins.Entitlements()
			}
			return &struct{ Body map[string][]uint32 }{Body: out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-plugin-entitlement", Method: http.MethodPut, Path: "/v1/admin/plugins/{id}/tenants/{tenant}", Summary: "Entitle a tenant to a custom report, or revoke it (admins)", Tags: tags},
		func(ctx context.Context, in *entitlementInput) (*struct{ Body map[string][]uint32 }, error) {
			if !principal(ctx).Role.Allows(auth.Admin) {
				return nil, huma.Error403Forbidden("plugin entitlements are for admins")
			}
			if s.Plugins == nil {
				return nil, huma.Error404NotFound("no plugins are installed")
			}
			if err := s.Plugins.SetEntitlement(in.ID, in.Tenant, in.Body.Entitled); err != nil {
				if errors.Is(err, host.ErrNotFound) {
					return nil, huma.Error404NotFound(fmt.Sprintf("plugin %q not found", in.ID))
				}
				return nil, err
			}
			s.audit(ctx, "plugin.entitlement", in.ID, fmt.Sprintf("tenant %d entitled=%v", in.Tenant, in.Body.Entitled))
			return &struct{ Body map[string][]uint32 }{Body: s.Plugins.Entitlements()}, nil
		})
}
