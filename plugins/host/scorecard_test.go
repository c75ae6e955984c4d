package host_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
)

var loggedTimeLoaded bool

// loadLoggedTimeData adds tenant 3's sessions for the logged-time cases. The
// period is the local day 2024-03-01 in America/Sao_Paulo (UTC−3):
// [03-01 03:00Z, 03-02 03:00Z), 24 h = 86,400 s. Times below are UTC.
//
//	user    sessions (login → logout)                         logged in the period
//	Dora    04:00 → 10:00 and 08:00 → 12:00 (overlap:        04:00–12:00 = 8 h = 28,800
//	        an incorrect logout)                              (not 6 h + 4 h = 36,000)
//	Edu     12:00 → no logout; next login 15:00 → 16:00       12:00–15:00 + 15:00–16:00 = 4 h = 14,400
//	                                                          (not 12:00 → the end 03:00Z = 15 h)
//	Fábio   02-29 20:00 → 03-01 05:00 (crosses the start)     03:00–05:00 = 2 h = 7,200
//	        03-02 01:00 → 03-02 06:00 (crosses the end)       01:00–03:00 = 2 h = 7,200 → 14,400
//	Gil     02-29 00:00 → 03-03 00:00, and 10:00 → 11:00      the whole period, once = 86,400
//	        inside it
//	Helena  02-20 10:00 → 11:00 (before); 03-01 10:00 →       nothing: no activity, no row
//	        no logout and never a later login (end unknown)
//
// Dora, Edu, Fábio and Gil each answer 4 calls of 60 s in the day.
func loadLoggedTimeData(t *testing.T) engine.Backend {
	t.Helper()
	b := loadData(t)
	if loggedTimeLoaded {
		return b
	}
	ctx := context.Background()
	for _, s := range []string{
		"INSERT INTO wh.tenants (tenant_id, name, time_zone) VALUES (3, 'T3', 'America/Sao_Paulo')",
		"INSERT INTO wh.wallets VALUES (3, 30, 'Suporte')",
		`INSERT INTO wh.users (tenant_id, user_id, wallet_id, name, email, role) VALUES
		 (3, 301, 30, 'Dora', 'd@t3', 'viewer'), (3, 302, 30, 'Edu', 'e@t3', 'viewer'), (3, 303, 30, 'Fábio', 'f@t3', 'viewer'),
		 (3, 304, 30, 'Gil', 'g@t3', 'viewer'), (3, 305, 30, 'Helena', 'h@t3', 'viewer')`,
		`INSERT INTO wh.user_sessions (tenant_id, wallet_id, session_id, user_id, login_at, logout_at) VALUES
		 (3, 30, 31, 301, '2024-03-01 04:00:00', '2024-03-01 10:00:00'),
		 (3, 30, 32, 301, '2024-03-01 08:00:00', '2024-03-01 12:00:00'),
		 (3, 30, 33, 302, '2024-03-01 12:00:00', NULL),
		 (3, 30, 34, 302, '2024-03-01 15:00:00', '2024-03-01 16:00:00'),
		 (3, 30, 35, 303, '2024-02-29 20:00:00', '2024-03-01 05:00:00'),
		 (3, 30, 36, 303, '2024-03-02 01:00:00', '2024-03-02 06:00:00'),
		 (3, 30, 37, 304, '2024-02-29 00:00:00', '2024-03-03 00:00:00'),
		 (3, 30, 38, 304, '2024-03-01 10:00:00', '2024-03-01 11:00:00'),
		 (3, 30, 39, 305, '2024-02-20 10:00:00', '2024-02-20 11:00:00'),
		 (3, 30, 40, 305, '2024-03-01 10:00:00', NULL)`,
		`INSERT INTO wh.calls (tenant_id, wallet_id, call_id, user_id, outcome, entered_queue_at, ended_at, talk_ms) VALUES
		 (3, 30, 301, 301, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 302, 301, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 303, 301, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 304, 301, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 305, 302, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 306, 302, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 307, 302, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 308, 302, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 309, 303, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 310, 303, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 311, 303, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 312, 303, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 313, 304, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 314, 304, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000),
		 (3, 30, 315, 304, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000), (3, 30, 316, 304, 'answered', '2024-03-01 12:00:00', '2024-03-01 12:01:00', 60000)`,
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	loggedTimeLoaded = true
	return b
}

func TestScorecard_LoggedTimeIsTheUnionOfSessionsClippedToThePeriod(t *testing.T) {
	b := loadLoggedTimeData(t)
	bd := setup(t, map[string]string{"scorecard": scorecardID})
	if err := bd.h.SetEntitlement(scorecardID, 3, true); err != nil {
		t.Fatal(err)
	}
	rows, res, err := run(t, bd.h, context.Background(), 3, scorecardID, map[string]any{"period": "2024-03-01..2024-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	cols := res.Columns()
	// Every user handled 4 calls → volume 4/4 × 100 = 100 for all; no NPS answers,
	// so each score is (40 × volume + 30 × productivity) / 70.
	// productivity = 4 × 3600 / logged: Dora 14400/28800 = 0.5, Edu and Fábio
	// 14400/14400 = 1, Gil 14400/86400 = 1/6; the highest is 1.
	// Dora (4000 + 30 × 50) / 70 = 5500/70; Edu and Fábio (4000 + 3000) / 70 = 100
	// (a tie: rank 1, by name); Gil (4000 + 30 × 100/6) / 70 = 4500/70. Helena: no row.
	want := [][]string{
		// rank user wallet calls avg_talk convs nps_answers nps logged productivity score
		{"1", "Edu", "Suporte", "4", "60", "0", "0", "NULL", "14400", "1", "100"},
		{"1", "Fábio", "Suporte", "4", "60", "0", "0", "NULL", "14400", "1", "100"},
		{"3", "Dora", "Suporte", "4", "60", "0", "0", "NULL", "28800", "0.5", strconv.FormatFloat(5500.0/70, 'f', -1, 64)},
		{"4", "Gil", "Suporte", "4", "60", "0", "0", "NULL", "86400", strconv.FormatFloat(1.0/6, 'f', -1, 64), strconv.FormatFloat(4500.0/70, 'f', -1, 64)},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows %v, want %d", len(rows), rows, len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !sameValue(rows[i][j], want[i][j]) {
				t.Errorf("row %d column %s = %q, want %q", i+1, cols[j].Name, rows[i][j], want[i][j])
			}
		}
	}
	// Never more than the period, and the same total as access.user_logins
	// gives for the same user and period.
	const period = 24 * 3600
	logins := userLoginsTotals(t, b, 3, "2024-03-01..2024-03-01")
	for _, r := range rows {
		logged, err := strconv.ParseInt(r[8], 10, 64)
		if err != nil {
			t.Fatalf("logged time %q: %v", r[8], err)
		}
		if logged > period {
			t.Errorf("%s: logged %d s, more than the period's %d s", r[1], logged, period)
		}
		if logins[r[1]] != logged {
			t.Errorf("%s: scorecard logged %d s, access.user_logins adds up to %d s", r[1], logged, logins[r[1]])
		}
	}
	if got := logins["Helena"]; got != 0 {
		t.Errorf("Helena: access.user_logins adds up to %d s, want 0 (her open session has no known end)", got)
	}
}

// userLoginsTotals runs the catalog's access.user_logins for tenant over
// period and adds up its logged_in_period column per user name.
func userLoginsTotals(t *testing.T, b engine.Backend, tenant uint32, period string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		t.Fatal(err)
	}
	def, ok := cat.Reports["access.user_logins"]
	if !ok {
		t.Fatal("access.user_logins is not in the catalog")
	}
	loc, _ := time.LoadLocation("America/Sao_Paulo")
	comp, err := engine.Compile(ctx, def, map[string]any{"period": period},
		engine.CompileEnv{Tenant: tenant, Location: loc, Now: time.Date(2024, 3, 10, 12, 0, 0, 0, loc), Tables: schema.Tables()})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := b.Query(ctx, comp.Query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	user, logged := -1, -1
	for i, c := range rows.Columns() {
		switch c.Name {
		case "user_name":
			user = i
		case "logged_in_period":
			logged = i
		}
	}
	if user < 0 || logged < 0 {
		t.Fatalf("access.user_logins columns %v lack user_name or logged_in_period", rows.Columns())
	}
	totals := map[string]int64{}
	for rows.Next() {
		v := rows.Values()
		n, err := strconv.ParseInt(string(v[logged]), 10, 64)
		if err != nil {
			t.Fatalf("logged_in_period %q: %v", v[logged], err)
		}
		totals[string(v[user])] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return totals
}
