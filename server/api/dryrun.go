package api

import (
	"encoding/json"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// DryRunView is what POST /v1/runs?dry_run=true answers: what the run would
// do, with no run created.
type DryRunView struct {
	DryRun          bool              `json:"dry_run" doc:"always true: nothing was queued"`
	Report          string            `json:"report"`
	FiltersResolved map[string]string `json:"filters_resolved" doc:"the values the run would use: defaults applied, relative periods resolved"`
	QueuePosition   int               `json:"queue_position" minimum:"1" doc:"the place the run would take in its line now: 1 + the runs of its wallet (or, without a wallet, of its report) waiting or processing"`
	EstimatedRows   *int64            `json:"estimated_rows,omitempty" doc:"ClickHouse's estimate of the rows the query reads (EXPLAIN ESTIMATE: whole granules of the parts the primary key and partitions select, so an upper bound of what it reads)"`
	EstimatedParts  *int64            `json:"estimated_parts,omitempty" doc:"data parts the query reads, by the same estimate"`
	Unavailable     string            `json:"estimate_unavailable,omitempty" doc:"why there is no estimate (a custom report, or a server without EXPLAIN ESTIMATE)"`
}

// createRunBody is create-run's answer: the run queued, or with dry_run the
// estimate.
type createRunBody struct {
	run *RunView
	dry *DryRunView
}

func (b createRunBody) MarshalJSON() ([]byte, error) {
	if b.dry != nil {
		return json.Marshal(b.dry)
	}
	return json.Marshal(b.run)
}

// Schema documents both answers.
func (createRunBody) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{OneOf: []*huma.Schema{
		r.Schema(reflect.TypeOf(RunView{}), true, "RunView"),
		r.Schema(reflect.TypeOf(DryRunView{}), true, "DryRunView"),
	}}
}

type createRunOutput struct {
	Status int
	Body   createRunBody
}
