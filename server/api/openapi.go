package api

import (
	"bytes"
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine"
)

// Lists in this API's answers are [] when empty, never null, so their schemas
// say "array" rather than Huma's default ["array", "null"]. Handlers make nil
// lists empty (TestOpenAPI_ListsAreNeverNull at the repository root calls
// every list operation with nothing to list). Set before any schema is built.
func init() { huma.DefaultArrayNullable = false }

// apiTags names and describes every tag an operation uses; the OpenAPI lint
// (redocly.yaml: operation-tag-defined) fails on an operation whose tag is
// missing here.
var apiTags = []*huma.Tag{
	{Name: "catalog", Description: "The reports a tenant may run, with their filters (JSON Schema), limits and columns, and the values lookup filters accept."},
	{Name: "runs", Description: "Generate a report, follow it (status, Server-Sent Events), view its frozen result, download it, cancel or delete it."},
	{Name: "formats", Description: "The output formats a result can be downloaded or delivered in."},
	{Name: "schedules", Description: "Reports generated on a cron recurrence and delivered by e-mail, FTP, FTPES, FTPS or SFTP (managers)."},
	{Name: "destinations", Description: "Delivery destinations: the kinds and their settings, and a connection test that shows the key or certificate to pin."},
	{Name: "audit", Description: "The tenant's audit trail (admins)."},
	{Name: "auth", Description: "The caller behind the bearer token: user, role, tenant and time zone."},
	{Name: "plugins", Description: "The custom-report plugins the caller's tenant is entitled to (admins; operators change entitlements)."},
	{Name: "users", Description: "A tenant's users and their API tokens (admins): create and disable users; issue, list and revoke tokens, which are stored hashed and may expire."},
	{Name: "operator", Description: "Above tenants, for the platform's operators only: plugin entitlements, users and tokens of every tenant, and the operator audit trail. Operator tokens are refused by every tenant operation."},
}

// filterValuesDoc describes a filters object once for requests and answers.
const filterValuesDoc = "Filter values by name (the report's filters[].name); each value must be valid against that filter's schema " +
	"in GET /v1/reports/{id}: a string (periods such as yesterday, last_7_days or 2024-03-01..2024-03-31; durations such as 20s), " +
	"a number, a boolean, or a list of them for a multiple filter."

func filterValuesSchema(doc string) *huma.Schema {
	return &huma.Schema{
		Type:        huma.TypeObject,
		Description: doc,
		// Descriptive only: the engine checks names and values and answers
		// 422 at body.filters.<name>, with the filter's own message.
		AdditionalProperties: &huma.Schema{Description: "the value of the filter named by the key"},
		Examples:             []any{map[string]any{"period": "last_7_days", "interval": "1d"}},
	}
}

// filterInput is a filters object in a request body.
type filterInput map[string]any

// Schema documents a filters object in a request.
func (filterInput) Schema(huma.Registry) *huma.Schema {
	return filterValuesSchema(filterValuesDoc)
}

// FilterValues are filter values as a run or schedule stored them: a JSON
// object, filter name → value; empty is {}.
type FilterValues json.RawMessage

// MarshalJSON writes the stored object; nothing stored is {}.
func (f FilterValues) MarshalJSON() ([]byte, error) {
	if b := bytes.TrimSpace(f); len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return []byte("{}"), nil
	}
	return json.RawMessage(f).MarshalJSON()
}

// UnmarshalJSON keeps the object as given.
func (f *FilterValues) UnmarshalJSON(b []byte) error {
	*f = append((*f)[:0], b...)
	return nil
}

// Schema documents stored filter values.
func (FilterValues) Schema(huma.Registry) *huma.Schema {
	return filterValuesSchema(filterValuesDoc)
}

// tidyOpenAPI fixes what Huma generates but the lint refuses; run after every
// operation is registered.
func tidyOpenAPI(oapi *huma.OpenAPI) {
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil {
				collapseSingleEvent(op)
			}
		}
	}
}

// collapseSingleEvent replaces the one-schema oneOf that Huma's sse package
// writes for a stream with a single event type by that schema.
func collapseSingleEvent(op *huma.Operation) {
	r := op.Responses["200"]
	if r == nil || r.Content["text/event-stream"] == nil {
		return
	}
	s := r.Content["text/event-stream"].Schema
	if s == nil || s.Items == nil {
		return
	}
	if one, ok := s.Items.Extensions["oneOf"].([]*huma.Schema); ok && len(one) == 1 {
		s.Items = one[0]
		s.Description = "Each item is one Server-Sent Events message, serialized as UTF-8 text according to the SSE specification."
	}
}

// reportInfo is d.Info(lang) with [] for a report without settable filters
// or columns (a plugin's, or one whose filters are all computed).
func reportInfo(d *engine.Definition, lang string) engine.ReportInfo {
	ri := d.Info(lang)
	if ri.Filters == nil {
		ri.Filters = []engine.FilterInfo{}
	}
	if ri.Columns == nil {
		ri.Columns = []engine.ColumnInfo{}
	}
	return ri
}
