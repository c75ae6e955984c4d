package writer

import (
	"math"
	"strings"
	"time"

	"github.com/relato/relato/engine"
)

// Date-times in a zone: a result may carry DateTime values as instants,
// ISO 8601 in UTC ("2019-02-17T01:00:00Z", what ClickHouse writes under
// UTCDateTimes), together with the zone to show them in (ZonedRows). The
// writers then show each value as the zone's wall clock, as before, and add
// the UTC offset where the wall clock alone is ambiguous: the hour a clock
// change repeats (São Paulo's 2019-02-16 23:00 happened at -02:00 and again
// at -03:00), so the two rows of an hourly report stay apart in a pivot
// table. Other values are unchanged. Without a zone, values are shown as the
// warehouse wrote them.

// UTCDateTimes are the query settings under which ClickHouse writes DateTime
// values as ISO 8601 instants in UTC, the form ZonedRows carry.
func UTCDateTimes() map[string]string { return map[string]string{"date_time_output_format": "iso"} }

// ZonedRows are rows whose DateTime values are ISO 8601 in UTC, to be shown
// in Location.
type ZonedRows interface {
	engine.Rows
	Location() *time.Location
}

// InZone wraps rows (their DateTime values ISO 8601 in UTC) with loc.
func InZone(rows engine.Rows, loc *time.Location) ZonedRows { return zoned{rows, loc} }

type zoned struct {
	engine.Rows
	loc *time.Location
}

func (z zoned) Location() *time.Location { return z.loc }

// locationOf is rows' zone, nil when its date-times are not instants.
func locationOf(rows engine.Rows) *time.Location {
	if z, ok := rows.(interface{ Location() *time.Location }); ok {
		return z.Location()
	}
	return nil
}

// isUTCInstant reports whether v is YYYY-MM-DDThh:mm:ss[.fff]Z.
func isUTCInstant(v []byte) bool {
	return isDatetime(v) && v[10] == 'T' && v[len(v)-1] == 'Z'
}

// zoneClock turns instants into a zone's wall clock, remembering the zone
// period of the last one (most values of a result share it), in plain
// integer arithmetic: this runs for every date-time of a file.
type zoneClock struct {
	loc        *time.Location
	start, end int64 // the zone period of the last instant, Unix seconds (end exclusive)
	off        int64 // its UTC offset, seconds
	prev, next int64 // the offsets before start and from end
	valid      bool
	buf        []byte
}

const (
	minUnix = math.MinInt64
	maxUnix = math.MaxInt64
)

// local returns v (an ISO UTC instant) as wall-clock text YYYY-MM-DD
// hh:mm:ss, and the offset text (-02:00) when that wall clock is ambiguous.
func (z *zoneClock) local(v []byte) (wall []byte, offset string) {
	u := unixOf(v)
	if !z.valid || u < z.start || u >= z.end {
		z.period(u)
	}
	z.buf = appendCivil(z.buf[:0], u+z.off)
	// After a fall back the first (prev-off) seconds repeat the hour before
	// it; before one, the last (off-next) seconds are repeated after it.
	if (z.prev > z.off && u-z.start < z.prev-z.off) || (z.next < z.off && z.end-u <= z.off-z.next) {
		return z.buf, offsetText(z.off)
	}
	return z.buf, ""
}

// period caches the zone period holding instant u.
func (z *zoneClock) period(u int64) {
	t := time.Unix(u, 0).In(z.loc)
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	z.valid, z.off = true, int64(off)
	z.start, z.end, z.prev, z.next = minUnix, maxUnix, z.off, z.off
	if !start.IsZero() {
		z.start = start.Unix()
		_, p := start.Add(-time.Second).Zone()
		z.prev = int64(p)
	}
	if !end.IsZero() {
		z.end = end.Unix()
		_, n := end.Zone()
		z.next = int64(n)
	}
}

// unixOf reads YYYY-MM-DDThh:mm:ss (already checked) as Unix seconds.
func unixOf(v []byte) int64 {
	n := func(s []byte) int64 {
		r := int64(0)
		for _, c := range s {
			r = r*10 + int64(c-'0')
		}
		return r
	}
	days := daysFromCivil(n(v[0:4]), n(v[5:7]), n(v[8:10]))
	return days*86400 + n(v[11:13])*3600 + n(v[14:16])*60 + n(v[17:19])
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic
// Gregorian; Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// appendCivil appends wall-clock seconds s (Unix seconds shifted by the
// offset) as YYYY-MM-DD hh:mm:ss.
func appendCivil(dst []byte, s int64) []byte {
	days, secs := s/86400, s%86400
	if secs < 0 {
		days, secs = days-1, secs+86400
	}
	z := days + 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	two := func(dst []byte, n int64) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }
	dst = append(dst, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	dst = append(two(dst, m), '-')
	dst = append(two(dst, d), ' ')
	dst = append(two(dst, secs/3600), ':')
	dst = append(two(dst, secs/60%60), ':')
	return two(dst, secs%60)
}

// offsetText is a UTC offset in seconds as ±hh:mm.
func offsetText(off int64) string {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	h, m := off/3600, off/60%60
	return string([]byte{sign, byte('0' + h/10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)})
}

// instantColumns marks the fields whose values other than datetime and date
// kinds are UTC instants to show as wall-clock text: a DateTime column (not an
// array of them) declared with another kind, such as string.
func instantColumns(fields []Field, idx []int, cols []engine.Column) []bool {
	out := make([]bool, len(fields))
	for i, f := range fields {
		t := cols[idx[i]].Type
		out[i] = f.Kind != KindDatetime && f.Kind != KindDate && strings.Contains(t, "DateTime") && !strings.HasPrefix(t, "Array")
	}
	return out
}

// text is v (a UTC instant) as wall-clock text with the offset of a
// repeated hour; v itself otherwise.
func (z *zoneClock) text(v []byte) []byte {
	if !isUTCInstant(v) {
		return v
	}
	wall, offset := z.local(v)
	return append(wall, offset...)
}
