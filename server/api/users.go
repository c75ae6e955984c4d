package api

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/schedules"
)

type createUserInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"200" doc:"display name, shown as the requesting user (Usuário solicitante) on runs"`
		Role     string `json:"role" enum:"viewer,manager,admin,operator" doc:"admins create viewers, managers and admins of their own tenant; operators create any role"`
		TenantID uint32 `json:"tenant_id,omitempty" doc:"operators only: the user's tenant (0 or left out for an operator)"`
		// PersonalData gives the new user the personal_data permission.
		PersonalData bool   `json:"personal_data,omitempty" doc:"give the personal_data permission: personal columns shown whole, extractions allowed (never to an operator)"`
		Email        string `json:"email,omitempty" maxLength:"254" doc:"where notices of the user's runs go (ana@example.com); left out: none"`
	}
}

type userEmailInput struct {
	ID   string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
	Body struct {
		Email string `json:"email" maxLength:"254" doc:"where notices of the user's runs go (ana@example.com); empty removes it"`
	}
}

// checkEmail reads an e-mail address as people type it ("ana@example.com"
// or "Ana <ana@example.com>") and returns the bare address; "" stays "".
func checkEmail(ctx context.Context, v, location string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || strings.ContainsAny(a.Address, "\r\n") {
		return "", huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidEmail), &huma.ErrorDetail{Location: location, Message: say(ctx, i18n.APINotAnEmail), Value: v})
	}
	return a.Address, nil
}

type tenantSettingsOutput struct{ Body auth.TenantSettings }

type tenantSettingsInput struct{ Body auth.TenantSettings }

type personalDataInput struct {
	ID   string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
	Body struct {
		Granted bool `json:"granted" doc:"true gives the personal_data permission, false takes it away"`
	}
}

type userOutput struct{ Body auth.User }

type usersOutput struct {
	Body struct {
		Users []auth.User `json:"users"`
	}
}

type userIDInput struct {
	ID string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
}

type issueTokenInput struct {
	Body struct {
		UserID  string `json:"user_id" minLength:"1" maxLength:"64" doc:"the user the token acts as"`
		Name    string `json:"name,omitempty" maxLength:"100" doc:"what the token is for, e.g. BI export"`
		Expires string `json:"expires,omitempty" maxLength:"40" doc:"when it stops working: a span (90d, 12h), a date (2025-01-31) or an RFC 3339 time; left out: never"`
	}
}

type issuedTokenOutput struct {
	Body struct {
		Token  auth.Token `json:"token"`
		Secret string     `json:"secret" doc:"the bearer token itself, shown this once: only its hash is stored"`
	}
}

type tokensInput struct {
	UserID string `query:"user_id" maxLength:"64" doc:"only this user's tokens"`
}

type tokensOutput struct {
	Body struct {
		Tokens []auth.Token `json:"tokens"`
	}
}

type tokenOutput struct{ Body auth.Token }

type tokenIDInput struct {
	ID string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9_-]+$"`
}

// registerTenantSettings adds the tenant's own settings (admins): whether a
// purpose is mandatory to read personal data unmasked (issue 17).
func (s *Server) registerTenantSettings(api huma.API) {
	register(s, api, huma.Operation{OperationID: "get-tenant-settings", Method: http.MethodGet, Path: "/v1/tenant/settings",
		Summary: "The tenant's settings (admins)", Tags: []string{"users"}, Errors: []int{403}},
		func(ctx context.Context, _ *struct{}) (*tenantSettingsOutput, error) {
			p, err := tenantAdmin(ctx)
			if err != nil {
				return nil, err
			}
			ts, err := s.Auth.TenantSettings(ctx, p.TenantID)
			return &tenantSettingsOutput{Body: ts}, err
		})
	register(s, api, huma.Operation{OperationID: "set-tenant-settings", Method: http.MethodPut, Path: "/v1/tenant/settings",
		Summary: "Change the tenant's settings (admins)", Tags: []string{"users"}, Errors: []int{403}},
		func(ctx context.Context, in *tenantSettingsInput) (*tenantSettingsOutput, error) {
			p, err := tenantAdmin(ctx)
			if err != nil {
				return nil, err
			}
			if err := s.Auth.SetTenantSettings(ctx, p.TenantID, in.Body); err != nil {
				return nil, err
			}
			s.audit(ctx, "tenant.settings", strconv.FormatUint(uint64(p.TenantID), 10), fmt.Sprintf("purpose_required=%v", in.Body.PurposeRequired))
			return &tenantSettingsOutput{Body: in.Body}, nil
		})
}

