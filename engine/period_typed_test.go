package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/engine"
)

func TestResolvePeriod_ErrorsSpeakOfTheDatesAsTyped(t *testing.T) {
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	env := engine.Env{Now: time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC), Location: sp}
	for _, tc := range []struct{ in, want string }{
		// 2024 is a leap year: February has 29 days.
		{"2024-02-30..", `from: "2024-02-30" does not exist: February 2024 has 29 days`},
		{"2024-02-01..2023-02-29", `to: "2023-02-29" does not exist: February 2023 has 28 days`},
		{"2024-13-01..2024-12-31", `from: "2024-13-01" does not exist: there is no month 13`},
		{"2024-04-31T10:00..2024-05-01", `from: "2024-04-31T10:00" does not exist: April 2024 has 30 days`},
		// Reversed: the bounds as written, not the instants they resolve to
		// (2024-03-01 as the end would be 2024-03-02T00:00-03:00).
		{"2024-03-10..2024-03-01", "ends (2024-03-01) before it starts (2024-03-10)"},
		{"2024-03-10T10:00..2024-03-10T09:00", "ends (2024-03-10T09:00) before it starts (2024-03-10T10:00)"},
		{"someday..2024-03-01", `from: "someday" is neither a date (2024-01-31) nor a date and time (2024-01-31T13:45)`},
	} {
		_, err := engine.ResolvePeriod(tc.in, env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ResolvePeriod(%q): %v, want %q", tc.in, err, tc.want)
		}
	}
}
