package writer_test

import (
	"testing"

	"github.com/relato/relato/engine/writer"
)

func TestNumberText_RoundsTheDecimalTextHalfAwayFromZero(t *testing.T) {
	for _, tc := range []struct {
		in     string
		places int
		want   string
		ok     bool
	}{
		{"21.052631578947366", 2, "21.05", true}, // third decimal 2: down
		{"2.675", 2, "2.68", true},               // float64 holds 2.67499…, the text says 5: up
		{"-2.675", 2, "-2.68", true},             // away from zero
		{"-0.001", 2, "0.00", true},              // rounds to zero: no "-0.00"
		{"9.995", 2, "10.00", true},              // carries into a new digit
		{"12", 2, "12.00", true},
		{"76.22950819672131", -1, "76.22950819672131", true},
		{"1e21", -1, "1000000000000000000000", true},
		{"1.5e-3", 3, "0.002", true}, // 0.0015 → 0.002
		{"18446744073709551615", 0, "18446744073709551615", true},
		{"nan", 2, "", false},
		{"-inf", 2, "", false},
		{"abc", 2, "", false},
	} {
		got, ok := writer.NumberText([]byte(tc.in), tc.places)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NumberText(%q, %d) = %q, %v; want %q, %v", tc.in, tc.places, got, ok, tc.want, tc.ok)
		}
	}
}
