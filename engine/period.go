package engine

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine/i18n"
)

// Period is a half-open interval of instants [From, To).
type Period struct {
	From, To time.Time
	// Given is what the caller wrote (e.g. "last_7_days"), for the run record.
	Given string
}

// Span is the period's length in wall-clock time of its zone, so a day that
// DST shortens still counts as a whole day.
// SpanText is the period's length as people read it in English (SpanMessage).
func (p Period) SpanText() string { return p.SpanMessage().String() }

// SpanMessage is the period's length as people read it, in days of the wall
// clock and the rest in hours, minutes and seconds ("31 days", "30 days and 1
// second"; "31 dias", "30 dias e 1 segundo"). It counts in seconds, so it
// cannot overflow as Span does for periods over 292 years
// (0001-01-01..9999-12-31 is 3652059 days).
func (p Period) SpanMessage() i18n.List {
	wall := func(t time.Time) int64 {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC).Unix()
	}
	secs := wall(p.To) - wall(p.From)
	days, rest := secs/86400, secs%86400
	var parts i18n.List
	if days > 0 || rest == 0 {
		parts = append(parts, i18n.M(i18n.SpanDays, days))
	}
	for _, u := range []struct {
		n  int64
		id i18n.ID
	}{{rest / 3600, i18n.SpanHours}, {rest % 3600 / 60, i18n.SpanMinutes}, {rest % 60, i18n.SpanSeconds}} {
		if u.n > 0 {
			parts = append(parts, i18n.M(u.id, u.n))
		}
	}
	return parts
}

func (p Period) Span() time.Duration {
	wall := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return wall(p.To).Sub(wall(p.From))
}

func (p Period) String() string {
	return p.From.Format(time.RFC3339) + "/" + p.To.Format(time.RFC3339)
}

// RelativePeriods lists the named periods a caller may use.
var RelativePeriods = []string{"today", "yesterday", "this_week", "previous_week", "this_month", "month_to_date", "previous_month", "last_24_hours", "last_7_days", "last_15_days", "last_30_days", "last_N_days"}

func startOfDay(t time.Time) time.Time { return dayStart(t, 0) }

// dayStart is the first instant of the local day `days` after t's day. Where
// DST skips midnight (São Paulo, 2018-11-04) the day starts at 01:00, so day
// arithmetic is done on dates and never on instants (AddDate on such a start
// would land at 01:00 of the next day).
func dayStart(t time.Time, days int) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	civil := time.Date(y, m, d+days, 12, 0, 0, 0, time.UTC) // normalises the date only
	y, m, d = civil.Date()
	for h := 0; h < 24; h++ {
		s := time.Date(y, m, d, h, 0, 0, 0, loc)
		if sy, sm, sd := s.Date(); sy == y && sm == m && sd == d {
			if h == 0 || s.Hour() <= h {
				return s
			}
		}
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// monthStart is the first instant of the month `months` after t's month.
func monthStart(t time.Time, months int) time.Time {
	y, m, _ := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 12, 0, 0, 0, time.UTC)
	return dayStart(time.Date(first.Year(), first.Month(), 1, 12, 0, 0, 0, t.Location()), 0)
}

func relativeDay(s string, env Env) (time.Time, bool) {
	today := startOfDay(env.Now.In(env.Location))
	switch s {
	case "today":
		return today, true
	case "yesterday":
		return dayStart(today, -1), true
	}
	return time.Time{}, false
}

var lastNDays = regexp.MustCompile(`^last_(\d{1,3})_days$`)

