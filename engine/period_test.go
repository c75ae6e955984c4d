package engine

import (
	"strings"
	"testing"
	"time"
)

func saoPaulo(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at reads a local wall-clock time in São Paulo ("2024-03-10 12:00").
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, saoPaulo(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestResolvePeriod_RelativeNamesAreWholeLocalDaysBeforeNow(t *testing.T) {
	// Brazil has had no DST since 2019: every 2024 instant below is -03:00.
	// 2024-03-10 is a Sunday, 2024-03-04 a Monday, 2024-12-31 a Tuesday.
	tests := []struct {
		now, given string
		from, to   string // local wall clock, end excluded
	}{
		// An ordinary Sunday noon.
		{"2024-03-10 12:00", "today", "2024-03-10 00:00", "2024-03-11 00:00"},
		{"2024-03-10 12:00", "yesterday", "2024-03-09 00:00", "2024-03-10 00:00"},
		{"2024-03-10 12:00", "this_week", "2024-03-04 00:00", "2024-03-11 00:00"}, // Sunday ends the week
		{"2024-03-10 12:00", "previous_week", "2024-02-26 00:00", "2024-03-04 00:00"},
		{"2024-03-10 12:00", "this_month", "2024-03-01 00:00", "2024-04-01 00:00"},
		{"2024-03-10 12:00", "month_to_date", "2024-03-01 00:00", "2024-03-10 12:00"},
		{"2024-03-10 12:00", "previous_month", "2024-02-01 00:00", "2024-03-01 00:00"},
		{"2024-03-10 12:00", "last_24_hours", "2024-03-09 12:00", "2024-03-10 12:00"},
		{"2024-03-10 12:00", "last_7_days", "2024-03-03 00:00", "2024-03-10 00:00"},
		{"2024-03-10 12:00", "last_15_days", "2024-02-24 00:00", "2024-03-10 00:00"}, // Feb 24..29 (6 days) + Mar 1..9 (9 days)
		{"2024-03-10 12:00", "last_30_days", "2024-02-09 00:00", "2024-03-10 00:00"}, // Feb 9..29 (21 days) + Mar 1..9 (9 days)
		{"2024-03-10 12:00", "last_1_days", "2024-03-09 00:00", "2024-03-10 00:00"},
		{"2024-03-10 12:00", "last_366_days", "2023-03-10 00:00", "2024-03-10 00:00"}, // a leap year back
		{"2024-03-10 12:00", "  yesterday  ", "2024-03-09 00:00", "2024-03-10 00:00"},
		// Monday just after midnight: the week starts today.
		{"2024-03-04 00:30", "this_week", "2024-03-04 00:00", "2024-03-11 00:00"},
		{"2024-03-04 00:30", "previous_week", "2024-02-26 00:00", "2024-03-04 00:00"},
		{"2024-03-04 00:30", "yesterday", "2024-03-03 00:00", "2024-03-04 00:00"},
		// Leap day.
		{"2024-02-29 10:00", "today", "2024-02-29 00:00", "2024-03-01 00:00"},
		{"2024-02-29 10:00", "yesterday", "2024-02-28 00:00", "2024-02-29 00:00"},
		{"2024-02-29 10:00", "this_month", "2024-02-01 00:00", "2024-03-01 00:00"},
		{"2024-02-29 10:00", "previous_month", "2024-01-01 00:00", "2024-02-01 00:00"},
		{"2024-02-29 10:00", "last_7_days", "2024-02-22 00:00", "2024-02-29 00:00"},
		// The day after the leap day.
		{"2024-03-01 08:00", "yesterday", "2024-02-29 00:00", "2024-03-01 00:00"},
		{"2024-03-01 08:00", "previous_month", "2024-02-01 00:00", "2024-03-01 00:00"},
		{"2024-03-01 08:00", "last_30_days", "2024-01-31 00:00", "2024-03-01 00:00"}, // 29 of February + Jan 31
		// 23:59 local on a month's last day is already 02:59 UTC of the next
		// month: the local day decides.
		{"2024-01-31 23:59", "today", "2024-01-31 00:00", "2024-02-01 00:00"},
		{"2024-01-31 23:59", "this_month", "2024-01-01 00:00", "2024-02-01 00:00"},
		{"2024-01-31 23:59", "previous_month", "2023-12-01 00:00", "2024-01-01 00:00"},
		// Year end on a Tuesday.
		{"2024-12-31 22:00", "this_week", "2024-12-30 00:00", "2025-01-06 00:00"},
		{"2024-12-31 22:00", "this_month", "2024-12-01 00:00", "2025-01-01 00:00"},
		{"2024-12-31 22:00", "previous_month", "2024-11-01 00:00", "2024-12-01 00:00"},
		// São Paulo's DST began at 2018-11-04 00:00 -03 (clocks to 01:00 -02): that
		// day has no midnight and starts at 01:00; it has 23 hours.
		{"2018-11-04 12:00", "today", "2018-11-04 01:00", "2018-11-05 00:00"},
		{"2018-11-05 12:00", "yesterday", "2018-11-04 01:00", "2018-11-05 00:00"},
		{"2018-11-10 12:00", "last_7_days", "2018-11-03 00:00", "2018-11-10 00:00"},
		{"2018-11-10 12:00", "this_month", "2018-11-01 00:00", "2018-12-01 00:00"},
		// DST ended at 2019-02-17 00:00 -02 (clocks back to 2019-02-16 23:00 -03):
		// 2019-02-16 has 25 hours.
		{"2019-02-17 12:00", "yesterday", "2019-02-16 00:00", "2019-02-17 00:00"},
		{"2019-02-16 12:00", "today", "2019-02-16 00:00", "2019-02-17 00:00"},
		// 31 March: the previous month is February, not "31 February".
		{"2024-03-31 09:00", "previous_month", "2024-02-01 00:00", "2024-03-01 00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.now+" "+strings.TrimSpace(tc.given), func(t *testing.T) {
			env := Env{Now: at(t, tc.now), Location: saoPaulo(t)}
			p, err := ResolvePeriod(tc.given, env)
			if err != nil {
				t.Fatal(err)
			}
			if !p.From.Equal(at(t, tc.from)) || !p.To.Equal(at(t, tc.to)) {
				t.Errorf("got %s, want %s/%s (local)", p, tc.from, tc.to)
			}
			if p.Given != strings.TrimSpace(tc.given) {
				t.Errorf("Given = %q", p.Given)
			}
		})
	}
}

func TestResolvePeriod_AbsoluteFormsIncludeEndDatesAndExcludeEndInstants(t *testing.T) {
	tests := []struct {
		name     string
		given    any
		from, to string // RFC 3339
	}{
		{"dates include both days", "2024-03-01..2024-03-31", "2024-03-01T00:00:00-03:00", "2024-04-01T00:00:00-03:00"},
		{"one date is one day", "2024-02-29..2024-02-29", "2024-02-29T00:00:00-03:00", "2024-03-01T00:00:00-03:00"},
		{"a slash separates like ISO 8601", "2024-03-01/2024-03-02", "2024-03-01T00:00:00-03:00", "2024-03-03T00:00:00-03:00"},
		{"spaces around the bounds are ignored", " 2024-03-01 .. 2024-03-02 ", "2024-03-01T00:00:00-03:00", "2024-03-03T00:00:00-03:00"},
		{"local date-times exclude the end", "2024-03-01T08:00..2024-03-01T18:30", "2024-03-01T08:00:00-03:00", "2024-03-01T18:30:00-03:00"},
		{"local date-times with seconds and a space", "2024-03-01 08:00:15..2024-03-01 08:00:16", "2024-03-01T08:00:15-03:00", "2024-03-01T08:00:16-03:00"},
		{"RFC 3339 offsets win over the zone", "2024-03-01T08:00:00Z..2024-03-02T00:00:00+02:00", "2024-03-01T08:00:00Z", "2024-03-01T22:00:00Z"},
		{"a date start and a date-time end", "2024-03-01..2024-03-01T12:00", "2024-03-01T00:00:00-03:00", "2024-03-01T12:00:00-03:00"},
		{"a mapping", map[string]any{"from": "2024-01-01", "to": "2024-01-31"}, "2024-01-01T00:00:00-03:00", "2024-02-01T00:00:00-03:00"},
		// São Paulo's DST ended at 2019-02-17 00:00 -02, which became 2019-02-16 23:00 -03.
		{"the 25-hour day at the end of DST", "2019-02-16..2019-02-16", "2019-02-16T00:00:00-02:00", "2019-02-17T00:00:00-03:00"},
		// São Paulo's DST began at 2018-11-04 00:00 -03, which became 01:00 -02:
		// that day has no midnight and starts at 01:00.
		{"the 23-hour day without a midnight", "2018-11-04..2018-11-04", "2018-11-04T01:00:00-02:00", "2018-11-05T00:00:00-02:00"},
	}
	env := Env{Now: at(t, "2024-03-10 12:00"), Location: saoPaulo(t)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ResolvePeriod(tc.given, env)
			if err != nil {
				t.Fatal(err)
			}
			from, _ := time.Parse(time.RFC3339, tc.from)
			to, _ := time.Parse(time.RFC3339, tc.to)
			if !p.From.Equal(from) || !p.To.Equal(to) {
				t.Errorf("got %s (UTC %s/%s), want %s/%s", p, p.From.UTC().Format(time.RFC3339), p.To.UTC().Format(time.RFC3339), tc.from, tc.to)
			}
		})
	}
}

