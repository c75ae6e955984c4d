package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/servertest"
	"github.com/relato/relato/server/snapshot"
)

func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkAPI_1000ConcurrentGenerates submits 1,000 generate requests at once
// and checks every one was accepted and stored.
func BenchmarkAPI_1000ConcurrentGenerates(b *testing.B) {
	// One user sends all 1,000: the caps on waiting runs (50 per user, 500
	// per tenant by default, answered 429) are lifted, so the measure is the
	// store's, not the quota's.
	bu := setupWith(b, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }, Configure: func(c *instance.Config) {
		c.MaxWaitingPerUser, c.MaxWaitingPerTenant = 0, 0
	}})
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 200
	for i := 0; i < b.N; i++ {
		const n = 1000
		lat := make([]time.Duration, n)
		codes := make([]int, n)
		var wg sync.WaitGroup
		start := time.Now()
		for k := 0; k < n; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				t0 := time.Now()
				code, _, _ := bu.do(b, bu.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.service_level",
					"filters": map[string]any{"period": "2024-03-01..2024-03-02", "wallet": 101 + k%6}})
				lat[k], codes[k] = time.Since(t0), code
			}(k)
		}
		wg.Wait()
		total := time.Since(start)
		accepted := 0
		for _, c := range codes {
			if c == http.StatusAccepted {
				accepted++
			}
		}
		stored := 0
		cursor := ""
		for {
			_, _, body := bu.do(b, bu.manager, "GET", "/v1/runs?scope=all&limit=500&cursor="+cursor, nil)
			var page struct {
				Runs []json.RawMessage `json:"runs"`
				Next string            `json:"next"`
			}
			json.Unmarshal(body, &page)
			stored += len(page.Runs)
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		fmt.Printf("1000 concurrent generates: %d accepted, %d stored, in %s; accept latency p50 %s, p99 %s\n",
			accepted, stored, total.Round(time.Millisecond), percentile(lat, 0.5).Round(time.Millisecond), percentile(lat, 0.99).Round(time.Millisecond))
		if accepted != n || stored < n {
			byCode := map[int]int{}
			for _, c := range codes {
				byCode[c]++
			}
			b.Fatalf("lost requests: %d accepted, %d stored; answers by status %v", accepted, stored, byCode)
		}
	}
}

const bigListing = `id: bench.big_listing
version: 1
title: {pt-BR: "Bench: 1M linhas"}
category: bench
filters:
  - {name: period, type: period, required: true}
limits: {max_rows: 2000000, timeout: 10m}
query: |
  SELECT call_id, caller, entered_queue_at, wait_ms / 1000 AS wait, outcome
  FROM wh.calls
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
  ORDER BY entered_queue_at, call_id
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
  - {name: caller, type: string, label: {pt-BR: Origem}}
  - {name: entered_queue_at, type: datetime, label: {pt-BR: Entrada}}
  - {name: wait, type: number, label: {pt-BR: Espera}}
  - {name: outcome, type: string, label: {pt-BR: Resultado}}
`

// bigListingRun inserts 1M calls of tenant 1 and wallet 101 (January 2024)
// and returns the finished run of bigListing over them.
func bigListingRun(b *testing.B, bu testBundle) runJSON {
	ctx := context.Background()
	if err := bu.srv.Warehouse.Exec(ctx, `INSERT INTO wh.calls (tenant_id, wallet_id, call_id, queue_id, direction, caller, entered_queue_at, outcome, wait_ms)
		SELECT 1, 101, 900000000 + number, 1, 'inbound', concat('+5511', toString(100000000 + number)), toDateTime('2024-01-10 00:00:00', 'UTC') + intDiv(number, 10),
		       if(number % 10 = 0, 'abandoned', 'answered'), cityHash64(number) % 300000 FROM numbers(1000000)`); err != nil {
		b.Fatal(err)
	}
	d, ps := engine.ParseDefinition("bench/big_listing.yaml", []byte(bigListing))
	if len(ps) > 0 {
		b.Fatal(ps)
	}
	bu.srv.Catalog.Reports[d.ID] = d
	r := bu.generate(b, bu.viewer, d.ID, map[string]any{"period": "2024-01-09..2024-01-30"})
	t0 := time.Now()
	done := bu.wait(b, bu.viewer, r.ID)
	if done.Status != string(runs.StatusFinished) || done.TotalRows == nil || *done.TotalRows < 1000000 {
		b.Fatalf("snapshot run: %s rows=%v", done.Status, done.TotalRows)
	}
	fmt.Printf("1M-row snapshot generated in %s\n", time.Since(t0).Round(time.Millisecond))
	return r
}

