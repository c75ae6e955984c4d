package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/servertest"
)

// holdRuns makes every run of report block in its worker until release is
// closed, so a test can look at the line behind it.
func holdRuns(report string, release <-chan struct{}) func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error) {
	return func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error) {
		return func(ctx context.Context, r *runs.Run) (runs.Result, error) {
			if r.ReportID == report {
				select {
				case <-release:
				case <-ctx.Done():
					return runs.Result{}, ctx.Err()
				}
			}
			return next(ctx, r)
		}
	}
}

func TestAPI_AWaitingRunSaysItsPlaceAndWhatItWaitsFor(t *testing.T) {
	release := make(chan struct{})
	b := setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }, WrapExecute: holdRuns("kpis.service_level", release)})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	// Wallet 101 is tenant 1's "Vendas" (definitions/seed: 100·tenant + 1).
	first := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "yesterday", "wallet": 101})
	second := b.generate(t, b.viewer, "kpis.abandoned_calls", map[string]any{"period": "yesterday", "wallet": 101})
	type queueJSON struct {
		Position   int    `json:"position"`
		SharedBy   string `json:"shared_by"`
		Wallet     string `json:"wallet"`
		WalletName string `json:"wallet_name"`
		WaitingFor *struct {
			ID, Report, Title, Status string
		} `json:"waiting_for"`
	}
	get := func(id string) (status string, q *queueJSON) {
		t.Helper()
		code, _, body := b.do(t, b.viewer, "GET", "/v1/runs/"+id, nil)
		var v struct {
			Status string     `json:"status"`
			Queue  *queueJSON `json:"queue"`
		}
		if err := json.Unmarshal(body, &v); code != 200 || err != nil {
			t.Fatalf("get run: %d %s", code, body)
		}
		return v.Status, v.Queue
	}
	// The first run of the wallet heads the line (or already runs).
	if st, q := get(first.ID); st == "waiting" && (q == nil || q.Position != 1 || q.WaitingFor != nil) {
		t.Errorf("first run waiting with queue %+v; want position 1 and nothing ahead", q)
	}
	// The second is 2nd in the line of the wallet Vendas, behind the first,
	// although it is another report: one wallet's runs never overlap.
	st, q := get(second.ID)
	if st != "waiting" || q == nil {
		t.Fatalf("second run %s with queue %+v; want waiting with a place", st, q)
	}
	if q.Position != 2 || q.SharedBy != "wallet" || q.Wallet != "101" || q.WalletName != "Vendas" ||
		q.WaitingFor == nil || q.WaitingFor.ID != first.ID || q.WaitingFor.Report != "kpis.service_level" || q.WaitingFor.Title != "Nível de Serviço (NS)" {
		t.Errorf("second run's place: %+v %+v", q, q.WaitingFor)
	}
	// The list shows the same place.
	_, _, body := b.do(t, b.viewer, "GET", "/v1/runs?scope=mine", nil)
	var list struct {
		Runs []struct {
			ID    string     `json:"id"`
			Queue *queueJSON `json:"queue"`
		} `json:"runs"`
	}
	json.Unmarshal(body, &list)
	found := false
	for _, r := range list.Runs {
		if r.ID == second.ID {
			found = r.Queue != nil && r.Queue.Position == 2
		}
	}
	if !found {
		t.Errorf("list lacks the second run's place: %s", body)
	}
	close(release)
	// Once it has ended, a run has no place any more.
	if done := b.wait(t, b.viewer, second.ID); done.Status != "finished" {
		t.Fatalf("second run ended %s", done.Status)
	}
	if _, q := get(second.ID); q != nil {
		t.Errorf("finished run still has a queue place %+v", q)
	}
}
