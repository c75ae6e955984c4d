package snapshot_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/relato/relato/server/snapshot"
)

// TestSnapshot_CachedPagesEqualUncachedPages asks every page twice of a store
// with the page cache (the second answer comes from the cache) and once of a
// store without it, over the same snapshot: all three are equal.
func TestSnapshot_CachedPagesEqualUncachedPages(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	comp := compile(t, bu, 1000000)
	if _, err := bu.store.Create(ctx, "cache1", comp, nil); err != nil {
		t.Fatal(err)
	}
	uncached := &snapshot.Store{B: bu.b, PageCacheBytes: -1}
	for _, req := range []snapshot.PageRequest{
		{Limit: 50},
		{Limit: 50, Offset: 50},
		{Limit: 20, Sort: "wait", Desc: true},
		{Limit: 20, Sort: "wait", Desc: true, Offset: 20},
		{Limit: 10, Search: "needle", Sort: "call_id"},
		{Limit: 10, Search: "needle", Sort: "call_id", Offset: 290},
		{Limit: 10, Search: "needle", Sort: "call_id", Lang: "en"},
		{Limit: 10, Search: "01/03/2024 12:00:07", Sort: "caller", Desc: true},
		{Limit: 10, Search: "no such text"},
	} {
		req.TimeZone = "UTC"
		want, err := uncached.View(ctx, "cache1", comp.Def, req)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			got, err := bu.store.View(ctx, "cache1", comp.Def, req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v, ask %d: cached page differs:\n got %d rows total %d %v\nwant %d rows total %d %v",
					req, i+1, len(got.Rows), got.Total, cells(got), len(want.Rows), want.Total, cells(want))
			}
		}
	}
	// needle: callers number % 1000 = 7, 300 of 300,000, whatever the language.
	p, _ := bu.store.View(ctx, "cache1", comp.Def, snapshot.PageRequest{Limit: 10, Search: "needle", Sort: "call_id", Offset: 290, TimeZone: "UTC"})
	if p.Total != 300 || len(p.Rows) != 10 || *p.Rows[9][0] != "299007" {
		t.Fatalf("needle page: total %d, rows %v", p.Total, cells(p))
	}
}

// TestSnapshot_AReaderIsNeverServedAPageCachedForAnotherPermission reads the
// same page whole and masked, in both orders, from one store: each reader
// gets its own form.
func TestSnapshot_AReaderIsNeverServedAPageCachedForAnotherPermission(t *testing.T) {
	runID := "people_cache"
	st, d := personalSnapshot(t, runID)
	ctx := context.Background()
	whole := snapshot.PageRequest{Limit: 10, Lang: "pt-BR", TimeZone: "UTC", Sort: "name"}
	masked := whole
	masked.Mask = snapshot.MaskFor(d, false)
	for _, order := range [][]snapshot.PageRequest{{whole, masked}, {masked, whole}} {
		for _, req := range order {
			req.Offset = map[bool]int64{true: 1, false: 0}[len(order[0].Mask) > 0] // a fresh page per order
			p, err := st.View(ctx, runID, d, req)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(cells(p)[0], "|") + strings.Join(cells(p)[1], "|")
			hasWhole := strings.Contains(text, "bruno lima") || strings.Contains(text, "Ana Maria Souza")
			if hasWhole != (len(req.Mask) == 0) {
				t.Fatalf("mask %d columns, offset %d: page %v", len(req.Mask), req.Offset, cells(p))
			}
		}
	}
}

// TestSnapshot_ADroppedSnapshotIsNotServedFromTheCache reads a page, drops
// the snapshot and asks again: not found, though the page was cached.
func TestSnapshot_ADroppedSnapshotIsNotServedFromTheCache(t *testing.T) {
	runID := "people_dropped"
	st, d := personalSnapshot(t, runID)
	ctx := context.Background()
	req := snapshot.PageRequest{Limit: 10, TimeZone: "UTC"}
	if _, err := st.View(ctx, runID, d, req); err != nil {
		t.Fatal(err)
	}
	if err := st.Drop(ctx, runID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.View(ctx, runID, d, req); !errors.Is(err, snapshot.ErrNotFound) {
		t.Fatalf("after drop: %v", err)
	}
}
