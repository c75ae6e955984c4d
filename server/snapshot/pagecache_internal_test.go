package snapshot

import "testing"

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
