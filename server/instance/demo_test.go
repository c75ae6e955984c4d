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
