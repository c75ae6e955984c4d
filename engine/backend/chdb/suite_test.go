package chdb_test

import (
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
)

// The shared conformance suite: the embedded warehouse has every type and
// setting the suite knows, and lacks one way of stopping a query.
func TestBackendSuite(t *testing.T) {
	enginetest.RunBackendSuite(t, func(t *testing.T) engine.Backend { return shared(t) },
		// Measured: a count() over 300M rows cancelled after 0.5s ran its full
		// 53s. chunkReader checks the context between chunks only, and
		// chdb_stream_fetch_result blocks until the first chunk exists.
		enginetest.WithoutFeature(enginetest.FeatureCancelBeforeFirstRow,
			"chDB checks the context only between result chunks; an aggregate that yields no chunk runs to its end"),
	)
}
