// Command garbage is a test plugin that writes values that do not fit the
// columns: by `size`, 1 = text in the int column, 2 = too few values,
// 3 = invalid UTF-8 in the string column.
package main

import (
	"context"

	"github.com/relato/relato/plugins/plugintest/bad"
	"github.com/relato/relato/plugins/sdk"
)

type garbage struct{}

func (garbage) Definition(context.Context) (string, error) {
	return bad.Definition("test.garbage", "30s"), nil
}

func (garbage) Run(ctx context.Context, req *sdk.Request, out sdk.Output) error {
	kind, _ := req.Filters.Int("size")
	out.Write(ctx, 1, "fine")
	switch kind {
	case 1:
		return out.Write(ctx, "twelve", "x")
	case 2:
		return out.Write(ctx, 2)
	default:
		return out.Write(ctx, 3, "\xff\xfe")
	}
}

func main() { sdk.Serve(garbage{}) }
