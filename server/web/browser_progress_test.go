package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/servertest"
)

// slowWarehouse is the real embedded warehouse made to take its time on the
// queries whose progress someone follows (a run's snapshot): it returns the
// result in blocks of 20 rows and lets each block's progress report wait
// 150 ms before the query goes on. The counts are the warehouse's own; only
// the pace is the test's, so a run of a few hundred rows lasts seconds.
type slowWarehouse struct{ engine.Backend }

func (w slowWarehouse) slow(ctx context.Context, q engine.Query) (context.Context, engine.Query) {
	fn := engine.ProgressFunc(ctx)
	if fn == nil {
		return ctx, q
	}
	settings := map[string]string{}
	for k, v := range q.Settings {
		settings[k] = v
	}
	settings["max_block_size"] = "10000"
	q.Settings = settings
	return engine.WithProgress(ctx, func(p engine.Progress) { fn(p); time.Sleep(150 * time.Millisecond) }), q
}

func (w slowWarehouse) Query(ctx context.Context, q engine.Query) (engine.Rows, error) {
	ctx, q = w.slow(ctx, q)
	return w.Backend.Query(ctx, q)
}

func (w slowWarehouse) ExecQuery(ctx context.Context, q engine.Query) error {
	ctx, q = w.slow(ctx, q)
	return w.Backend.ExecQuery(ctx, q)
}

// QueryFormatted and Path keep the embedded warehouse's streaming snapshot
// path (snapshot.streamingBackend), slowed the same way.
func (w slowWarehouse) QueryFormatted(ctx context.Context, q engine.Query, format string) (io.ReadCloser, error) {
	ctx, q = w.slow(ctx, q)
	return w.Backend.(interface {
		QueryFormatted(context.Context, engine.Query, string) (io.ReadCloser, error)
	}).QueryFormatted(ctx, q, format)
}

func (w slowWarehouse) Path() string { return w.Backend.(interface{ Path() string }).Path() }

// manyEventsTenant holds a bigger seed of its own: no other test reads it.
const manyEventsTenant = 9

// seedManyEvents gives tenant 9 300,000 KPI events, one every 5 s from
// 2024-03-01 03:00 UTC, midnight in its zone (São Paulo, UTC−3), for
// 300,000 × 5 s ≈ 17.4 days: all in its March. So its
// KPI Eventos of March is a result big enough for the warehouse to deliver in
// many chunks; they are removed when the test ends.
func seedManyEvents(t *testing.T, srv *servertest.Server) {
	t.Helper()
	ctx := context.Background()
	wh := srv.App.Warehouse
	// A tenant the warehouse knows, in São Paulo (its zone is then cached,
	// as a real tenant's is).
	if err := wh.Exec(ctx, fmt.Sprintf(`INSERT INTO wh.tenants VALUES (%d, 'Muitos eventos', 'America/Sao_Paulo')`, manyEventsTenant)); err != nil {
		t.Fatal(err)
	}
	if err := wh.Exec(ctx, fmt.Sprintf(`INSERT INTO wh.kpi_events SELECT %d, %d01, 9000000000 + number, toDateTime('2024-03-01 03:00:00', 'UTC') + number * 5,
		'whatsapp', 'sale', 0, 0, number, number, 1 FROM numbers(300000)`, manyEventsTenant, manyEventsTenant)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, table := range []string{"wh.kpi_events", "wh.tenants"} {
			wh.Exec(context.Background(), fmt.Sprintf("DELETE FROM %s WHERE tenant_id = %d", table, manyEventsTenant))
		}
	})
}

// digits reads a count as the pages show it ("1.234", "1,234 · 0:03").
func digits(s string) int64 {
	s, _, _ = strings.Cut(s, "·")
	n, _ := strconv.ParseInt(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s), 10, 64)
	return n
}

