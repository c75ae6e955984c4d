package snapshot

import (
	"testing"
	"time"
)

func TestPageCache_StaysWithinItsBytesAndForgetsARun(t *testing.T) {
	c := newPageCache(1000)
	for i := 0; i < 10; i++ {
		// 10 entries of 200 bytes into 1,000: the 5 newest stay.
		c.put(string(rune('a'+i)), cached{run: "r" + string(rune('0'+i%2)), size: 200})
	}
	if c.bytes != 1000 || c.lru.Len() != 5 {
		t.Fatalf("%d bytes in %d entries", c.bytes, c.lru.Len())
	}
	if _, ok := c.get("a"); ok {
		t.Fatal("the oldest entry was kept")
	}
	c.put("huge", cached{run: "r0", size: 251}) // over a quarter: not kept
	if _, ok := c.get("huge"); ok {
		t.Fatal("an entry over a quarter of the cache was kept")
	}
	// Entries f..j alternate runs r1, r0, r1, r0, r1: forgetting r1 leaves 2.
	c.forget("r1")
	if c.bytes != 400 || c.lru.Len() != 2 {
		t.Fatalf("after forget: %d bytes in %d entries", c.bytes, c.lru.Len())
	}
}

// A snapshot dropped by another instance is asked about again after
// existsFor, so its cached pages are served for at most that long.
func TestPageCache_TrustsASnapshotExistsForAMinute(t *testing.T) {
	c := newPageCache(1000)
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	c.found("r1", t0)
	for _, tc := range []struct {
		after time.Duration
		known bool
	}{{0, true}, {59 * time.Second, true}, {time.Minute, false}, {time.Hour, false}} {
		if got := c.known("r1", t0.Add(tc.after)); got != tc.known {
			t.Errorf("after %s: known %v", tc.after, got)
		}
	}
	if c.known("r2", t0) {
		t.Error("a run never seen is known")
	}
	c.forget("r1")
	if c.known("r1", t0) {
		t.Error("a forgotten run is still known")
	}
}
