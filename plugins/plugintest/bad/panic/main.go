// Command panic is a test plugin whose Run panics.
package main

import (
	"context"

	"github.com/relato/relato/plugins/plugintest/bad"
	"github.com/relato/relato/plugins/sdk"
)

type panicky struct{}

func (panicky) Definition(context.Context) (string, error) {
	return bad.Definition("test.panic", "30s"), nil
}

func (panicky) Run(context.Context, *sdk.Request, sdk.Output) error {
	var m map[string]int
	m["boom"]++ // assignment to entry in nil map
	return nil
}

func main() { sdk.Serve(panicky{}) }