func TestResolvePeriod_RefusesEmptyBackwardsAndMalformedPeriods(t *testing.T) {
	tests := []struct {
		name  string
		given any
		want  string // part of the error
	}{
		{"from after to", "2024-03-31..2024-03-01", "ends (2024-03-01) before it starts (2024-03-31)"}, // as typed (issue 12)
		{"an empty instant range", "2024-03-01T10:00..2024-03-01T10:00", "is empty: it ends (2024-03-01T10:00) where it starts"},
		{"end instant before start", "2024-03-01T10:00..2024-03-01T09:59", "before it starts"},
		{"a day that does not exist", "2024-02-30..2024-03-01", `from: "2024-02-30" does not exist: February 2024 has 29 days`}, // issue 12
		{"a malformed end", "2024-03-01..tomorrow", `to: "tomorrow" is neither a date`},
		{"last_0_days", "last_0_days", "last_N_days needs N ≥ 1"},
		{"last_N_days beyond three digits", "last_1000_days", "must be a relative period"},
		{"an unknown name", "last_week", "must be a relative period (today, yesterday, this_week"},
		{"a mapping missing to", map[string]any{"from": "2024-01-01"}, "must have exactly the fields from and to"},
		{"a mapping with more fields", map[string]any{"from": "2024-01-01", "to": "2024-01-02", "tz": "UTC"}, "must have exactly the fields from and to"},
		{"a number", 7, "must be a relative period such as last_7_days or FROM..TO"},
	}
	env := Env{Now: at(t, "2024-03-10 12:00"), Location: saoPaulo(t)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ResolvePeriod(tc.given, env)
			if err == nil {
				t.Fatalf("accepted as %s", p)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestPeriodSpan_CountsWallClockDaysSoDSTDaysAreWholeDays(t *testing.T) {
	loc := saoPaulo(t)
	tests := []struct {
		name     string
		given    string
		wantSpan time.Duration
	}{
		{"31 days of March", "2024-03-01..2024-03-31", 31 * 24 * time.Hour},
		{"February 2024 has 29 days", "2024-02-01..2024-02-29", 29 * 24 * time.Hour},
		{"the 25-hour day counts as one day", "2019-02-16..2019-02-16", 24 * time.Hour},
		{"30 days across the end of DST", "2019-02-01..2019-03-02", 30 * 24 * time.Hour},
		{"instants count exactly", "2024-03-01T08:00..2024-03-01T18:30", 10*time.Hour + 30*time.Minute},
	}
	env := Env{Now: at(t, "2024-03-10 12:00"), Location: loc}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ResolvePeriod(tc.given, env)
			if err != nil {
				t.Fatal(err)
			}
			if p.Span() != tc.wantSpan {
				t.Errorf("span %s, want %s", p.Span(), tc.wantSpan)
			}
		})
	}
}

