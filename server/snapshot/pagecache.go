package snapshot

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/relato/relato/engine"
)

// DefaultPageCacheBytes bounds the memory of the view's page cache when
// Store.PageCacheBytes is 0: 64 MiB, a few thousand pages of 50 rows.
const DefaultPageCacheBytes = 64 << 20

// pageCacheEntries caps the number of entries whatever their size, so that
// many tiny pages (e.g. empty searches) do not grow the LRU's own bookkeeping.
const pageCacheEntries = 100_000

// existsFor is how long a snapshot seen to exist is trusted without asking the
// warehouse again: what bounds serving cached pages of a snapshot another
// instance dropped (this instance's Drop forgets at once).
const existsFor = time.Minute

// pageCache keeps pages and match counts already read from snapshots, which
// never change once frozen: a snapshot is only ever dropped (Store.Drop
// forgets its entries). Keys hold everything a page depends on: run, the
// definition's columns, sort, direction, search, language, time zone, mask,
// offset and limit. The mask is part of the key, so a reader without the
// personal_data permission is never served a page read for one with it, nor
// the other way round. Concurrent misses of one key run one query
// (singleflight). Memory is bounded by the estimated bytes of the entries.
type pageCache struct {
	max    int64
	flight singleflight.Group

	mu     sync.Mutex
	bytes  int64
	byRun  map[string]map[string]struct{} // run → its keys, for forget
	lru    *lru.Cache[string, cached]
	exists map[string]time.Time // run → when its snapshot was last seen to exist
}

type cached struct {
	run   string
	page  Page  // for page keys
	total int64 // for count keys
	size  int64
}

func newPageCache(max int64) *pageCache {
	c := &pageCache{max: max, byRun: map[string]map[string]struct{}{}, exists: map[string]time.Time{}}
	c.lru, _ = lru.NewWithEvict(pageCacheEntries, func(key string, v cached) {
		// Called with c.mu held (every lru call below is).
		c.bytes -= v.size
		if keys := c.byRun[v.run]; keys != nil {
			delete(keys, key)
			if len(keys) == 0 {
				delete(c.byRun, v.run)
			}
		}
	})
	return c
}

func (c *pageCache) get(key string) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(key)
}

func (c *pageCache) put(key string, v cached) {
	if v.size > c.max/4 {
		return // one huge page must not empty the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.lru.Peek(key); ok {
		c.bytes -= old.size
	}
	c.lru.Add(key, v)
	c.bytes += v.size
	if c.byRun[v.run] == nil {
		c.byRun[v.run] = map[string]struct{}{}
	}
	c.byRun[v.run][key] = struct{}{}
	for c.bytes > c.max {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// known reports whether run's snapshot was seen to exist within existsFor.
func (c *pageCache) known(run string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen, ok := c.exists[run]
	return ok && now.Sub(seen) < existsFor
}

func (c *pageCache) found(run string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.exists) >= pageCacheEntries {
		clear(c.exists) // only costs an existence query per run
	}
	c.exists[run] = now
}

// forget drops every entry of run (its snapshot was dropped or replaced).
func (c *pageCache) forget(run string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.exists, run)
	for key := range c.byRun[run] {
		c.lru.Remove(key)
	}
	delete(c.byRun, run)
}

// pageSize estimates a page's memory: the text of its cells plus a fixed
// cost per cell and per row.
func pageSize(p Page) int64 {
	n := int64(256)
	for _, r := range p.Rows {
		n += 24 + int64(len(r))*8
		for _, v := range r {
			if v != nil {
				n += 16 + int64(len(*v))
			}
		}
	}
	for c, vs := range p.Codes {
		n += 48 + int64(len(c)) + int64(len(vs))*8
		for _, v := range vs {
			if v != nil {
				n += 16 + int64(len(*v))
			}
		}
	}
	return n
}

// viewKeys are the cache keys of a page request: its count (every page of
// one search shares it) and the page itself. Parts are separated by a NUL,
// which no part contains unescaped (the search text is quoted).
func viewKeys(runID string, def *engine.Definition, req PageRequest) (count, page string) {
	var b strings.Builder
	b.WriteString(runID)
	b.WriteByte(0)
	for _, c := range def.Columns {
		b.WriteString(c.Name)
		b.WriteByte(' ')
		b.WriteString(string(c.Type))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(c.Places()))
		b.WriteByte(',')
	}
	b.WriteByte(0)
	b.WriteString(strconv.Quote(req.Search))
	b.WriteByte(0)
	b.WriteString(req.Lang)
	b.WriteByte(0)
	b.WriteString(req.TimeZone)
	b.WriteByte(0)
	// The tenant's labels (event types) may be renamed: a page shows the
	// labels it was read with, so they are part of its key.
	for _, col := range slices.Sorted(maps.Keys(req.Labels)) {
		b.WriteString(strconv.Quote(col))
		for _, code := range slices.Sorted(maps.Keys(req.Labels[col])) {
			b.WriteString(strconv.Quote(code))
			b.WriteString(strconv.Quote(req.Labels[col][code]))
		}
		b.WriteByte(',')
	}
	b.WriteByte(0)
	for _, c := range req.Mask {
		b.WriteString(c.Name)
		b.WriteByte(' ')
		b.WriteString(string(c.Personal))
		b.WriteByte(',')
	}
	count = "n" + b.String()
	b.WriteByte(0)
	b.WriteString(req.Sort)
	b.WriteByte(0)
	b.WriteString(strconv.FormatBool(req.Desc))
	b.WriteByte(0)
	b.WriteString(strconv.FormatInt(req.Offset, 10))
	b.WriteByte(0)
	b.WriteString(strconv.FormatInt(req.Limit, 10))
	return count, "p" + b.String()
}