// BenchmarkAPI_ViewPageOf1MRowSnapshot measures the rows endpoint with search
// and sort over a 1M-row snapshot (goal: p95 < 200 ms), against plain paging
// of the same snapshot measured in the same run.
func BenchmarkAPI_ViewPageOf1MRowSnapshot(b *testing.B) {
	bu := setup(b)
	r := bigListingRun(b, bu)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		measure := func(name, query string) time.Duration {
			var lat []time.Duration
			for k := 0; k < 40; k++ {
				t := time.Now()
				code, _, body := bu.do(b, bu.viewer, "GET", "/v1/runs/"+r.ID+"/rows?"+fmt.Sprintf(query, k*50), nil)
				if code != 200 {
					b.Fatalf("%s: %d %s", name, code, body)
				}
				lat = append(lat, time.Since(t))
			}
			p95 := percentile(lat, 0.95)
			fmt.Printf("view %-28s p50 %6s p95 %6s\n", name, percentile(lat, 0.5).Round(time.Millisecond), p95.Round(time.Millisecond))
			return p95
		}
		plain := measure("page (result order)", "limit=50&offset=%d")
		sorted := measure("sort by wait desc", "limit=50&sort=wait&desc=true&offset=%d")
		searched := measure("search + sort", "limit=50&q=5511100012&sort=wait&offset=%d")
		fmt.Printf("view p95 with search and sort: %s (goal < 200 ms); plain paging p95 %s; sort-only %s\n",
			searched.Round(time.Millisecond), plain.Round(time.Millisecond), sorted.Round(time.Millisecond))
	}
}

// viewLoad is what 50 concurrent viewers of one run saw for a while.
type viewLoad struct {
	lat      []time.Duration
	failed   int
	duration time.Duration
}

func (l viewLoad) String() string {
	if len(l.lat) == 0 {
		return "no answers"
	}
	return fmt.Sprintf("p50 %s p95 %s p99 %s, %.0f req/s (%d requests, %d failed)",
		percentile(l.lat, 0.5).Round(time.Millisecond), percentile(l.lat, 0.95).Round(time.Millisecond),
		percentile(l.lat, 0.99).Round(time.Millisecond), float64(len(l.lat))/l.duration.Seconds(), len(l.lat), l.failed)
}

// loadView has clients concurrent viewers page through the run's rows,
// searched and sorted, for d: each viewer walks 10 pages of 50 rows of one
// search (a phone prefix matching 1,000 calls), sorted by wait, ascending or
// descending by viewer, so the viewers share 20 distinct pages as people
// looking at the same result do.
func loadView(b *testing.B, bu testBundle, runID string, clients int, d time.Duration) viewLoad {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	var mu sync.Mutex
	var load viewLoad
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for k := 0; time.Since(start) < d; k++ {
				url := fmt.Sprintf("%s/v1/runs/%s/rows?limit=50&q=5511100012&sort=wait&desc=%t&offset=%d", bu.url, runID, c%2 == 0, (k%10)*50)
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+bu.viewer)
				t := time.Now()
				resp, err := client.Do(req)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat := time.Since(t)
				mu.Lock()
				if ok {
					load.lat = append(load.lat, lat)
				} else {
					load.failed++
				}
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	load.duration = time.Since(start)
	return load
}

// BenchmarkAPI_ViewUnder50Clients has 50 viewers page through a searched and
// sorted 1M-row snapshot for 10 s each (goal: p95 < 200 ms, ≥ 300 req/s),
// with the page cache and, as the reference in the same run, without it.
func BenchmarkAPI_ViewUnder50Clients(b *testing.B) {
	bu := setup(b)
	r := bigListingRun(b, bu)
	const clients, d = 50, 10 * time.Second
	cached := bu.srv.Snapshots
	uncached := &snapshot.Store{B: cached.B, PageCacheBytes: -1}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bu.srv.Snapshots = uncached
		off := loadView(b, bu, r.ID, clients, d)
		bu.srv.Snapshots = cached
		on := loadView(b, bu, r.ID, clients, d)
		fmt.Printf("view under %d clients, search + sort, %s: page cache %s\n", clients, d, on)
		fmt.Printf("view under %d clients, search + sort, %s: no cache (reference) %s\n", clients, d, off)
		if len(on.lat) > 0 && len(off.lat) > 0 {
			fmt.Printf("ratio view-50-clients throughput cache/no-cache: %.1f (%.0f vs %.0f req/s; goal >= 300 req/s, p95 %s, goal < 200 ms)\n",
				float64(len(on.lat))/float64(len(off.lat)), float64(len(on.lat))/on.duration.Seconds(), float64(len(off.lat))/off.duration.Seconds(),
				percentile(on.lat, 0.95).Round(time.Millisecond))
		}
		if on.failed > 0 || off.failed > 0 {
			b.Fatalf("failed requests: %d with the cache, %d without", on.failed, off.failed)
		}
	}
}
