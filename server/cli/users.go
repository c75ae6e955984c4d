package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
)

// cliOperator is who the command line acts as in the audit trail: it opens
// the control-plane database directly, so it is an operator by construction.
var cliOperator = auth.Principal{UserID: "cli", Name: "relato command line", Role: auth.Operator}

// dbFlag is --db of the users and tokens commands: the control-plane database
// (default RELATO_DB, else the serve default).
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", envOr("RELATO_DB", instance.Defaults().DB), "control-plane database: sqlite:<path> or postgres://…")
}

// audit records a command in the operator trail and in the tenant's.
func auditCLI(ctx context.Context, s *auth.Store, tenant uint32, action, object, detail string) error {
	if err := s.Audit(ctx, cliOperator, action, object, detail); err != nil {
		return err
	}
	if tenant == auth.OperatorTenant {
		return nil
	}
	return s.AuditIn(ctx, tenant, cliOperator, action, object, detail)
}

// users runs `relato users create|list|disable`.
func (a *app) users(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("users: want create, list, disable or personal-data (relato users create --tenant 1 --name \"Ana Lima\" --role admin)")
	}
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	db := dbFlag(fs)
	switch args[0] {
	case "create":
		tenant := fs.Uint("tenant", 0, "the user's tenant (0 for an operator)")
		name := fs.String("name", "", "display name, shown as the requesting user on runs")
		roleName := fs.String("role", "", "viewer, manager, admin or operator")
		personal := fs.Bool("personal-data", false, "give the personal_data permission: personal columns whole, extractions allowed (LGPD)")
		email := fs.String("email", "", "where notices of the user's runs go (ana@example.com)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *email != "" {
			a, err := mail.ParseAddress(*email)
			if err != nil {
				return fmt.Errorf("--email: not an e-mail address, e.g. ana@example.com: %q", *email)
			}
			*email = a.Address
		}
		role, err := auth.ParseRole(*roleName)
		if err != nil {
			return fmt.Errorf("--role: %w", err)
		}
		n := strings.TrimSpace(*name)
		if n == "" {
			return errors.New("--name: a display name is required")
		}
		if *tenant > 1<<32-1 {
			return errors.New("--tenant: too large")
		}
		s, err := auth.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		p, err := s.CreateUser(ctx, uint32(*tenant), n, role)
		if err != nil {
			return fmt.Errorf("--tenant/--role: %w", err)
		}
		if err := auditCLI(ctx, s, p.TenantID, "user.create", p.UserID, fmt.Sprintf("%s (%s)", p.Name, p.Role)); err != nil {
			return err
		}
		if *email != "" {
			if _, err := s.SetEmail(ctx, auth.Scope{All: true}, p.UserID, *email); err != nil {
				return fmt.Errorf("--email: %w", err)
			}
		}
		if *personal {
			if _, err := s.SetPersonalData(ctx, auth.Scope{All: true}, p.UserID, true); err != nil {
				return fmt.Errorf("--personal-data: %w", err)
			}
			if err := auditCLI(ctx, s, p.TenantID, "user.personal_data.grant", p.UserID, p.Name); err != nil {
				return err
			}
		}
		fmt.Fprintln(a.stdout, p.UserID)
		fmt.Fprintf(a.stderr, "created %s %q of tenant %d; issue a token with: relato tokens issue --user %s\n", p.Role, p.Name, p.TenantID, p.UserID)
		return nil
	case "list":
		tenant := fs.Int64("tenant", -1, "only this tenant's users (0: the operators)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		s, err := auth.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		sc := auth.Scope{All: *tenant < 0, Tenant: uint32(max(*tenant, 0))}
		users, err := s.Users(ctx, sc)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tTENANT\tROLE\tNAME\tSTATUS\tPERSONAL DATA")
		for _, u := range users {
			status := "active"
			if u.DisabledAt != nil {
				status = "disabled " + u.DisabledAt.UTC().Format(time.RFC3339)
			}
			personal := "masked"
			if u.PersonalData {
				personal = "whole"
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", u.ID, u.TenantID, u.Role, u.Name, status, personal)
		}
		return w.Flush()
	case "disable":
		s, id, err := openForOne(ctx, fs, args[1:], *db, "users disable: want one user id (relato users list shows them)")
		if err != nil {
			return err
		}
		defer s.Close()
		u, err := s.DisableUser(ctx, auth.Scope{All: true}, id)
		if err != nil {
			return err
		}
		if err := auditCLI(ctx, s, u.TenantID, "user.disable", u.ID, u.Name); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "disabled %s %q of tenant %d: its tokens no longer work\n", u.Role, u.Name, u.TenantID)
		return nil
	case "personal-data":
		// relato users personal-data USER_ID on|off
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 2 || (fs.Arg(1) != "on" && fs.Arg(1) != "off") {
			return errors.New("users personal-data: want a user id and on or off (relato users personal-data u_… on)")
		}
		s, err := auth.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		granted := fs.Arg(1) == "on"
		u, err := s.SetPersonalData(ctx, auth.Scope{All: true}, fs.Arg(0), granted)
		if err != nil {
			return err
		}
		action := "user.personal_data.revoke"
		if granted {
			action = "user.personal_data.grant"
		}
		if err := auditCLI(ctx, s, u.TenantID, action, u.ID, u.Name); err != nil {
			return err
		}
		state := "masked for"
		if granted {
			state = "shown whole to"
		}
		fmt.Fprintf(a.stderr, "personal data is now %s %s %q of tenant %d\n", state, u.Role, u.Name, u.TenantID)
		return nil
	}
	return fmt.Errorf("users %s: unknown; want create, list, disable or personal-data", args[0])
}

