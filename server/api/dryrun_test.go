package api_test

import (
	"encoding/json"
	"testing"
)

func TestAPI_DryRunEstimatesWithoutCreatingARun(t *testing.T) {
	b := setup(t)
	filters := map[string]any{"period": "2024-03-01..2024-03-07"}
	body := map[string]any{"report": "contacts.all_contacts", "filters": filters}
	code, _, data := b.do(t, b.viewer, "POST", "/v1/runs?dry_run=true", body)
	var est struct {
		DryRun          bool              `json:"dry_run"`
		ID              string            `json:"id"`
		FiltersResolved map[string]string `json:"filters_resolved"`
		QueuePosition   int               `json:"queue_position"`
		EstimatedRows   *int64            `json:"estimated_rows"`
		EstimatedParts  *int64            `json:"estimated_parts"`
	}
	json.Unmarshal(data, &est)
	// The period in São Paulo (-03:00): 1 March 00:00 to 8 March 00:00, the last day included.
	if code != 200 || !est.DryRun || est.ID != "" || est.QueuePosition != 1 || est.EstimatedRows == nil || est.EstimatedParts == nil || *est.EstimatedParts < 1 ||
		est.FiltersResolved["period"] != "2024-03-01T00:00:00-03:00/2024-03-08T00:00:00-03:00" {
		t.Fatalf("dry run: %d %s", code, data)
	}
	// No run was created.
	_, _, list := b.do(t, b.viewer, "GET", "/v1/runs?scope=mine", nil)
	var runs struct {
		Total int64 `json:"total"`
	}
	json.Unmarshal(list, &runs)
	if runs.Total != 0 {
		t.Fatalf("a dry run created a run: %s", list)
	}
	// The real run: the estimate is within the same order of magnitude
	// (between a tenth and ten times the rows of the result).
	r := b.generate(t, b.viewer, "contacts.all_contacts", filters)
	done := b.wait(t, b.viewer, r.ID)
	if done.Status != "finished" || done.TotalRows == nil || *done.TotalRows == 0 {
		t.Fatalf("real run %+v", done)
	}
	real, guess := *done.TotalRows, *est.EstimatedRows
	t.Logf("estimate %d rows in %d parts; result %d rows", guess, *est.EstimatedParts, real)
	if guess*10 < real || guess > real*10 {
		t.Errorf("estimate %d rows, result %d: not within an order of magnitude", guess, real)
	}
	// While that run of the report is queued or running, a dry run would be 2nd:
	// here it has finished, so 1st again.
	code, _, data = b.do(t, b.viewer, "POST", "/v1/runs?dry_run=true", body)
	json.Unmarshal(data, &est)
	if code != 200 || est.QueuePosition != 1 {
		t.Errorf("after the run ended: %d %s", code, data)
	}
	// Bad filters are the same 422 as a real request: 75 days where service
	// level allows 31.
	code, _, data = b.do(t, b.viewer, "POST", "/v1/runs?dry_run=true", map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "2024-01-01..2024-03-15"}})
	var p problem
	json.Unmarshal(data, &p)
	if code != 422 || len(p.Errors) == 0 || p.Errors[0].Location != "body.filters.period" {
		t.Errorf("bad period: %d %s", code, data)
	}
}
