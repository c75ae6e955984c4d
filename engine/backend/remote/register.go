package remote

import (
	"context"

	"github.com/relato/relato/engine"
)

func init() {
	open := func(ctx context.Context, location string) (engine.Backend, error) {
		cfg, err := ParseDSN(location)
		if err != nil {
			return nil, err
		}
		return Open(ctx, cfg)
	}
	engine.RegisterBackend("clickhouse", open)
	engine.RegisterBackend("clickhouse+http", open)
}
