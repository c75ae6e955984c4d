package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/schedules"
)

// repeatBody is a schedule's recurrence in words (issue 14); the time of day
// is the start's. The API keeps cron (recurrence) as the advanced form.
type repeatBody struct {
	Every      string   `json:"every" enum:"once,daily,weekdays,weekly,monthly,last_business_day" doc:"once: only at starts_at; daily; weekdays: Monday to Friday; weekly: on days; monthly: on day_of_month; last_business_day: the month's last Monday-to-Friday (holidays not counted)"`
	Days       []string `json:"days,omitempty" maxItems:"7" doc:"weekly: mon, tue, wed, thu, fri, sat, sun"`
	DayOfMonth int      `json:"day_of_month,omitempty" minimum:"0" maximum:"31" doc:"monthly: 1 to 31 (a month without that day is skipped)"`
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// parseWallClock reads a schedule's starts_at or ends_at: a wall-clock date
// and time in loc (2026-12-05T07:00, seconds optional) or an RFC 3339 instant
// with its offset.
func parseWallClock(v string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// scheduleWhen checks a body's starts_at, ends_at, repeat and recurrence
// together and fills sch's Recurrence, StartsAt and EndsAt: exactly one of
// repeat (words) and recurrence (cron); repeat needs starts_at for its time
// of day; "once" needs a start in the future; the end must come after the
// start. Each problem is reported at its field.
func scheduleWhen(b scheduleBody, sch *schedules.Schedule, loc *time.Location, now time.Time, bad func(loc string, msg i18n.Message, val any)) {
	if b.StartsAt != "" {
		if t, ok := parseWallClock(b.StartsAt, loc); ok {
			sch.StartsAt = &t
		} else {
			bad("body.starts_at", i18n.M(i18n.ScheduleStartsAtForm), b.StartsAt)
		}
	}
	if b.EndsAt != "" {
		if t, ok := parseWallClock(b.EndsAt, loc); ok {
			sch.EndsAt = &t
		} else {
			bad("body.ends_at", i18n.M(i18n.ScheduleEndsAtForm), b.EndsAt)
		}
	}
	if sch.StartsAt != nil && sch.EndsAt != nil && !sch.EndsAt.After(*sch.StartsAt) {
		bad("body.ends_at", i18n.M(i18n.ScheduleEndsAfterStarts), b.EndsAt)
	}
	switch {
	case b.Repeat == nil && strings.TrimSpace(b.Recurrence) == "":
		bad("body.repeat", i18n.M(i18n.ScheduleSayWhen), nil)
		return
	case b.Repeat != nil && strings.TrimSpace(b.Recurrence) != "":
		bad("body.recurrence", i18n.M(i18n.ScheduleRepeatOrCron), b.Recurrence)
		return
	case b.Repeat == nil:
		sch.Recurrence = strings.TrimSpace(b.Recurrence)
		if _, err := schedules.ParseRecurrence(sch.Recurrence); err != nil {
			bad("body.recurrence", i18n.M(i18n.ScheduleInvalidCron, i18n.MessageOf(err)), b.Recurrence)
		}
		return
	}
	if sch.StartsAt == nil {
		if b.StartsAt == "" {
			bad("body.starts_at", i18n.M(i18n.ScheduleStartsAtWithRepeat), nil)
		}
		return
	}
	local := sch.StartsAt.In(loc)
	at := fmt.Sprintf("%d %d", local.Minute(), local.Hour())
	r := b.Repeat
	if r.Every != "weekly" && len(r.Days) > 0 {
		bad("body.repeat.days", i18n.M(i18n.ScheduleOnlyWeekly), r.Days)
	}
	if r.Every != "monthly" && r.DayOfMonth != 0 {
		bad("body.repeat.day_of_month", i18n.M(i18n.ScheduleOnlyMonthly), r.DayOfMonth)
	}
	switch r.Every {
	case "once":
		sch.Recurrence = "once"
		if !sch.StartsAt.After(now) {
			bad("body.starts_at", i18n.M(i18n.ScheduleOnceInFuture), b.StartsAt)
		}
	case "daily":
		sch.Recurrence = at + " * * *"
	case "weekdays":
		sch.Recurrence = at + " * * 1-5"
	case "weekly":
		var nums []string
		for _, d := range r.Days {
			i := slices.Index(weekdays, strings.ToLower(d))
			if i < 0 {
				bad("body.repeat.days", i18n.M(i18n.ScheduleDays), d)
				return
			}
			if n := strconv.Itoa(i); !slices.Contains(nums, n) {
				nums = append(nums, n)
			}
		}
		if len(nums) == 0 {
			bad("body.repeat.days", i18n.M(i18n.ScheduleWeeklyNeedsDay), nil)
			return
		}
		slices.Sort(nums)
		sch.Recurrence = at + " * * " + strings.Join(nums, ",")
	case "monthly":
		if r.DayOfMonth < 1 {
			bad("body.repeat.day_of_month", i18n.M(i18n.ScheduleMonthlyNeedsDay), r.DayOfMonth)
			return
		}
		sch.Recurrence = fmt.Sprintf("%s %d * *", at, r.DayOfMonth)
	case "last_business_day":
		sch.Recurrence = fmt.Sprintf("last-business-day %02d:%02d", local.Hour(), local.Minute())
	default:
		bad("body.repeat.every", i18n.M(i18n.ScheduleEvery), r.Every)
	}
}

// repeatOf reads a stored recurrence back in words; nil when only cron can
// say it (the advanced form).
func repeatOf(spec string) *repeatBody {
	if spec == "once" {
		return &repeatBody{Every: "once"}
	}
	if strings.HasPrefix(spec, "last-business-day ") {
		return &repeatBody{Every: "last_business_day"}
	}
	f := strings.Fields(spec)
	if len(f) != 5 || !isNumber(f[0]) || !isNumber(f[1]) || f[3] != "*" {
		return nil
	}
	switch {
	case f[2] == "*" && f[4] == "*":
		return &repeatBody{Every: "daily"}
	case f[2] == "*" && f[4] == "1-5":
		return &repeatBody{Every: "weekdays"}
	case f[2] == "*":
		var days []string
		for _, d := range strings.Split(f[4], ",") {
			i, err := strconv.Atoi(d)
			if err != nil || i < 0 || i > 6 {
				return nil
			}
			days = append(days, weekdays[i])
		}
		return &repeatBody{Every: "weekly", Days: days}
	case f[4] == "*" && isNumber(f[2]):
		d, _ := strconv.Atoi(f[2])
		return &repeatBody{Every: "monthly", DayOfMonth: d}
	}
	return nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// scheduleTimes fills a view's start, end, words and next five fires, every
// time in the schedule's zone (its offset, e.g. -03:00).
func scheduleTimes(v *ScheduleView, sch *schedules.Schedule) {
	v.Repeat = repeatOf(sch.Recurrence)
	loc, err := sch.Location()
	if err != nil {
		return
	}
	in := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		l := t.In(loc)
		return &l
	}
	v.StartsAt, v.EndsAt = in(sch.StartsAt), in(sch.EndsAt)
	if sch.Paused || sch.NextFireAt == nil {
		return
	}
	// The stored next fire first (it may be overdue), then the ones after it.
	v.NextRuns = append(v.NextRuns, sch.NextFireAt.In(loc))
	for _, t := range sch.NextFires(*sch.NextFireAt, 4) {
		v.NextRuns = append(v.NextRuns, t.In(loc))
	}
}
