package schedules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/relato/relato/engine/i18n"
)

// Recurrence is a parsed 5-field cron expression (minute hour day-of-month
// month day-of-week). robfig/cron parses it; Next is ours because robfig's
// Next skips a day whose time falls in a DST gap (São Paulo, 2018-11-04 00:30)
// and fires twice in a repeated hour (2019-02-16 23:30), which we must not.
//
// Two forms cron cannot say are ours (issue 14): "once" (the schedule fires at
// its start and never again) and "last-business-day HH:MM" (the month's last
// Monday-to-Friday, holidays not counted: 2026-02-27, 2026-05-29).
type Recurrence struct {
	spec  string
	sched *cron.SpecSchedule
	once  bool
	// lastBusinessDay fires at hour:minute on the month's last weekday.
	lastBusinessDay bool
	hour, minute    int
}

// Once reports the "once" form: no recurrence, the schedule's start is its only fire.
func (r *Recurrence) Once() bool { return r.once }

var lastBusinessDayRe = regexp.MustCompile(`^last-business-day ([01]?\d|2[0-3]):([0-5]\d)$`)

// lastBusinessDay reports whether y-m-d is its month's last Monday-to-Friday.
func lastBusinessDay(y int, m time.Month, d int) bool {
	last := time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC) // the month's last day
	for last.Weekday() == time.Saturday || last.Weekday() == time.Sunday {
		last = last.AddDate(0, 0, -1)
	}
	return last.Day() == d
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ParseRecurrence reads a 5-field cron expression such as "30 0 * * *", or
// "once", or "last-business-day 07:00".
// Time zones are a separate field of the schedule, so CRON_TZ= is refused.
func ParseRecurrence(spec string) (*Recurrence, error) {
	spec = strings.TrimSpace(spec)
	if spec == "once" {
		return &Recurrence{spec: spec, once: true}, nil
	}
	if m := lastBusinessDayRe.FindStringSubmatch(spec); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		return &Recurrence{spec: fmt.Sprintf("last-business-day %02d:%02d", h, mi), lastBusinessDay: true, hour: h, minute: mi}, nil
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, i18n.Errorf(i18n.CronTimeZone)
	}
	if n := len(strings.Fields(spec)); n != 5 {
		return nil, i18n.Errorf(i18n.CronFields, n)
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, i18n.Errorf(i18n.CronUnsupported, spec)
	}
	r := &Recurrence{spec: spec, sched: ss}
	// An expression that never matches (30 February) would loop for nothing later.
	if r.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC).IsZero() {
		return nil, i18n.Errorf(i18n.CronNeverMatches, spec)
	}
	return r, nil
}

func (r *Recurrence) String() string { return r.spec }

const starBit = 1 << 63

func has(bits uint64, v int) bool { return bits&(1<<uint(v)) != 0 }

// dayMatches applies cron's rule: when both day-of-month and day-of-week are
// restricted, either may match.
func (r *Recurrence) dayMatches(y int, m time.Month, d int, loc *time.Location) bool {
	s := r.sched
	if !has(s.Month, int(m)) {
		return false
	}
	wd := int(time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday())
	dom, dow := has(s.Dom, d), has(s.Dow, wd)
	if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// Next is the first firing instant strictly after after, evaluating the
// expression on the wall clock of loc. A wall time that does not exist (a DST
// gap) fires as far past the jump as it was past its start (00:30 → 01:30
// on a day clocks jump from 00:00 to 01:00); a wall time that happens twice fires once,
// at its first occurrence. Zero when nothing matches within ten years.
func (r *Recurrence) Next(after time.Time, loc *time.Location) time.Time {
	if r.once {
		return time.Time{}
	}
	local := after.In(loc)
	y, m, d := local.Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC) // calendar arithmetic only
	for i := 0; i < 366*10; i++ {
		cy, cm, cd := day.Date()
		if r.lastBusinessDay {
			if lastBusinessDay(cy, cm, cd) {
				if t := firstInstant(cy, cm, cd, r.hour, r.minute, loc); t.After(after) {
					return t
				}
			}
		} else if r.dayMatches(cy, cm, cd, loc) {
			for h := 0; h < 24; h++ {
				if !has(r.sched.Hour, h) {
					continue
				}
				for mi := 0; mi < 60; mi++ {
					if !has(r.sched.Minute, mi) {
						continue
					}
					if t := firstInstant(cy, cm, cd, h, mi, loc); t.After(after) {
						return t
					}
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}
}

// firstInstant is the earliest instant whose wall clock in loc reads
// y-m-d h:mi, or, when that wall time falls in a gap, the instant as far past the jump.
func firstInstant(y int, m time.Month, d, h, mi int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, h, mi, 0, 0, loc)
	best := t
	same := func(c time.Time) bool {
		c = c.In(loc)
		cy, cm, cd := c.Date()
		return cy == y && cm == m && cd == d && c.Hour() == h && c.Minute() == mi
	}
	if !same(t) {
		// A gap: read the wall time with the offset in force before it, which
		// lands as far past the jump as the wall time was past its start.
		_, off := t.Add(-3 * time.Hour).In(loc).Zone()
		return time.Date(y, m, d, h, mi, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second)
	}
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if c := t.Add(-back); same(c) && c.Before(best) {
			best = c
		}
	}
	return best
}

// NextN lists the next n firing instants after after.
func (r *Recurrence) NextN(after time.Time, loc *time.Location, n int) []time.Time {
	out := make([]time.Time, 0, n)
	for len(out) < n {
		after = r.Next(after, loc)
		if after.IsZero() {
			break
		}
		out = append(out, after)
	}
	return out
}
