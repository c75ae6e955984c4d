package engine

import "context"

// Progress is how far a running query has got, as the warehouse itself counts
// it (not a pass over the result afterwards): Rows is the result rows produced
// so far — for a statement that writes a table (CREATE TABLE … AS SELECT), the
// rows written; ReadRows and ReadBytes are what it has read from its tables,
// where the backend says. Values are totals since the query began.
type Progress struct {
	Rows      int64
	ReadRows  int64
	ReadBytes int64
}

type progressKey struct{}

// WithProgress asks the backends to call fn as the queries run under ctx make
// progress: chDB after each result chunk, remote ClickHouse on each progress
// packet the server sends. fn is called from the query's goroutine and must
// be quick.
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// ProgressFunc is the fn given to WithProgress, or nil; backends call it.
func ProgressFunc(ctx context.Context) func(Progress) {
	fn, _ := ctx.Value(progressKey{}).(func(Progress))
	return fn
}
