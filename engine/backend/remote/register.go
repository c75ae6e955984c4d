package remote

import (
	"context"

	"github.com/relato/relato/engine"
)

func init() {
	engine.RegisterBackend("clickhouse", func(ctx context.Context, location string) (engine.Backend, error) {
		cfg, err := ParseDSN(location)
		if err != nil {
			return nil, err
		}
		return Open(ctx, cfg)
	})
}
