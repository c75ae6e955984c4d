package auth

import (
	"strings"
	"testing"
)

func TestOIDC_ClaimsMapToAPrincipal(t *testing.T) {
	o := &OIDC{cfg: OIDCConfig{TenantClaim: "ext.tenant_id", RoleClaim: "role", NameClaim: "name"}}
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   string // "tenant role name" or "error: part of the message"
	}{
		{"a manager of tenant 2", map[string]any{"ext": map[string]any{"tenant_id": float64(2)}, "role": "manager", "name": "Ana Lima"}, "2 manager Ana Lima"},
		{"a tenant as text", map[string]any{"ext": map[string]any{"tenant_id": "7"}, "role": "Viewer"}, "7 viewer sub-1"},
		{"an operator without tenant", map[string]any{"role": "operator", "name": "Comercial"}, "0 operator Comercial"},
		{"no role", map[string]any{"ext": map[string]any{"tenant_id": float64(2)}}, "error: claim role"},
		{"an unknown role", map[string]any{"ext": map[string]any{"tenant_id": float64(2)}, "role": "root"}, "error: claim role"},
		{"a viewer without tenant", map[string]any{"role": "viewer"}, "error: claim ext.tenant_id"},
		{"an operator with a tenant", map[string]any{"ext": map[string]any{"tenant_id": float64(1)}, "role": "operator"}, "error: claim ext.tenant_id"},
		{"a fractional tenant", map[string]any{"ext": map[string]any{"tenant_id": 1.5}, "role": "viewer"}, "error: not a tenant number"},
		{"a negative tenant", map[string]any{"ext": map[string]any{"tenant_id": float64(-1)}, "role": "viewer"}, "error: not a tenant number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := o.principal("sub-1", tc.claims)
			got := ""
			if err != nil {
				got = "error: " + err.Error()
				if !strings.HasPrefix(tc.want, "error: ") || !strings.Contains(got, strings.TrimPrefix(tc.want, "error: ")) {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
				return
			}
			got = strings.Join([]string{itoa(p.TenantID), string(p.Role), p.Name}, " ")
			if got != tc.want || p.UserID != "oidc:sub-1" {
				t.Fatalf("got %q (%s), want %q", got, p.UserID, tc.want)
			}
		})
	}
}

func itoa(n uint32) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
