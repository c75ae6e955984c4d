package cli_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/servertest"
)

// Issue 11, point 3: an operator needed direct SQL to make a user of another
// tenant or a token. The CLI does it on the database a running server uses,
// and the server honours its expiries, revocations and disabled users.
func TestUsersAndTokens_CreatedExpiredAndRevokedThroughTheCLI(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "relato.db")
			if db == "postgres" {
				dsn = runstest.StartPostgres(t).NewDatabase(t)
			}
			// The server's clock is two days ahead of the CLI's: a token the
			// CLI issues for one day is already expired there, one for three
			// days is not.
			ahead := time.Now().Add(48 * time.Hour)
			srv := servertest.Start(t, servertest.Options{Now: func() time.Time { return ahead }, Configure: func(c *instance.Config) { c.DB = dsn }})
			cli := func(want int, args ...string) string {
				t.Helper()
				out, errOut, code := runRelato(t, []string{"RELATO_DB=" + dsn}, args...)
				if code != want {
					t.Fatalf("relato %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
				}
				return strings.TrimSpace(out)
			}
			me := func(token string) (int, string) {
				req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}

			cli(2, "users", "create", "--tenant", "2", "--name", "Ana", "--role", "root")
			cli(2, "users", "create", "--tenant", "2", "--name", "Ana", "--role", "operator")
			ana := cli(0, "users", "create", "--tenant", "2", "--name", "Ana Lima", "--role", "admin")
			if !strings.HasPrefix(ana, "u_") {
				t.Fatalf("user id %q", ana)
			}
			cli(2, "tokens", "issue", "--user", ana, "--expires", "yesterday")
			short := cli(0, "tokens", "issue", "--user", ana, "--expires", "1d")
			long := cli(0, "tokens", "issue", "--user", ana, "--expires", "3d", "--name", "BI")
			if code, _ := me(short); code != http.StatusUnauthorized {
				t.Fatalf("a token expired on the server's clock answered %d", code)
			}
			code, body := me(long)
			if code != 200 || !strings.Contains(body, `"name":"Ana Lima"`) || !strings.Contains(body, `"tenant_id":2`) || !strings.Contains(body, `"role":"admin"`) {
				t.Fatalf("me: %d %s", code, body)
			}
			list := cli(0, "tokens", "list", "--tenant", "2")
			if strings.Count(list, "Ana Lima") != 2 || strings.Contains(list, long) || strings.Contains(list, short) {
				t.Fatalf("tokens list:\n%s", list)
			}
			var bi string
			for _, line := range strings.Split(list, "\n") {
				if strings.Contains(line, " BI ") {
					bi = strings.Fields(line)[0]
				}
			}
			cli(0, "tokens", "revoke", bi)
			if code, _ := me(long); code != http.StatusUnauthorized {
				t.Fatalf("a revoked token answered %d", code)
			}
			if list := cli(0, "tokens", "list", "--user", ana); !strings.Contains(list, "revoked") {
				t.Fatalf("tokens list after revoke:\n%s", list)
			}
			// Disabling the user stops a token issued later too.
			fresh := cli(0, "tokens", "issue", "--user", ana)
			if code, _ := me(fresh); code != 200 {
				t.Fatalf("fresh token: %d", code)
			}
			cli(0, "users", "disable", ana)
			if code, _ := me(fresh); code != http.StatusUnauthorized {
				t.Fatalf("a disabled user's token answered %d", code)
			}
			if users := cli(0, "users", "list", "--tenant", "2"); !strings.Contains(users, "Ana Lima") || !strings.Contains(users, "disabled") {
				t.Fatalf("users list:\n%s", users)
			}
			// Each step is in tenant 2's audit trail.
			admin := srv.Token(2, "Bia", "admin")
			req, _ := http.NewRequest("GET", srv.URL+"/v1/audit?limit=1000", nil)
			req.Header.Set("Authorization", "Bearer "+admin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			trail, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, a := range []string{"user.create", "token.issue", "token.revoke", "user.disable"} {
				if !strings.Contains(string(trail), `"action":"`+a+`"`) {
					t.Errorf("%s is not in tenant 2's trail: %s", a, trail)
				}
			}
		})
	}
}

func TestUsers_PersonalDataIsGivenAndTakenFromTheCommandLine(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "relato.db")
	cli := func(want int, args ...string) string {
		t.Helper()
		out, errOut, code := runRelato(t, []string{"RELATO_DB=" + dsn}, args...)
		if code != want {
			t.Fatalf("relato %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return strings.TrimSpace(out)
	}
	ana := cli(0, "users", "create", "--tenant", "1", "--name", "Ana Lima", "--role", "viewer", "--personal-data")
	bia := cli(0, "users", "create", "--tenant", "1", "--name", "Bia Reis", "--role", "viewer")
	line := func(list, id string) string {
		for _, l := range strings.Split(list, "\n") {
			if strings.HasPrefix(l, id) {
				return l
			}
		}
		t.Fatalf("no %s in\n%s", id, list)
		return ""
	}
	list := cli(0, "users", "list", "--tenant", "1")
	if !strings.HasSuffix(line(list, ana), "whole") || !strings.HasSuffix(line(list, bia), "masked") {
		t.Fatalf("users list:\n%s", list)
	}
	cli(0, "users", "personal-data", ana, "off")
	cli(0, "users", "personal-data", bia, "on")
	cli(2, "users", "personal-data", bia, "maybe")
	list = cli(0, "users", "list", "--tenant", "1")
	if !strings.HasSuffix(line(list, ana), "masked") || !strings.HasSuffix(line(list, bia), "whole") {
		t.Fatalf("users list after the changes:\n%s", list)
	}
}

// Issue 14: a user created from the command line may carry the e-mail
// address its run notices go to; a malformed one is refused naming --email.
func TestUsers_CreatedWithTheEmailNoticesGoTo(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "relato.db")
	out, errOut, code := runRelato(t, []string{"RELATO_DB=" + dsn}, "users", "create", "--tenant", "1", "--name", "Ana Lima", "--role", "viewer", "--email", "ana(at)example.com")
	if code != 2 || !strings.Contains(errOut, "--email") {
		t.Fatalf("bad e-mail: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runRelato(t, []string{"RELATO_DB=" + dsn}, "users", "create", "--tenant", "1", "--name", "Ana Lima", "--role", "viewer", "--email", "Ana Lima <ana@example.com>")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	s, err := auth.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The bare address is kept, the name is the user's own.
	if name, email, err := s.ContactOf(context.Background(), strings.TrimSpace(out)); err != nil || name != "Ana Lima" || email != "ana@example.com" {
		t.Errorf("contact %q %q %v", name, email, err)
	}
}
