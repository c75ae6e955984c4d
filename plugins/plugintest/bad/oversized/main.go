// Command oversized is a test plugin that writes one row whose string value
// is `size` KiB: over the host's row limit, or over gRPC's message limit.
package main

import (
	"context"
	"strings"

	"github.com/relato/relato/plugins/plugintest/bad"
	"github.com/relato/relato/plugins/sdk"
)

type oversized struct{}

func (oversized) Definition(context.Context) (string, error) {
	return bad.Definition("test.oversized", "30s"), nil
}

func (oversized) Run(ctx context.Context, req *sdk.Request, out sdk.Output) error {
	kib, err := req.Filters.Int("size")
	if err != nil {
		return err
	}
	return out.Write(ctx, 1, strings.Repeat("x", int(kib)<<10))
}

func main() { sdk.Serve(oversized{}) }
