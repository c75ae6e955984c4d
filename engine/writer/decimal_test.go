package writer

import (
	"math/big"
	"strings"
	"testing"
)

// FuzzDecimalRound checks the decimal-text rounding against math/big, whose
// Rat.FloatString rounds half away from zero exactly.
func FuzzDecimalRound(f *testing.F) {
	for _, s := range []string{"2.675", "0.005", "-1.005", "9.995", "1e21", "1.5e-7", "-0.001", "77.775", "0", "123456789.987654321", "99.5", "-0.5"} {
		for _, places := range []uint8{0, 1, 2, 5} {
			f.Add(s, places)
		}
	}
	f.Fuzz(func(t *testing.T, s string, places uint8) {
		p := int(places % 12)
		var d decimal
		if d.parse([]byte(s)) != numFinite {
			return
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return // forms big.Rat does not read, such as "1." or ".5"
		}
		want := r.FloatString(p)
		if strings.Trim(want, "-0.") == "" {
			want = strings.TrimPrefix(want, "-") // no negative zero
		}
		d.round(p)
		if got := string(d.appendText(nil, p, '.')); got != want {
			t.Errorf("round(%q, %d) = %q, want %q", s, p, got, want)
		}
	})
}

func TestDecimalParse_RejectsWhatIsNotANumber(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "-", ".", "1.2.3", "1e", "e5", "1e+", "12a", "0x10", "1e401", " 1", "--1"} {
		var d decimal
		if got := d.parse([]byte(s)); got != numInvalid {
			t.Errorf("parse(%q) = %v, want numInvalid", s, got)
		}
	}
}
