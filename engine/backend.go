package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Backend runs compiled queries against a warehouse. Implementations live in
// engine/backend/<name> and register themselves with RegisterBackend.
type Backend interface {
	// Query starts q and returns its rows as a stream. The caller must Close them.
	Query(ctx context.Context, q Query) (Rows, error)
	// Exec runs a statement that returns no rows (DDL, INSERT … SELECT).
	Exec(ctx context.Context, sql string) error
	// ExecQuery is Exec with a Query's parameters, scope, zone and settings.
	ExecQuery(ctx context.Context, q Query) error
	Close() error
}

// Query is SQL ready for a backend: values travel as typed server-side
// parameters ({name:Type} placeholders in SQL, their text form in Params), never
// as pasted text.
type Query struct {
	SQL string
	// Params holds each placeholder's value in ClickHouse's text form for its type.
	Params map[string]string
	// TableFilters scopes tables: table (database.table) → boolean SQL expression,
	// applied by the server to every read of that table (additional_table_filters).
	TableFilters map[string]string
	// TimeZone is the session time zone (tz database name) for date functions
	// and for rendering DateTime values.
	TimeZone string
	// MaxRows stops the stream after this many rows (0 = no cap). Rows reports
	// whether the cap cut the result.
	MaxRows int64
	// Settings are extra ClickHouse settings (name → value text) for this query.
	Settings map[string]string
}

// Column describes one result column as the warehouse reports it.
type Column struct {
	Name string
	Type string // ClickHouse type, e.g. "Nullable(DateTime('America/Sao_Paulo'))"
}

// Rows is a forward-only stream of result rows in text form.
//
// Each value is ClickHouse's canonical text for its type (numbers as digits with
// a '.' decimal point, DateTime as "YYYY-MM-DD hh:mm:ss" in the query's time
// zone, Date as "YYYY-MM-DD", Bool as true/false); NULL is a nil slice with
// IsNull reporting true. The slices are valid until the next call to Next.
type Rows interface {
	Columns() []Column
	Next() bool
	// Values returns the current row.
	Values() [][]byte
	// IsNull reports whether column i of the current row is NULL.
	IsNull(i int) bool
	// Truncated reports, after Next returned false, whether MaxRows cut the result.
	Truncated() bool
	Err() error
	Close() error
}

// ErrCanceled is returned when a query was stopped by its context.
var ErrCanceled = errors.New("query canceled")

// BackendOpener opens a backend from a location such as "chdb:/var/lib/relato"
// or "clickhouse://user:pass@host:9000/wh".
type BackendOpener func(ctx context.Context, location string) (Backend, error)

var backendOpeners = map[string]BackendOpener{}

// RegisterBackend makes a backend available under a URL scheme; init-time only.
func RegisterBackend(scheme string, open BackendOpener) {
	if _, dup := backendOpeners[scheme]; dup {
		panic("backend " + scheme + " registered twice")
	}
	backendOpeners[scheme] = open
}

// OpenBackend opens the backend whose scheme prefixes location.
func OpenBackend(ctx context.Context, location string) (Backend, error) {
	scheme, _, ok := strings.Cut(location, ":")
	if !ok {
		return nil, fmt.Errorf("warehouse %q: expected scheme:location, e.g. chdb:./data or clickhouse://host:9000/wh", location)
	}
	open, ok := backendOpeners[scheme]
	if !ok {
		return nil, fmt.Errorf("warehouse %q: unknown backend %q", location, scheme)
	}
	return open(ctx, location)
}
