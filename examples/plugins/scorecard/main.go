// Command scorecard is relato's example custom report: an agent-performance
// scorecard that combines four warehouse queries per user (calls,
// conversations, NPS answers, login sessions) and computes a weighted score
// and a ranking in Go — what one SQL query in a YAML definition cannot say
// plainly. Build it, write its manifest and install both in the plugin folder
// (see examples/plugins/README.md).
package main

import (
	"context"
	_ "embed"

	"github.com/relato/relato/plugins/sdk"
)

//go:embed definition.yaml
var definition string

func main() { sdk.Serve(Scorecard{}) }

// Scorecard is the report.
type Scorecard struct{}

// Definition is the report's metadata (definition.yaml, relato's YAML DSL
// without a query).
func (Scorecard) Definition(context.Context) (string, error) { return definition, nil }

// Run reads the period's activity and writes one ranked row per user.
func (Scorecard) Run(ctx context.Context, req *sdk.Request, out sdk.Output) error {
	in, err := readInput(req.Filters)
	if err != nil {
		return err
	}
	stats, err := collect(ctx, req.Warehouse, in)
	if err != nil {
		return err
	}
	for _, r := range score(stats, in.weights) {
		if err := out.Write(ctx, r.values()...); err != nil {
			return err
		}
	}
	return nil
}
