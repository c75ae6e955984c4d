package writer

import (
	"math/rand/v2"
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