func TestResolvePeriod_RefusesATimeInADSTGapNamingTheJump(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, period, want string
	}{
		// West of UTC: São Paulo jumped from 00:00 to 01:00 (-03 → -02) on
		// 2018-11-04; issue 13 saw 00:30 become 23:30 of the day before.
		{"America/Sao_Paulo", "2018-11-04T00:30..2018-11-04T02:00",
			"from: 2018-11-04T00:30 does not exist in America/Sao_Paulo: on 2018-11-04 the clocks jumped from 00:00 to 01:00; give a time from 01:00 on (or an offset, 2018-11-04T01:00:00-02:00)"},
		// East of UTC: Berlin jumped from 02:00 to 03:00 (+01 → +02) on 2024-03-31.
		{"Europe/Berlin", "2024-03-31T00:00..2024-03-31T02:30",
			"to: 2024-03-31T02:30 does not exist in Europe/Berlin: on 2024-03-31 the clocks jumped from 02:00 to 03:00; give a time from 03:00 on (or an offset, 2024-03-31T03:00:00+02:00)"},
		// Far east, a half-hour zone's jump: Lord Howe 02:00 → 02:30 (+10:30 → +11) on 2024-10-06.
		{"Australia/Lord_Howe", "2024-10-06T02:15..2024-10-06T05:00",
			"from: 2024-10-06T02:15 does not exist in Australia/Lord_Howe: on 2024-10-06 the clocks jumped from 02:00 to 02:30; give a time from 02:30 on (or an offset, 2024-10-06T02:30:00+11:00)"},
	}
	for _, tt := range tests {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ResolvePeriod(tt.period, Env{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Location: loc})
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s %s:\n got %v\nwant %s", tt.zone, tt.period, err, tt.want)
		}
	}
	// The times on either side of the gap, and date-only periods, still resolve.
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	env := Env{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Location: sp}
	p, err := ResolvePeriod("2018-11-03T23:59..2018-11-04T01:00", env)
	// 23:59 at -03 is 02:59 UTC; 01:00 at -02 is 03:00 UTC: one minute.
	if err != nil || p.To.Sub(p.From) != time.Minute {
		t.Errorf("around the gap: %+v, %v; want one minute", p, err)
	}
	if _, err := ResolvePeriod("2018-11-04..2018-11-04", env); err != nil {
		t.Errorf("the gap day as dates: %v", err)
	}
}
