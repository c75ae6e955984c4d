package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/relato/relato/server/auth"
)

func TestPersonalData_AdminsGiveAndTakeItAndTokensCarryIt(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := auth.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ana, _ := s.CreateUser(ctx, 1, "Ana", auth.Viewer)
			bia, _ := s.CreateUser(ctx, 2, "Bia", auth.Viewer)
			op, _ := s.CreateUser(ctx, 0, "Olga", auth.Operator)
			secret, _ := s.IssueToken(ctx, ana.UserID)

			// A new user holds nothing.
			if p, err := s.Authenticate(ctx, secret); err != nil || p.PersonalData {
				t.Fatalf("new user: %+v %v", p, err)
			}
			// Tenant 1's admin reaches only tenant 1's users.
			if _, err := s.SetPersonalData(ctx, auth.Scope{Tenant: 1}, bia.UserID, true); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("another tenant's user: %v", err)
			}
			u, err := s.SetPersonalData(ctx, auth.Scope{Tenant: 1}, ana.UserID, true)
			if err != nil || !u.PersonalData {
				t.Fatalf("grant: %+v %v", u, err)
			}
			if p, _ := s.Authenticate(ctx, secret); !p.PersonalData {
				t.Error("the token does not carry the permission given")
			}
			if ok, err := s.PersonalDataOf(ctx, ana.UserID); err != nil || !ok {
				t.Errorf("PersonalDataOf after grant: %v %v", ok, err)
			}
			if _, err := s.SetPersonalData(ctx, auth.Scope{Tenant: 1}, ana.UserID, false); err != nil {
				t.Fatal(err)
			}
			if ok, _ := s.PersonalDataOf(ctx, ana.UserID); ok {
				t.Error("PersonalDataOf after revoke is still true")
			}
			// A disabled user holds nothing, whatever was given.
			s.SetPersonalData(ctx, auth.Scope{Tenant: 1}, ana.UserID, true)
			s.DisableUser(ctx, auth.Scope{Tenant: 1}, ana.UserID)
			if ok, _ := s.PersonalDataOf(ctx, ana.UserID); ok {
				t.Error("a disabled user still holds the permission")
			}
			if _, err := s.SetPersonalData(ctx, auth.Scope{All: true}, op.UserID, true); !errors.Is(err, auth.ErrOperatorPersonalData) {
				t.Errorf("operator: %v", err)
			}
			if ok, err := s.PersonalDataOf(ctx, "u_nobody"); ok || err != nil {
				t.Errorf("unknown user: %v %v", ok, err)
			}
		})
	}
}

func TestTenantSettings_PurposeRequiredIsPerTenant(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := auth.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if ts, err := s.TenantSettings(ctx, 1); err != nil || ts.PurposeRequired {
				t.Fatalf("default: %+v %v", ts, err)
			}
			for _, v := range []bool{true, false, true} { // set, unset, set again (the upsert)
				if err := s.SetTenantSettings(ctx, 1, auth.TenantSettings{PurposeRequired: v}); err != nil {
					t.Fatal(err)
				}
				if ts, _ := s.TenantSettings(ctx, 1); ts.PurposeRequired != v {
					t.Errorf("after setting %v: %+v", v, ts)
				}
			}
			if ts, _ := s.TenantSettings(ctx, 2); ts.PurposeRequired {
				t.Error("tenant 2 took tenant 1's setting")
			}
		})
	}
}
