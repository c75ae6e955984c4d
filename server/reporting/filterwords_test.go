package reporting

import (
	"testing"
	"time"
)

func TestDurationInWords_WritesHoursMinutesAndSeconds(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"},
		{20 * time.Second, "20 s"},
		{90 * time.Second, "1 min 30 s"},           // 90 = 60 + 30
		{2*time.Hour + 5*time.Minute, "2 h 5 min"}, // no seconds part
		{time.Hour + 1500*time.Millisecond, "1 h 1 s"},
	} {
		if got := DurationInWords(c.d); got != c.want {
			t.Errorf("DurationInWords(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestPeriodInWords_ShowsWholeDaysAsDatesAndOtherwiseTimes(t *testing.T) {
	for _, c := range []struct{ raw, lang, want string }{
		// The end is exclusive: 04-01 00:00 ends on 31/03.
		{"2024-03-01T00:00:00-03:00/2024-04-01T00:00:00-03:00", "pt-BR", "01/03/2024 a 31/03/2024"},
		{"2024-03-01T00:00:00-03:00/2024-04-01T00:00:00-03:00", "en", "2024-03-01 to 2024-03-31"},
		{"2024-03-05T00:00:00-03:00/2024-03-06T00:00:00-03:00", "pt-BR", "05/03/2024"},
		{"2024-03-05T08:00:00-03:00/2024-03-05T18:30:00-03:00", "pt-BR", "05/03/2024 08:00 a 05/03/2024 18:30"},
	} {
		if got := periodInWords(c.raw, c.lang); got != c.want {
			t.Errorf("periodInWords(%s, %s) = %q, want %q", c.raw, c.lang, got, c.want)
		}
	}
}
