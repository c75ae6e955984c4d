// Command crash is a test plugin whose process exits in the middle of a run,
// after sending some rows.
package main

import (
	"context"
	"os"
	"time"

	"github.com/relato/relato/plugins/plugintest/bad"
	"github.com/relato/relato/plugins/sdk"
)

type crash struct{}

func (crash) Definition(context.Context) (string, error) {
	return bad.Definition("test.crash", "30s"), nil
}

func (crash) Run(ctx context.Context, req *sdk.Request, out sdk.Output) error {
	for i := range 600 { // more than one chunk, so some rows reach the host
		if err := out.Write(ctx, i, "row"); err != nil {
			return err
		}
	}
	time.Sleep(100 * time.Millisecond)
	os.Exit(3)
	return nil
}

func main() { sdk.Serve(crash{}) }
