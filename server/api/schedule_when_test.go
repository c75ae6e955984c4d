package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// whenJSON is a schedule's times as the API sends them: kept as text, to
// check the zone's offset is written.
type whenJSON struct {
	ID        string   `json:"id"`
	NextRuns  []string `json:"next_runs"`
	StartsAt  string   `json:"starts_at"`
	LastRunID *string  `json:"last_run_id"`
	Repeat    *struct {
		Every string `json:"every"`
	} `json:"repeat"`
}

func (b scheduleBundle) createWhen(t *testing.T, when map[string]any) (int, whenJSON, []byte) {
	t.Helper()
	body := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"},
		"destinations": []any{map[string]any{"kind": "ftp", "config": map[string]any{"host": "127.0.0.1", "username": "u", "password": "p"}}}}
	for k, v := range when {
		body[k] = v
	}
	code, _, data := b.do(t, b.manager, "POST", "/v1/schedules", body)
	var s whenJSON
	json.Unmarshal(data, &s)
	return code, s, data
}

func (b scheduleBundle) get(t *testing.T, id string) whenJSON {
	t.Helper()
	_, _, data := b.do(t, b.manager, "GET", "/v1/schedules/"+id, nil)
	var s whenJSON
	json.Unmarshal(data, &s)
	return s
}

func TestSchedules_OnceFiresAtItsDateAndTimeInTheZoneAndNeverAgain(t *testing.T) {
	b := setupSchedules(t) // the clock: 2024-03-20 09:00 in São Paulo (12:00 UTC)
	code, sch, data := b.createWhen(t, map[string]any{"repeat": map[string]any{"every": "once"}, "starts_at": "2024-03-21T07:00"})
	// 07:00 on 21 March in São Paulo (-03:00) is 10:00 UTC; written with the zone's offset.
	if code != 201 || len(sch.NextRuns) != 1 || sch.NextRuns[0] != "2024-03-21T07:00:00-03:00" || sch.StartsAt != "2024-03-21T07:00:00-03:00" ||
		sch.Repeat == nil || sch.Repeat.Every != "once" {
		t.Fatalf("create: %d %s", code, data)
	}
	ctx := context.Background()
	b.clock.Set(time.Date(2024, 3, 21, 9, 59, 0, 0, time.UTC)) // a minute early: nothing
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b.get(t, sch.ID); s.LastRunID != nil {
		t.Fatalf("fired before its time: %+v", s)
	}
	b.clock.Set(time.Date(2024, 3, 21, 10, 0, 0, 0, time.UTC))
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	fired := b.get(t, sch.ID)
	if fired.LastRunID == nil || len(fired.NextRuns) != 0 {
		t.Fatalf("at its time: %+v; want fired, nothing next", fired)
	}
	// A year later it has not fired again.
	b.clock.Set(time.Date(2025, 3, 21, 10, 0, 0, 0, time.UTC))
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if again := b.get(t, sch.ID); again.LastRunID == nil || *again.LastRunID != *fired.LastRunID {
		t.Fatalf("fired again: %+v", again)
	}
}