// tenantAdmin lets a tenant's admins through (operators act above tenants
// and have none).
func tenantAdmin(ctx context.Context) (auth.Principal, error) {
	p := principal(ctx)
	if p.IsOperator() || !p.Role.Allows(auth.Admin) {
		return p, huma.Error403Forbidden(say(ctx, i18n.APITenantSettingsForAdmins))
	}
	return p, nil
}

// registerUsers adds the user and token operations twice: under /v1/ for a
// tenant's admins (their tenant only) and under /v1/operator/ for operators
// (every tenant). Every change is audited in the actor's trail and, when an
// operator acts on a tenant, in that tenant's trail too.
func (s *Server) registerUsers(api huma.API) {
	for _, sc := range []struct {
		prefix, who string
		meta        map[string]any
		tag         string
	}{{"/v1", "admins, their tenant", nil, "users"}, {"/v1/operator", "operators, every tenant", map[string]any{operatorScope: true}, "operator"}} {
		id := func(op string) string {
			if sc.meta != nil {
				return "operator-" + op
			}
			return op
		}
		tags := []string{sc.tag}
		register(s, api, huma.Operation{OperationID: id("list-users"), Method: http.MethodGet, Path: sc.prefix + "/users", Metadata: sc.meta,
			Summary: "List users (" + sc.who + ")", Tags: tags, Errors: []int{403}},
			func(ctx context.Context, _ *struct{}) (*usersOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				out := &usersOutput{}
				out.Body.Users, err = s.Auth.Users(ctx, auth.ScopeOf(p))
				return out, err
			})
		register(s, api, huma.Operation{OperationID: id("create-user"), Method: http.MethodPost, Path: sc.prefix + "/users", Metadata: sc.meta, DefaultStatus: http.StatusCreated,
			Summary: "Create a user (" + sc.who + "); then issue it a token", Tags: tags, Errors: []int{403}},
			func(ctx context.Context, in *createUserInput) (*userOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				role, tenant := auth.Role(in.Body.Role), in.Body.TenantID
				if !p.IsOperator() {
					if role == auth.Operator {
						return nil, huma.Error403Forbidden(say(ctx, i18n.APIOnlyOperatorsCreateOperators))
					}
					if tenant != 0 && tenant != p.TenantID {
						return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidUser), &huma.ErrorDetail{Location: "body.tenant_id", Message: say(ctx, i18n.APIAdminsOwnTenant), Value: tenant})
					}
					tenant = p.TenantID
				} else if (role == auth.Operator) != (tenant == auth.OperatorTenant) {
					msg := say(ctx, i18n.APITenantUserNeedsTenant)
					if role == auth.Operator {
						msg = say(ctx, i18n.APIOperatorNoTenant)
					}
					return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidUser), &huma.ErrorDetail{Location: "body.tenant_id", Message: msg, Value: tenant})
				}
				name := strings.TrimSpace(in.Body.Name)
				if name == "" || strings.ContainsFunc(name, schedules.IsControl) {
					return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidUser), &huma.ErrorDetail{Location: "body.name", Message: say(ctx, i18n.APIDisplayNameRequired)})
				}
				email, err := checkEmail(ctx, in.Body.Email, "body.email")
				if err != nil {
					return nil, err
				}
				created, err := s.Auth.CreateUser(ctx, tenant, name, role)
				if err != nil {
					return nil, err
				}
				u, err := s.Auth.User(ctx, auth.ScopeOf(p), created.UserID)
				if err != nil {
					return nil, err
				}
				s.auditFor(ctx, u.TenantID, "user.create", u.ID, fmt.Sprintf("%s (%s)", u.Name, u.Role))
				if email != "" {
					if u, err = s.Auth.SetEmail(ctx, auth.ScopeOf(p), u.ID, email); err != nil {
						return nil, err
					}
				}
				if in.Body.PersonalData {
					if u, err = s.Auth.SetPersonalData(ctx, auth.ScopeOf(p), u.ID, true); err != nil {
						return nil, err
					}
					s.auditFor(ctx, u.TenantID, "user.personal_data.grant", u.ID, u.Name)
				}
				return &userOutput{Body: u}, nil
			})
		register(s, api, huma.Operation{OperationID: id("set-user-personal-data"), Method: http.MethodPut, Path: sc.prefix + "/users/{id}/personal-data", Metadata: sc.meta,
			Summary: "Give or take away a user's personal_data permission (" + sc.who + ")",
			Description: "With the permission, personal columns (names, phones, e-mails, documents, IPs, free text) are shown whole everywhere rows travel and the extractions may run; " +
				"each such run or download is recorded in the tenant's audit. Without it they are masked. Takes effect on the user's next request; a schedule checks its owner's permission at fire time.",
			Tags: tags, Errors: []int{403, 404, 409}},
			func(ctx context.Context, in *personalDataInput) (*userOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				u, err := s.Auth.SetPersonalData(ctx, auth.ScopeOf(p), in.ID, in.Body.Granted)
				if err != nil {
					return nil, err
				}
				action := "user.personal_data.revoke"
				if in.Body.Granted {
					action = "user.personal_data.grant"
				}
				s.auditFor(ctx, u.TenantID, action, u.ID, u.Name)
				return &userOutput{Body: u}, nil
			})
		register(s, api, huma.Operation{OperationID: id("set-user-email"), Method: http.MethodPut, Path: sc.prefix + "/users/{id}/email", Metadata: sc.meta,
			Summary: "Set the e-mail address notices of a user's runs go to (" + sc.who + ")", Tags: tags, Errors: []int{403, 404}},
			func(ctx context.Context, in *userEmailInput) (*userOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				email, err := checkEmail(ctx, in.Body.Email, "body.email")
				if err != nil {
					return nil, err
				}
				u, err := s.Auth.SetEmail(ctx, auth.ScopeOf(p), in.ID, email)
				if err != nil {
					return nil, err
				}
				s.auditFor(ctx, u.TenantID, "user.email", u.ID, u.Name)
				return &userOutput{Body: u}, nil
			})
		register(s, api, huma.Operation{OperationID: id("disable-user"), Method: http.MethodPost, Path: sc.prefix + "/users/{id}/disable", Metadata: sc.meta,
			Summary: "Disable a user: its tokens stop working at once (" + sc.who + ")", Tags: tags, Errors: []int{403, 404}},
			func(ctx context.Context, in *userIDInput) (*userOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				if in.ID == p.UserID {
					return nil, huma.Error409Conflict(say(ctx, i18n.APICannotDisableYourself))
				}
				u, err := s.Auth.DisableUser(ctx, auth.ScopeOf(p), in.ID)
				if err != nil {
					return nil, err
				}
				s.auditFor(ctx, u.TenantID, "user.disable", u.ID, u.Name)
				return &userOutput{Body: u}, nil
			})
		register(s, api, huma.Operation{OperationID: id("list-tokens"), Method: http.MethodGet, Path: sc.prefix + "/tokens", Metadata: sc.meta,
			Summary: "List API tokens, never their secrets (" + sc.who + ")", Tags: tags, Errors: []int{403}},
			func(ctx context.Context, in *tokensInput) (*tokensOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				out := &tokensOutput{}
				out.Body.Tokens, err = s.Auth.Tokens(ctx, auth.ScopeOf(p), in.UserID)
				return out, err
			})
		register(s, api, huma.Operation{OperationID: id("issue-token"), Method: http.MethodPost, Path: sc.prefix + "/tokens", Metadata: sc.meta, DefaultStatus: http.StatusCreated,
			Summary: "Issue an API token to a user; the secret is in this answer only (" + sc.who + ")", Tags: tags, Errors: []int{403, 404}},
			func(ctx context.Context, in *issueTokenInput) (*issuedTokenOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				u, err := s.Auth.User(ctx, auth.ScopeOf(p), in.Body.UserID)
				if err != nil {
					return nil, err
				}
				if u.Role == auth.Operator && !p.IsOperator() {
					return nil, huma.Error403Forbidden(say(ctx, i18n.APIOnlyOperatorsIssueOperatorTokens))
				}
				if u.DisabledAt != nil {
					return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidTokenRequest), &huma.ErrorDetail{Location: "body.user_id", Message: say(ctx, i18n.APIUserDisabled), Value: u.ID})
				}
				exp, err := auth.ParseExpiry(in.Body.Expires, s.Auth.Clock())
				if err == nil && exp != nil && !exp.After(s.Auth.Clock()) {
					err = i18n.Errorf(i18n.APIExpiryNotFuture)
				}
				if err != nil {
					return nil, huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidTokenRequest), &huma.ErrorDetail{Location: "body.expires", Message: i18n.Text(err, i18n.FromContext(ctx)), Value: in.Body.Expires})
				}
				tok, secret, err := s.Auth.Issue(ctx, u.ID, auth.TokenOptions{Name: in.Body.Name, ExpiresAt: exp})
				if err != nil {
					return nil, err
				}
				s.auditFor(ctx, u.TenantID, "token.issue", tok.ID, tokenDetail(tok))
				out := &issuedTokenOutput{}
				out.Body.Token, out.Body.Secret = tok, secret
				return out, nil
			})
		register(s, api, huma.Operation{OperationID: id("revoke-token"), Method: http.MethodPost, Path: sc.prefix + "/tokens/{id}/revoke", Metadata: sc.meta,
			Summary: "Revoke an API token: it stops working at once, open event streams end (" + sc.who + ")", Tags: tags, Errors: []int{403, 404}},
			func(ctx context.Context, in *tokenIDInput) (*tokenOutput, error) {
				p, err := userAdmin(ctx)
				if err != nil {
					return nil, err
				}
				tok, err := s.Auth.Revoke(ctx, auth.ScopeOf(p), in.ID)
				if err != nil {
					return nil, err
				}
				s.auditFor(ctx, tok.TenantID, "token.revoke", tok.ID, tokenDetail(tok))
				return &tokenOutput{Body: tok}, nil
			})
	}
}

