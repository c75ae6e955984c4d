package schedules

import (
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

func TestRecurrence_NextInSaoPaulo(t *testing.T) {
	sp := saoPaulo(t)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, spec string
		after      time.Time
		want       []string // UTC instants, worked out from the offsets (-03 standard, -02 summer time)
	}{
		{"weekday mornings skip the weekend", "0 8 * * 1-5", utc("2025-01-03T12:00:00Z"), // Friday 09:00 -03
			[]string{"2025-01-06T11:00:00Z", "2025-01-07T11:00:00Z", "2025-01-08T11:00:00Z"}}, // Mon..Wed 08:00 -03
		{"first of the month at 06:15", "15 6 1 * *", utc("2025-01-31T12:00:00Z"),
			[]string{"2025-02-01T09:15:00Z", "2025-03-01T09:15:00Z", "2025-04-01T09:15:00Z"}},
		{"a due time is not its own next", "0 8 * * *", utc("2025-01-06T11:00:00Z"),
			[]string{"2025-01-07T11:00:00Z"}},
		{"day of month or day of week when both are restricted", "0 0 13 * 5", utc("2025-06-01T03:00:00Z"), // Sun 1 June 00:00
			[]string{"2025-06-06T03:00:00Z", "2025-06-13T03:00:00Z", "2025-06-20T03:00:00Z"}}, // Fri 6, Fri 13, Fri 20
		// 2018-11-04 00:00 -03 became 01:00 -02: 00:30 does not exist that day;
		// it fires at 01:30 -02 (03:30Z), once, and the days around keep 00:30.
		{"daily 00:30 across the 2018 spring-forward gap", "30 0 * * *", utc("2018-11-02T15:00:00Z"),
			[]string{"2018-11-03T03:30:00Z", "2018-11-04T03:30:00Z", "2018-11-05T02:30:00Z"}},
		// 2019-02-17 00:00 -02 became 2019-02-16 23:00 -03: the 16th had 25 hours.
		{"daily 00:30 across the 2019 fall-back", "30 0 * * *", utc("2019-02-15T12:00:00Z"),
			[]string{"2019-02-16T02:30:00Z", "2019-02-17T03:30:00Z", "2019-02-18T03:30:00Z"}},
		{"23:30 happens twice on 2019-02-16 and fires once", "30 23 * * *", utc("2019-02-15T12:00:00Z"),
			[]string{"2019-02-16T01:30:00Z", "2019-02-17T01:30:00Z", "2019-02-18T02:30:00Z"}},
		{"after the first 23:30 the repeated one is skipped", "30 23 * * *", utc("2019-02-17T01:30:00Z"),
			[]string{"2019-02-18T02:30:00Z"}},
		{"hourly through the repeated hour fires each instant once", "0 * * * *", utc("2019-02-17T01:30:00Z"), // 23:30 -02
			[]string{"2019-02-17T03:00:00Z", "2019-02-17T04:00:00Z"}}, // 00:00 -03 (the 23:00 -03 wall hour already fired at 01:00Z), 01:00 -03
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseRecurrence(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := r.NextN(c.after, sp, len(c.want))
			for i, w := range c.want {
				if i >= len(got) || !got[i].Equal(utc(w)) {
					t.Fatalf("next %d: got %v, want %s (all: %v)", i, got, w, got)
				}
			}
		})
	}
}

func TestRecurrence_DailyFiresOncePerDayAroundBothDSTChanges(t *testing.T) {
	sp := saoPaulo(t)
	r, _ := ParseRecurrence("30 0 * * *")
	for _, start := range []time.Time{time.Date(2018, 10, 25, 12, 0, 0, 0, sp), time.Date(2019, 2, 10, 12, 0, 0, 0, sp)} {
		got := r.NextN(start, sp, 14)
		perDay := map[string]int{}
		for _, f := range got {
			perDay[f.In(sp).Format("2006-01-02")]++
		}
		if len(perDay) != 14 {
			t.Fatalf("from %v: 14 firings over %d distinct days: %v", start, len(perDay), got)
		}
	}
}

func TestParseRecurrence_Refuses(t *testing.T) {
	for _, spec := range []string{"", "* * * *", "0 0 * * * *", "61 * * * *", "0 25 * * *", "0 0 30 2 *", "CRON_TZ=UTC 0 0 * * *", "@daily", "hello"} {
		if _, err := ParseRecurrence(spec); err == nil {
			t.Errorf("%q: accepted", spec)
		}
	}
}
