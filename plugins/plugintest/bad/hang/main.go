// Command hang is a test plugin whose Run never returns and ignores its context.
package main

import (
	"context"

	"github.com/relato/relato/plugins/plugintest/bad"
	"github.com/relato/relato/plugins/sdk"
)

type hang struct{}

func (hang) Definition(context.Context) (string, error) {
	return bad.Definition("test.hang", "2s"), nil
}

func (hang) Run(context.Context, *sdk.Request, sdk.Output) error {
	select {}
}

func main() { sdk.Serve(hang{}) }
