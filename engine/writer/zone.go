package writer

import (
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
// period of the last one (most values of a result share it).
type zoneClock struct {
	loc        *time.Location
	start, end time.Time // the zone period of the last instant
	off        int       // its UTC offset, seconds
	prev, next int       // the offsets before start and from end
	valid      bool
	buf        []byte
}

// local returns v (an ISO UTC instant) as wall-clock text YYYY-MM-DD
// hh:mm:ss, and the offset text (-02:00) when that wall clock is ambiguous.
func (z *zoneClock) local(v []byte) (wall []byte, offset string) {
	t := civil(v, true).In(z.loc)
	if !z.valid || (!z.start.IsZero() && t.Before(z.start)) || (!z.end.IsZero() && !t.Before(z.end)) {
		z.valid = true
		z.start, z.end = t.ZoneBounds()
		_, z.off = t.Zone()
		z.prev, z.next = z.off, z.off
		if !z.start.IsZero() {
			_, z.prev = z.start.Add(-time.Second).Zone()
		}
		if !z.end.IsZero() {
			_, z.next = z.end.Zone()
		}
	}
	z.buf = t.AppendFormat(z.buf[:0], "2006-01-02 15:04:05")
	// After a fall back the first (prev-off) seconds repeat the hour before
	// it; before one, the last (off-next) seconds are repeated after it.
	repeated := (!z.start.IsZero() && z.prev > z.off && t.Sub(z.start) < time.Duration(z.prev-z.off)*time.Second) ||
		(!z.end.IsZero() && z.next < z.off && z.end.Sub(t) <= time.Duration(z.off-z.next)*time.Second)
	if repeated {
		return z.buf, t.Format("-07:00")
	}
	return z.buf, ""
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
