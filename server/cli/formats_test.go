package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/relato/relato/server/cli"
)

func TestUsage_ListsTheRegisteredFormats(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cli.Main(nil, &stdout, &stderr)
	// csv-exact joined the registry with issue 13.
	if want := "relato run <report-id> [--tenant N] [--filter name=value]... [--format csv|csv-excel|xlsx|csv-exact] [-o FILE]"; !strings.Contains(stderr.String(), want) {
		t.Errorf("usage does not contain %q:\n%s", want, stderr.String())
	}
}
