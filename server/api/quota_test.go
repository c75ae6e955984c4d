package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/server/instance"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/servertest"
)

// Issue 11, point 4: 200 concurrent POSTs were all accepted; there was never
// a 429. With a cap of 2 waiting runs per user, a third waiting one is refused
// with Retry-After, and another user of the tenant is not.
func TestRuns_APerUserCapAnswers429WithRetryAfter(t *testing.T) {
	release := make(chan struct{})
	b := setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd },
		Configure: func(c *instance.Config) { c.MaxWaitingPerUser = 2 },
		WrapExecute: func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error) {
			return func(ctx context.Context, r *runs.Run) (runs.Result, error) {
				select {
				case <-release:
				case <-ctx.Done():
				}
				return next(ctx, r)
			}
		}})
	t.Cleanup(func() { close(release) })
	filters := map[string]any{"period": "2024-03-01..2024-03-02"} // no wallet: one queue key, so one runs and the rest wait
	first := b.generate(t, b.viewer, "kpis.service_level", filters)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, _, body := b.do(t, b.viewer, "GET", "/v1/runs/"+first.ID, nil)
		if strings.Contains(string(body), `"status":"processing"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first run never started: %s", body)
		}
	}
	b.generate(t, b.viewer, "kpis.service_level", filters)
	b.generate(t, b.viewer, "kpis.service_level", filters)
	code, h, body := b.do(t, b.viewer, "POST", "/v1/runs", map[string]any{"report": "kpis.service_level", "filters": filters})
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), "no máximo 2 por usuário") { // no Accept-Language: pt-BR (issue 12)
		t.Fatalf("third waiting run: %d Retry-After %q %s", code, h.Get("Retry-After"), body)
	}
	b.generate(t, b.viewer2, "kpis.service_level", filters)
}
