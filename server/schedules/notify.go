package schedules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/relato/relato/delivery"
)

// Notifier tells a schedule's owner that a fire did not deliver.
type Notifier interface {
	NotifyFailure(ctx context.Context, n FailureNotice) error
}

// FailureNotice is what a failure notice says.
type FailureNotice struct {
	TenantID   uint32    `json:"tenant_id"`
	ScheduleID string    `json:"schedule_id,omitempty"` // empty for a run someone asked for (OwnerID is its requester)
	Schedule   string    `json:"schedule_name,omitempty"`
	OwnerID    string    `json:"owner_id"`
	ReportID   string    `json:"report"`
	RunID      string    `json:"run_id,omitempty"`
	Outcome    string    `json:"outcome"` // failed, run_failed, or delivered_masked (the owner lacks personal_data: issue 17)
	Error      string    `json:"error"`
	At         time.Time `json:"at"`

	// ReportTitle names the report in pt-BR (set for requested runs).
	ReportTitle string `json:"report_title,omitempty"`
}

// Webhook posts failure notices as JSON to a URL the deployment configures
// (opt-in: no URL, no notices). It dials through the outbound guard.
type Webhook struct {
	URL   string
	Guard *delivery.Guard
}

// NotifyFailure implements Notifier.
func (w *Webhook) NotifyFailure(ctx context.Context, n FailureNotice) error {
	body, _ := json.Marshal(n)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{DialContext: w.Guard.DialContext}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("failure webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("failure webhook: %s", resp.Status)
	}
	return nil
}

// notifyFailure sends a notice if a notifier is configured; its own failure
// is only logged: the delivery outcome is already recorded.
func (s *Service) notifyFailure(ctx context.Context, sch *Schedule, runID, outcome string, cause error) {
	if s.Notifier == nil || sch == nil {
		return
	}
	n := FailureNotice{TenantID: sch.TenantID, ScheduleID: sch.ID, Schedule: sch.Name, OwnerID: sch.OwnerID, ReportID: sch.ReportID,
		RunID: runID, Outcome: outcome, Error: cause.Error(), At: time.Now().UTC()}
	if err := s.Notifier.NotifyFailure(context.WithoutCancel(ctx), n); err != nil {
		s.Logger.Warn("failure notice not sent", "schedule_id", sch.ID, "err", err)
	}
}
