package remote_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
)

// typeSince is the first ClickHouse major version whose SQL has each type the
// suite checks without an experimental setting. 18.16 was measured: it lacks
// all of these functions; the later lines come from the ClickHouse changelog
// and are conservative (a type may have come a release or two earlier).
var typeSince = []struct {
	feature enginetest.Feature
	major   int
}{
	{enginetest.FeatureDateTime64, 20},
	{enginetest.FeatureIPv4, 20},
	{enginetest.FeatureBool, 22},
	{enginetest.FeatureDate32, 22},
	{enginetest.FeatureMap, 22},
	{enginetest.FeatureBigInts, 22},
}

// The shared conformance suite on the test server (Debian's 18.16): what the
// server cannot do is declared from its version and capabilities, so each
// skipped case says why; Query's refusals of those features are tested in
// TestQuery_RefusesWhatTheServerCannotDoSafely.
func TestBackendSuite(t *testing.T) {
	b := open(t)
	version, caps := b.ServerVersion(), b.Capabilities()
	major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	var opts []enginetest.BackendSuiteOption
	for _, ts := range typeSince {
		if major < ts.major {
			opts = append(opts, enginetest.WithoutFeature(ts.feature,
				fmt.Sprintf("ClickHouse %s predates %s (%d.x)", version, ts.feature, ts.major)))
		}
	}
	refused := func(f enginetest.Feature, has bool, since string) {
		if !has {
			opts = append(opts, enginetest.WithoutFeature(f,
				fmt.Sprintf("ClickHouse %s lacks it (%s); Query refuses it with ErrUnsupported", version, since)))
		}
	}
	refused(enginetest.FeatureTableFilters, caps.TableFilters, "additional_table_filters, 22.7")
	refused(enginetest.FeatureParameters, caps.Parameters, "native-protocol parameters, 22.8")
	refused(enginetest.FeatureSessionTimeZone, caps.SessionTimeZone, "session_timezone, 23.6")
	enginetest.RunBackendSuite(t, func(t *testing.T) engine.Backend { return open(t) }, opts...)
}