// Issue 14, acceptance: during a long run the rows so far grow in the view
// and in the list, and end equal to the run's total. The run reads a bigger
// seed of its own tenant (seedManyEvents) at the slowed pace of slowWarehouse:
// about 6 s here.
func TestBrowser_ProgressCountGrowsAndEndsAtTheTotal(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Now: func() time.Time { return now },
		Warehouse: func(b engine.Backend) engine.Backend { return slowWarehouse{b} }})
	seedManyEvents(t, srv)
	b := testBundle{url: srv.URL, viewer: srv.Token(manyEventsTenant, "Operador", auth.Viewer)}
	shots := artifacts(t)
	for _, c := range []struct{ lang, rowsLabel string }{
		{"pt-BR", "Total de linhas"},
		{"en", "Total rows"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			ctx := browserCtx(t, t.TempDir())
			signInAs(t, ctx, b, b.viewer, c.lang)
			// The page records every count it shows (view or list) as it changes.
			record := func(id string) string {
				// window.sample records what the page shows; the interval calls
				// it every 20 ms, and the test once more after the run's end,
				// so the end is recorded even if it came between two ticks.
				return fmt.Sprintf(`window.seen = []; clearInterval(window.rec); window.sample = () => {
					const v = document.querySelector("#view-progress"), l = document.querySelector('#runs-body tr[data-run-id=%q] td:nth-of-type(6)');
					const s = v ? "view:" + v.textContent : l && l.textContent ? "list:" + l.textContent : "";
					if (s && window.seen[window.seen.length - 1] !== s) window.seen.push(s);
				}; window.rec = setInterval(window.sample, 20); null`, id)
			}
			generate := func() string {
				var run struct{ ID string }
				json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.kpi_events","filters":{"period":"2024-03-01..2024-03-31"}}`), &run)
				return run.ID
			}
			finished := func(id string) int64 {
				var api struct {
					Status    string
					TotalRows int64 `json:"total_rows"`
				}
				json.Unmarshal(b.apiGet(t, b.viewer, "/v1/runs/"+id), &api)
				// seedManyEvents: 300,000 events, all in March.
				if api.Status != "finished" || api.TotalRows != 300000 {
					t.Fatalf("run %s: %s with %d rows, want finished with 300000", id, api.Status, api.TotalRows)
				}
				return api.TotalRows
			}

			// The view, from the run's events.
			id := generate()
			do(t, ctx, "the view follows the run", chromedp.Navigate(b.url+"/#/runs/"+id),
				chromedp.WaitVisible(chromedp.CSS("#view-title")),
				chromedp.Evaluate[chromedp.Void](record(id), chromedp.EvalAsValue),
				waitJS(`window.seen.length >= 2`))
			screenshot(t, ctx, shots, "progress-"+c.lang+"-1-view")
			do(t, ctx, "the run ends", waitJS(`!document.querySelector("#view-progress") && [...document.querySelectorAll(".meta dt")].some(d => d.textContent === `+strconv.Quote(c.rowsLabel)+`)`))
			seen := eval[[]string](t, ctx, `clearInterval(window.rec), window.seen`)
			total := finished(id)
			shown := eval[string](t, ctx, `[...document.querySelectorAll(".meta > div")].find(d => d.querySelector("dt").textContent === `+strconv.Quote(c.rowsLabel)+`).querySelector("dd").textContent`)
			t.Logf("view: counts shown %v; total %d, shown %q", seen, total, shown)
			if digits(shown) != total {
				t.Errorf("the view ends with %q, want the total %d", shown, total)
			}
			growing(t, "view", seen, total)

			// The list, from its refreshes.
			id = generate()
			do(t, ctx, "the list follows the run", chromedp.Navigate(b.url+"/#/runs"),
				waitJS(fmt.Sprintf(`!!document.querySelector('#runs-body tr[data-run-id=%q]')`, id)),
				chromedp.Evaluate[chromedp.Void](record(id), chromedp.EvalAsValue),
				waitJS(`window.seen.length >= 2`))
			screenshot(t, ctx, shots, "progress-"+c.lang+"-2-list")
			do(t, ctx, "the run ends in the list", waitJS(fmt.Sprintf(`!!document.querySelector('#runs-body tr[data-run-id=%q][data-status=finished]')`, id)))
			seen = eval[[]string](t, ctx, `clearInterval(window.rec), window.sample(), window.seen`)
			total = finished(id)
			t.Logf("list: counts shown %v; total %d", seen, total)
			if last := seen[len(seen)-1]; digits(strings.TrimPrefix(last, "list:")) != total {
				t.Errorf("the list ends with %q, want the total %d", last, total)
			}
			growing(t, "list", seen[:len(seen)-1], total)
		})
	}
}

// growing checks the counts a page showed while the run was processing:
// they never go back, move at least twice, and stay within the total.
func growing(t *testing.T, page string, seen []string, total int64) {
	t.Helper()
	var counts []int64
	for _, s := range seen {
		if rest, ok := strings.CutPrefix(s, page+":"); ok {
			counts = append(counts, digits(rest))
		}
	}
	distinct := 0
	for i, n := range counts {
		if i > 0 && n < counts[i-1] {
			t.Errorf("%s: the count went back: %v", page, counts)
		}
		if n > total {
			t.Errorf("%s: %d is over the total %d", page, n, total)
		}
		if n > 0 && (i == 0 || n != counts[i-1]) {
			distinct++
		}
	}
	if distinct < 2 {
		t.Errorf("%s: the count did not grow: %v", page, counts)
	}
}
