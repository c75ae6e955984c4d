package instance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/relato/relato/server/servertest"
)

// The demo admin's token can run an extraction (it holds personal_data); the
// manager's and the viewer's do not, and the printed lines say which is which.
func TestDemoUsers_OnlyTheAdminHoldsPersonalData(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	var out strings.Builder
	if err := srv.DemoUsers(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)demo tenant 1 (\w+)\s+\((.*)\) token: (\S+)$`)
	want := map[string]bool{"admin": true, "manager": false, "viewer": false}
	got := line.FindAllStringSubmatch(strings.TrimSpace(out.String()), -1)
	if len(got) != 3 {
		t.Fatalf("want three demo users, got:\n%s", out.String())
	}
	for _, m := range got {
		role, note, token := m[1], m[2], m[3]
		req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			Role         string `json:"role"`
			PersonalData bool   `json:"personal_data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&me)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: /v1/me %d %v", role, resp.StatusCode, err)
		}
		if me.Role != role || me.PersonalData != want[role] {
			t.Errorf("%s: /v1/me says role %q personal_data %v, want personal_data %v", role, me.Role, me.PersonalData, want[role])
		}
		if strings.Contains(note, "personal_data") != want[role] {
			t.Errorf("%s: printed note %q does not say whether it holds personal_data", role, note)
		}
	}
}

// A second start (make run again) reuses the demo users: both admin tokens
// are the same user, so the runs of the first start stay "Meus relatórios",
// and tenant 1 has one user of each name (found trying relato: every restart
// added another "Admin Demo").
func TestDemoUsers_ASecondStartReusesTheUsers(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	line := regexp.MustCompile(`(?m)demo tenant 1 admin\s+\(.*\) token: (\S+)$`)
	me := func(token string) (id string) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m struct {
			UserID string `json:"user_id"`
		}
		json.NewDecoder(resp.Body).Decode(&m)
		return m.UserID
	}
	var ids []string
	var admin string
	for range 2 {
		var out strings.Builder
		if err := srv.DemoUsers(context.Background(), &out); err != nil {
			t.Fatal(err)
		}
		m := line.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no admin line in:\n%s", out.String())
		}
		admin = m[1]
		ids = append(ids, me(admin))
	}
	if ids[0] == "" || ids[0] != ids[1] {
		t.Errorf("the two starts' admins are users %q and %q, want one", ids[0], ids[1])
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Users []struct{ Name string } }
	json.NewDecoder(resp.Body).Decode(&list)
	count := map[string]int{}
	for _, u := range list.Users {
		count[u.Name]++
	}
	for _, name := range []string{"Admin Demo", "Gestor Demo", "Leitor Demo"} {
		if count[name] != 1 {
			t.Errorf("%d users named %q, want 1 (users: %+v)", count[name], name, list.Users)
		}
	}
}

// The demo viewer is "Leitor Demo", named by what it may do ("Operador Demo"
// read as the platform's operator role); the "Operador Demo" an earlier
// version made is renamed, not left beside a second viewer, and keeps its id
// (so its runs stay its own).
func TestDemoUsers_TheViewerIsLeitorDemoAndTheFormerNameIsRenamed(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	old := srv.Token(1, "Operador Demo", "viewer")
	get := func(token, path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
	}
	var before struct {
		UserID string `json:"user_id"`
	}
	get(old, "/v1/me", &before)

	var out strings.Builder
	if err := srv.DemoUsers(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)demo tenant 1 (\w+)\s+\(.*\) token: (\S+)$`).FindAllStringSubmatch(out.String(), -1) {
		tokens[m[1]] = m[2]
	}
	var viewer struct {
		UserID string `json:"user_id"`
	}
	get(tokens["viewer"], "/v1/me", &viewer)
	if viewer.UserID != before.UserID {
		t.Errorf("the demo viewer is user %q, want the former Operador Demo %q", viewer.UserID, before.UserID)
	}
	var list struct {
		Users []struct{ Name, Role string }
	}
	get(tokens["admin"], "/v1/users", &list)
	var viewers []string
	for _, u := range list.Users {
		if u.Role == "viewer" {
			viewers = append(viewers, u.Name)
		}
	}
	if len(viewers) != 1 || viewers[0] != "Leitor Demo" {
		t.Errorf("viewers %v, want [Leitor Demo]", viewers)
	}
}
