package writer

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The integer wall clock agrees with Go's time package for instants from
// 1900 to 2100 in zones west and east of UTC, with and without DST.
func TestZoneClock_AgreesWithTheTimePackage(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 13))
	for _, name := range []string{"UTC", "America/Sao_Paulo", "Europe/Berlin", "Australia/Eucla", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		z := &zoneClock{loc: loc}
		lo, hi := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		for range 20000 {
			u := lo + r.Int64N(hi-lo)
			in := []byte(time.Unix(u, 0).UTC().Format("2006-01-02T15:04:05Z"))
			wall, _ := z.local(in)
			if want := time.Unix(u, 0).In(loc).Format("2006-01-02 15:04:05"); string(wall) != want {
				t.Fatalf("%s: %s → %s, want %s", name, in, wall, want)
			}
		}
	}
}

func TestFallBackShifts_AreTheAmountsAZoneSetItsClockBack(t *testing.T) {
	for _, tc := range []struct {
		zone string
		want []int
	}{
		{"UTC", nil},
		// Local mean time +05:41:16 → +05:30 in 1920 set it back 11 min 16 s
		// (676 s); +05:30 → +05:45 in 1986 moved it forward.
		{"Asia/Kathmandu", []int{676}},
		// LMT −03:06:28 → −03:00 in 1914 moved it forward; each DST end
		// until 2019 set it back an hour.
		{"America/Sao_Paulo", []int{3600}},
		// LMT −04:56:02 → EST −05:00 in 1883: 3 min 58 s (238 s) back; each
		// DST end an hour.
		{"America/New_York", []int{238, 3600}},
		// LMT +10:36:20 → +10:00 in 1895 (2,180 s); +11:30 → +10:30 at the
		// ends of 1981–85's DST (3,600 s); +11:00 → +10:30 since (1,800 s).
		{"Australia/Lord_Howe", []int{1800, 2180, 3600}},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := fallBackShifts(loc); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.zone, got, tc.want)
		}
	}
}