// tokens runs `relato tokens issue|list|revoke`.
func (a *app) tokens(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("tokens: want issue, list or revoke (relato tokens issue --user u_… --expires 90d)")
	}
	fs := flag.NewFlagSet("tokens "+args[0], flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	db := dbFlag(fs)
	switch args[0] {
	case "issue":
		user := fs.String("user", "", "the user id the token acts as")
		name := fs.String("name", "", "what the token is for")
		expires := fs.String("expires", "", "when it stops working: 90d, 12h, 2025-01-31 or an RFC 3339 time (default: never)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *user == "" {
			return errors.New("--user: the user id is required (relato users list shows them)")
		}
		exp, err := auth.ParseExpiry(*expires, time.Now())
		if err != nil {
			return fmt.Errorf("--expires: %w", err)
		}
		s, err := auth.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		tok, secret, err := s.Issue(ctx, *user, auth.TokenOptions{Name: *name, ExpiresAt: exp})
		if err != nil {
			return err
		}
		if err := auditCLI(ctx, s, tok.TenantID, "token.issue", tok.ID, tokenDetail(tok)); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, secret)
		fmt.Fprintf(a.stderr, "issued token %s %s; the secret above is shown this once\n", tok.ID, tokenDetail(tok))
		return nil
	case "list":
		tenant := fs.Int64("tenant", -1, "only this tenant's tokens (0: the operators')")
		user := fs.String("user", "", "only this user's tokens")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		s, err := auth.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		toks, err := s.Tokens(ctx, auth.Scope{All: *tenant < 0, Tenant: uint32(max(*tenant, 0))}, *user)
		if err != nil {
			return err
		}
		now := time.Now()
		w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tTENANT\tUSER\tNAME\tCREATED\tEXPIRES\tSTATUS")
		for _, t := range toks {
			expires, status := "never", "active"
			if t.ExpiresAt != nil {
				expires = t.ExpiresAt.UTC().Format(time.RFC3339)
				if !now.Before(*t.ExpiresAt) {
					status = "expired"
				}
			}
			if t.RevokedAt != nil {
				status = "revoked " + t.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.TenantID, t.UserName, t.Name, t.CreatedAt.UTC().Format(time.RFC3339), expires, status)
		}
		return w.Flush()
	case "revoke":
		s, id, err := openForOne(ctx, fs, args[1:], *db, "tokens revoke: want one token id (relato tokens list shows them)")
		if err != nil {
			return err
		}
		defer s.Close()
		tok, err := s.Revoke(ctx, auth.Scope{All: true}, id)
		if err != nil {
			return err
		}
		if err := auditCLI(ctx, s, tok.TenantID, "token.revoke", tok.ID, tokenDetail(tok)); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "revoked token %s %s\n", tok.ID, tokenDetail(tok))
		return nil
	}
	return fmt.Errorf("tokens %s: unknown; want issue, list or revoke", args[0])
}

func tokenDetail(t auth.Token) string {
	d := "for " + t.UserName
	if t.Name != "" {
		d += " (" + t.Name + ")"
	}
	if t.ExpiresAt != nil {
		d += ", expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return d
}

// openForOne parses a command that takes one id, then opens the auth store;
// want is the error when the id is missing or extra.
func openForOne(ctx context.Context, fs *flag.FlagSet, args []string, db, want string) (*auth.Store, string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if fs.NArg() != 1 {
		return nil, "", errors.New(want)
	}
	s, err := auth.Open(ctx, db)
	if err != nil {
		return nil, "", err
	}
	return s, fs.Arg(0), nil
}
