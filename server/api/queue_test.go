package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
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
	// A dry run of the wallet would be 3rd, and creates nothing.
	code, _, body := b.do(t, b.viewer, "POST", "/v1/runs?dry_run=true", map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "wallet": 101}})
	var dry struct {
		QueuePosition int `json:"queue_position"`
	}
	json.Unmarshal(body, &dry)
	if code != 200 || dry.QueuePosition != 3 {
		t.Errorf("dry run behind two runs of the wallet: %d %s; want position 3", code, body)
	}
	// The list shows the same place.
	_, _, body = b.do(t, b.viewer, "GET", "/v1/runs?scope=mine", nil)
	var list struct {
		Runs []struct {
			ID    string     `json:"id"`
			Queue *queueJSON `json:"queue"`
		} `json:"runs"`
	}
	json.Unmarshal(body, &list)
	found := len(list.Runs) == 2 // the dry run added none
	for _, r := range list.Runs {
		if r.ID == second.ID {
			found = found && r.Queue != nil && r.Queue.Position == 2
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

func TestAPI_EventsFollowAWaitingRunToItsFinalCount(t *testing.T) {
	release := make(chan struct{})
	b := setupWith(t, servertest.Options{Now: func() time.Time { return servertest.SeedEnd }, WrapExecute: holdRuns("kpis.service_level", release)})
	first := b.generate(t, b.viewer, "kpis.service_level", map[string]any{"period": "yesterday", "wallet": 101})
	second := b.generate(t, b.viewer, "kpis.abandoned_calls", map[string]any{"period": "2024-03-01..2024-03-07", "wallet": 101})
	req, _ := http.NewRequest("GET", b.url+"/v1/runs/"+second.ID+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+b.viewer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	type eventJSON struct {
		Status    string `json:"status"`
		Rows      int64  `json:"rows"`
		TotalRows *int64 `json:"total_rows"`
		Queue     *struct {
			Position   int `json:"position"`
			WaitingFor *struct {
				ID string `json:"id"`
			} `json:"waiting_for"`
		} `json:"queue"`
	}
	events := make(chan eventJSON)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev eventJSON
				json.Unmarshal([]byte(data), &ev)
				events <- ev
			}
		}
	}()
	// The first event: waiting, 2nd in the wallet's line behind the held run.
	ev := <-events
	if ev.Status != "waiting" || ev.Queue == nil || ev.Queue.Position != 2 || ev.Queue.WaitingFor == nil || ev.Queue.WaitingFor.ID != first.ID {
		t.Fatalf("first event %+v; want waiting 2nd behind %s", ev, first.ID)
	}
	// Released, the first run ends and the second goes through: the stream is
	// pushed by the store's notifications and ends on the final count.
	close(release)
	var final eventJSON
	n := 0
	for ev := range events {
		final, n = ev, n+1
	}
	if n == 0 || final.Status != "finished" || final.TotalRows == nil || *final.TotalRows == 0 || final.Rows != *final.TotalRows {
		t.Fatalf("last of %d more events %+v (total %v); want finished with rows equal to total_rows", n, final, final.TotalRows)
	}
}
