package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/runs"
)

func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkAPI_1000ConcurrentGenerates submits 1,000 generate requests at once
// and checks every one was accepted and stored.
func BenchmarkAPI_1000ConcurrentGenerates(b *testing.B) {
	bu := setup(b)
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
			b.Fatalf("lost requests: %d accepted, %d stored", accepted, stored)
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

// BenchmarkAPI_ViewPageOf1MRowSnapshot measures the rows endpoint with search
// and sort over a 1M-row snapshot (goal: p95 < 200 ms), against plain paging
// of the same snapshot measured in the same run.
func BenchmarkAPI_ViewPageOf1MRowSnapshot(b *testing.B) {
	bu := setup(b)
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
		b.Fatalf("snapshot run: %s rows=%v", done.Status, *done.TotalRows)
	}
	fmt.Printf("1M-row snapshot generated in %s\n", time.Since(t0).Round(time.Millisecond))
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
