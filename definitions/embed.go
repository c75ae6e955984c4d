// Package definitions is the report catalog: one YAML file per report under a
// category folder, each with its fixture (<report>_test.yaml) beside it. The
// warehouse schema those reports query is in definitions/schema. Everything is
// embedded in the binary; `--definitions DIR` overrides it for report authors.
package definitions

import "embed"

// FS holds the catalog's YAML files.
//
//go:embed */*.yaml
var FS embed.FS