// userAdmin is the caller if it may manage users: a tenant admin or an operator.
func userAdmin(ctx context.Context) (auth.Principal, error) {
	p := principal(ctx)
	if !p.IsOperator() && !p.Role.Allows(auth.Admin) {
		return p, huma.Error403Forbidden(say(ctx, i18n.APIUsersForAdmins))
	}
	return p, nil
}

func tokenDetail(t auth.Token) string {
	d := "for " + t.UserName
	if t.Name != "" {
		d += " (" + t.Name + ")"
	}
	if t.ExpiresAt != nil {
		d += ", expires " + t.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return d
}

// auditFor records an action on tenant's users in the actor's trail and, for
// an operator acting on a tenant, in that tenant's trail too.
func (s *Server) auditFor(ctx context.Context, tenant uint32, action, object, detail string) {
	s.audit(ctx, action, object, detail)
	p := principal(ctx)
	if tenant == p.TenantID {
		return
	}
	if err := s.Auth.AuditIn(ctx, tenant, p, action, object, detail); err != nil {
		s.Logger.Error("audit", "action", action, "tenant", tenant, "request_id", RequestID(ctx), "err", err)
	}
}

// userName is a user's display name for run views, "" when unknown. Names
// never change, so they are kept for the life of the process.
func (s *Server) userName(id string) string {
	if v, ok := s.names.Load(id); ok {
		return v.(string)
	}
	u, err := s.Auth.User(context.Background(), auth.Scope{All: true}, id)
	if err != nil {
		return ""
	}
	s.names.Store(id, u.Name)
	return u.Name
}