// ResolvePeriod turns a period value into absolute instants in env's zone.
//
// Forms: a relative name (today, yesterday, this_week, previous_week, this_month,
// month_to_date, previous_month, last_24_hours, last_N_days = the N whole days
// before today); dates `2024-01-01..2024-01-31` (both days included); instants
// `2024-01-01T08:00..2024-01-01T18:00` or RFC 3339 (end excluded); or a mapping
// {from, to} with the same rules. A date and time without offset that a DST
// jump skips in env's zone (São Paulo 2018-11-04T00:30) is refused with an
// error naming the jump, in every zone alike.
func ResolvePeriod(raw any, env Env) (Period, error) {
	loc := env.Location
	now := env.Now.In(loc)
	today := startOfDay(now)
	switch v := raw.(type) {
	case Period:
		return v, nil
	case map[string]any:
		from, okF := v["from"]
		to, okT := v["to"]
		if !okF || !okT || len(v) != 2 {
			return Period{}, i18n.Errorf(i18n.PeriodFromTo)
		}
		fs, _ := rawString(from)
		ts, _ := rawString(to)
		return ResolvePeriod(fs+".."+ts, env)
	case string:
		s := strings.TrimSpace(v)
		p := Period{Given: s}
		switch s {
		case "today":
			p.From, p.To = today, dayStart(today, 1)
		case "yesterday":
			p.From, p.To = dayStart(today, -1), today
		case "this_week", "previous_week":
			wd := (int(today.Weekday()) + 6) % 7 // Monday = 0
			monday := dayStart(today, -wd)
			if s == "this_week" {
				p.From, p.To = monday, dayStart(monday, 7)
			} else {
				p.From, p.To = dayStart(monday, -7), monday
			}
		case "this_month", "month_to_date", "previous_month":
			first := monthStart(today, 0)
			switch s {
			case "this_month":
				p.From, p.To = first, monthStart(today, 1)
			case "month_to_date":
				p.From, p.To = first, now
			default:
				p.From, p.To = monthStart(today, -1), first
			}
		case "last_24_hours":
			p.From, p.To = now.Add(-24*time.Hour), now
		default:
			if m := lastNDays.FindStringSubmatch(s); m != nil {
				n, _ := strconv.Atoi(m[1])
				if n < 1 {
					return Period{}, i18n.Errorf(i18n.PeriodLastNDays)
				}
				p.From, p.To = dayStart(today, -n), today
				break
			}
			from, to, ok := strings.Cut(s, "..")
			if !ok {
				from, to, ok = strings.Cut(s, "/")
			}
			if !ok {
				return Period{}, i18n.Errorf(i18n.PeriodNotRelative, strings.Join(RelativePeriods, ", "), s)
			}
			var err error
			from, to = strings.TrimSpace(from), strings.TrimSpace(to)
			if p.From, _, err = parseBound(from, loc, false); err != nil {
				return Period{}, i18n.Errorf(i18n.PeriodFrom, i18n.MessageOf(err))
			}
			if p.To, _, err = parseBound(to, loc, true); err != nil {
				return Period{}, i18n.Errorf(i18n.PeriodTo, i18n.MessageOf(err))
			}
			// Echo the bounds as typed: the instants they resolve to (a date
			// as the end is the next midnight) are not what the person wrote.
			switch {
			case p.To.Equal(p.From):
				return Period{}, i18n.Errorf(i18n.PeriodEmpty, to, from)
			case p.To.Before(p.From):
				return Period{}, i18n.Errorf(i18n.PeriodReversed, to, from)
			}
		}
		if !p.To.After(p.From) {
			return Period{}, i18n.Errorf(i18n.PeriodReversed, p.To.Format(time.RFC3339), p.From.Format(time.RFC3339))
		}
		return p, nil
	}
	return Period{}, i18n.Errorf(i18n.PeriodInvalid)
}

// parseBound reads one end of a period. A date as the end means the whole day
// is included (the period ends at the next midnight).
func parseBound(s string, loc *time.Location, end bool) (time.Time, bool, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		noon := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, loc)
		if end {
			return dayStart(noon, 1), true, nil
		}
		return dayStart(noon, 0), true, nil
	}
	t, err := parseInstant(s, loc)
	var gap dstGapError
	if errors.As(err, &gap) {
		return time.Time{}, false, gap
	}
	if err != nil {
		if msg := impossibleDate(s); !msg.IsZero() {
			return time.Time{}, false, &i18n.Error{Message: msg}
		}
		return time.Time{}, false, i18n.Errorf(i18n.PeriodNotDateOrTime, s)
	}
	return t, false, nil
}

type periodType struct{}

func (periodType) Name() string        { return "period" }
func (periodType) Subfields() []string { return []string{"from", "to"} }
func (periodType) Parse(_ *Filter, raw any, env Env) (any, error) {
	return ResolvePeriod(raw, env)
}
func (periodType) Bind(_ *Filter, v any, sub string) (Param, error) {
	p := v.(Period)
	t := p.From
	if sub == "to" {
		t = p.To
	}
	return Param{Type: "DateTime('UTC')", Text: t.UTC().Format("2006-01-02 15:04:05")}, nil
}
func (periodType) Schema(*Filter) map[string]any {
	return map[string]any{
		"oneOf": []any{
			map[string]any{"type": "string", "description": "relative (today, yesterday, this_week, previous_week, this_month, month_to_date, previous_month, last_24_hours, last_N_days) or FROM..TO with dates (both days included) or date-times (end excluded)", "examples": []string{"last_7_days", "2024-01-01..2024-01-31"}},
			map[string]any{"type": "object", "properties": map[string]any{"from": map[string]any{"type": "string"}, "to": map[string]any{"type": "string"}}, "required": []string{"from", "to"}, "additionalProperties": false},
		},
	}
}

var datePrefix = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])`)

// impossibleDate explains a date written in the right form that no calendar
// has (2024-02-30, 2024-13-01), or returns the zero Message for anything else.
func impossibleDate(s string) i18n.Message {
	m := datePrefix.FindStringSubmatch(s)
	if m == nil {
		return i18n.Message{}
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 {
		return i18n.M(i18n.DateNoMonth, s, strconv.Itoa(mo))
	}
	y, _ := strconv.Atoi(m[1])
	last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d < 1 || d > last {
		return i18n.M(i18n.DateNoDay, s, i18n.MonthName(mo), m[1], last)
	}
	return i18n.Message{}
}
