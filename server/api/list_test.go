package api_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/relato/relato/server/servertest"
)

func TestAPI_ListNarrowsByReportStatusRequesterAndDayWithATotal(t *testing.T) {
	b := setup(t)
	me := func(token string) string {
		_, _, body := b.do(t, token, "GET", "/v1/me", nil)
		var v struct {
			UserID string `json:"user_id"`
		}
		json.Unmarshal(body, &v)
		return v.UserID
	}
	viewer2 := me(b.viewer2)
	// Three runs: two by viewer (service level, abandonment rate), one by viewer2 (service level).
	period := map[string]any{"period": "2024-03-01..2024-03-02"}
	r1 := b.generate(t, b.viewer, "kpis.service_level", period)
	r2 := b.generate(t, b.viewer, "kpis.abandonment_rate", period)
	r3 := b.generate(t, b.viewer2, "kpis.service_level", period)
	for _, r := range []runJSON{r1, r2, r3} {
		b.wait(t, b.manager, r.ID)
	}
	// Today and yesterday in the tenant's zone (São Paulo) by the server's
	// clock, fixed at servertest.SeedEnd: a run is requested at the instant
	// its request was validated.
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	today := servertest.SeedEnd.In(loc).Format(time.DateOnly)
	yesterday := servertest.SeedEnd.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	list := func(token string, q url.Values) (int, []string, int64) {
		t.Helper()
		code, _, body := b.do(t, token, "GET", "/v1/runs?"+q.Encode(), nil)
		var v struct {
			Runs []struct {
				ID string `json:"id"`
			} `json:"runs"`
			Total int64 `json:"total"`
		}
		json.Unmarshal(body, &v)
		var ids []string
		for _, r := range v.Runs {
			ids = append(ids, r.ID)
		}
		return code, ids, v.Total
	}
	for _, c := range []struct {
		name  string
		q     url.Values
		want  []string
		total int64
	}{
		{"all of the tenant", url.Values{"scope": {"all"}}, []string{r3.ID, r2.ID, r1.ID}, 3},
		{"a page of one still counts all three", url.Values{"scope": {"all"}, "limit": {"1"}}, []string{r3.ID}, 3},
		{"by report", url.Values{"scope": {"all"}, "report": {"kpis.service_level"}}, []string{r3.ID, r1.ID}, 2},
		{"by requester", url.Values{"scope": {"all"}, "user": {viewer2}}, []string{r3.ID}, 1},
		{"by status", url.Values{"scope": {"all"}, "status": {"failed"}}, nil, 0},
		{"requested today", url.Values{"scope": {"all"}, "from": {today}, "to": {today}}, []string{r3.ID, r2.ID, r1.ID}, 3},
		{"requested up to yesterday", url.Values{"scope": {"all"}, "to": {yesterday}}, nil, 0},
	} {
		code, ids, total := list(b.manager, c.q)
		if code != 200 || !equalIDs(ids, c.want) || total != c.total {
			t.Errorf("%s: %d %v total %d; want %v total %d", c.name, code, ids, total, c.want, c.total)
		}
	}
	// Bad bounds name the field; another user's runs are for managers.
	for _, c := range []struct {
		q    url.Values
		code int
		loc  string
	}{
		{url.Values{"scope": {"mine"}, "from": {"20/03/2024"}}, 422, "query.from"},
		{url.Values{"scope": {"mine"}, "from": {today}, "to": {yesterday}}, 422, "query.to"},
		{url.Values{"scope": {"mine"}, "user": {viewer2}}, 403, ""},
	} {
		code, _, body := b.do(t, b.viewer, "GET", "/v1/runs?"+c.q.Encode(), nil)
		var p problem
		json.Unmarshal(body, &p)
		if code != c.code || c.loc != "" && (len(p.Errors) == 0 || p.Errors[0].Location != c.loc) {
			t.Errorf("%v: %d %s; want %d at %q", c.q, code, body, c.code, c.loc)
		}
	}
}

func equalIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