func TestSchedules_LastBusinessDayAndEndDate(t *testing.T) {
	b := setupSchedules(t)
	b.clock.Set(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC))
	// From 1 February 2026 at 07:00: February ends on Saturday 28, so Friday
	// 27; March on Tuesday 31; April on Thursday 30; May on Sunday 31, so
	// Friday 29; June on Tuesday 30.
	code, sch, data := b.createWhen(t, map[string]any{"repeat": map[string]any{"every": "last_business_day"}, "starts_at": "2026-02-01T07:00"})
	want := []string{"2026-02-27T07:00:00-03:00", "2026-03-31T07:00:00-03:00", "2026-04-30T07:00:00-03:00", "2026-05-29T07:00:00-03:00", "2026-06-30T07:00:00-03:00"}
	if code != 201 || strings.Join(sch.NextRuns, " ") != strings.Join(want, " ") {
		t.Fatalf("last business day: %d %v\nwant %v\n%s", code, sch.NextRuns, want, data)
	}
	// The same ending on 30 April at 23:59: February, March and April only.
	code, sch, data = b.createWhen(t, map[string]any{"repeat": map[string]any{"every": "last_business_day"}, "starts_at": "2026-02-01T07:00", "ends_at": "2026-04-30T23:59"})
	if code != 201 || strings.Join(sch.NextRuns, " ") != strings.Join(want[:3], " ") {
		t.Fatalf("with an end: %d %v\n%s", code, sch.NextRuns, data)
	}
	// Fired on 30 April, it has nothing next: the end stops it.
	b.clock.Set(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC))
	// The first due time (27 February) is long past: missed fires collapse into one.
	if err := b.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := b.get(t, sch.ID); s.LastRunID == nil || len(s.NextRuns) != 0 {
		t.Fatalf("after the last fire before the end: %+v", s)
	}
	// Weekly on Monday and Wednesday at 08:30 from Wednesday 1 April 2026,
	// saved on 1 February.
	b.clock.Set(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC))
	code, sch, data = b.createWhen(t, map[string]any{"repeat": map[string]any{"every": "weekly", "days": []string{"wed", "mon"}}, "starts_at": "2026-04-01T08:30"})
	wantWeekly := []string{"2026-04-01T08:30:00-03:00", "2026-04-06T08:30:00-03:00", "2026-04-08T08:30:00-03:00", "2026-04-13T08:30:00-03:00", "2026-04-15T08:30:00-03:00"}
	if code != 201 || strings.Join(sch.NextRuns, " ") != strings.Join(wantWeekly, " ") {
		t.Fatalf("weekly: %d %v\nwant %v\n%s", code, sch.NextRuns, wantWeekly, data)
	}
}

func TestSchedules_InvalidWhenIs422AtTheField(t *testing.T) {
	b := setupSchedules(t) // 2024-03-20 09:00 in São Paulo
	for _, c := range []struct {
		name string
		when map[string]any
		loc  string
	}{
		{"neither words nor cron", map[string]any{}, "body.repeat"},
		{"both words and cron", map[string]any{"repeat": map[string]any{"every": "daily"}, "starts_at": "2024-03-21T07:00", "recurrence": "0 7 * * *"}, "body.recurrence"},
		{"words without a start", map[string]any{"repeat": map[string]any{"every": "daily"}}, "body.starts_at"},
		{"once in the past", map[string]any{"repeat": map[string]any{"every": "once"}, "starts_at": "2024-03-19T07:00"}, "body.starts_at"},
		{"a start that is not a date", map[string]any{"repeat": map[string]any{"every": "daily"}, "starts_at": "21/03/2024 07:00"}, "body.starts_at"},
		{"end before start", map[string]any{"repeat": map[string]any{"every": "daily"}, "starts_at": "2024-03-21T07:00", "ends_at": "2024-03-20T07:00"}, "body.ends_at"},
		{"weekly without days", map[string]any{"repeat": map[string]any{"every": "weekly"}, "starts_at": "2024-03-21T07:00"}, "body.repeat.days"},
		{"weekly on a day that is not one", map[string]any{"repeat": map[string]any{"every": "weekly", "days": []string{"funday"}}, "starts_at": "2024-03-21T07:00"}, "body.repeat.days"},
		{"monthly without its day", map[string]any{"repeat": map[string]any{"every": "monthly"}, "starts_at": "2024-03-21T07:00"}, "body.repeat.day_of_month"},
		{"days for daily", map[string]any{"repeat": map[string]any{"every": "daily", "days": []string{"mon"}}, "starts_at": "2024-03-21T07:00"}, "body.repeat.days"},
	} {
		code, _, data := b.createWhen(t, c.when)
		var p problem
		json.Unmarshal(data, &p)
		found := false
		for _, e := range p.Errors {
			found = found || e.Location == c.loc
		}
		if code != 422 || !found {
			t.Errorf("%s: %d %s; want 422 at %s", c.name, code, data, c.loc)
		}
	}
}
