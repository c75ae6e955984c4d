package schema

import "regexp"

var createTable = regexp.MustCompile(`(?m)^CREATE TABLE IF NOT EXISTS wh\.([a-z_][a-z0-9_]*)\s*\(`)

// Tables lists the warehouse tables (without the wh. prefix) in file order.
// Every one of them has tenant_id; the engine scopes reads of each by it.
func Tables() []string {
	var out []string
	for _, m := range createTable.FindAllStringSubmatch(SQL, -1) {
		out = append(out, m[1])
	}
	return out
}
