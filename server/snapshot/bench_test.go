package snapshot_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/relato/relato/engine"
)

// BenchmarkSnapshot_Finish1MRows freezes a 1M-row result and compares it
// with the reference measured in the same run: the same query streamed once
// in ClickHouse's Native format to nowhere. Finishing (cap, column check,
// checksum, size) is what Create adds on top of that one pass and the load
// into the snapshot table. Medians of 3, interleaved.
func BenchmarkSnapshot_Finish1MRows(b *testing.B) {
	bu := setup(b)
	ctx := context.Background()
	// 1M rows: setup's 300,000 calls and 700,000 more of tenant 1.
	if err := bu.b.Exec(ctx, `INSERT INTO wh.calls (tenant_id, call_id, caller, entered_queue_at, wait_ms)
		SELECT 1, 300000 + number, concat('+5511', toString(number)), toDateTime('2024-03-01 12:00:00', 'UTC') + number % 3600, cityHash64(number) % 600000
		FROM numbers(700000)`); err != nil {
		b.Fatal(err)
	}
	comp := compile(b, bu, 2000000)
	streamer := any(bu.b).(interface {
		QueryFormatted(ctx context.Context, q engine.Query, format string) (io.ReadCloser, error)
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var creates, queries []time.Duration
		var rows int64
		for k := 0; k < 3; k++ {
			t0 := time.Now()
			r, err := streamer.QueryFormatted(ctx, comp.Query, "Native")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, r)
			r.Close()
			queries = append(queries, time.Since(t0))
			t1 := time.Now()
			info, err := bu.store.Create(ctx, fmt.Sprintf("bench%d_%d", i, k), comp, nil)
			if err != nil {
				b.Fatal(err)
			}
			creates = append(creates, time.Since(t1))
			rows = info.Rows
			bu.store.Drop(ctx, fmt.Sprintf("bench%d_%d", i, k))
		}
		c, q := median(creates), median(queries)
		fmt.Printf("ratio snapshot-1M query/create: %.2f (create %s of %d rows: the query, its load and one checksum aggregate; the query alone streamed as Native %s; goal one pass, no read back through Go)\n",
			q.Seconds()/c.Seconds(), c.Round(time.Millisecond), rows, q.Round(time.Millisecond))
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
