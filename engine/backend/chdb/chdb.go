// Package chdb is the embedded warehouse backend: ClickHouse running inside the
// process through libchdb. It must not import anything above engine/.
package chdb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/engine/i18n"
)

// Backend is an embedded chDB session over a data directory.
//
// chDB runs one query at a time per process, so queries are serialised by a
// lock held from Query until the returned Rows are closed; each query still
// uses every core.
type Backend struct {
	mu   chan struct{} // a lock that can be awaited with a context
	conn *chdbConnection
	path string
	// defaults holds, for every setting a query's Settings has changed in
	// this session, its value before: queries without it get it back.
	defaults map[string]string
}

var _ engine.Backend = (*Backend)(nil)

var (
	openMu   sync.Mutex
	openPath string
)

// Open starts chDB on the data directory path (created if missing). Only one
// directory can be open per process.
func Open(path string) (*Backend, error) {
	if err := loadLibrary(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("chdb data directory: %w", err)
	}
	openMu.Lock()
	defer openMu.Unlock()
	if openPath != "" {
		return nil, fmt.Errorf("chdb: %s is already open in this process; one warehouse directory per process", openPath)
	}
	// ClickHouse's own handlers would take SIGINT and SIGTERM: a Ctrl-C then
	// stopped the query as if it had ended, with no error and no rows, and a
	// run "succeeded" with an empty file. Without them Go's handlers stay,
	// and the caller's context is canceled instead.
	cSetSignalHandlers(false)
	conn, err := connect([]string{"clickhouse", "--path=" + abs})
	if err != nil {
		if lockedByAnother(abs) {
			return nil, i18n.Errorf(i18n.WarehouseInUse, abs)
		}
		return nil, err
	}
	openPath = abs
	b := &Backend{mu: make(chan struct{}, 1), conn: conn, path: abs}
	return b, nil
}

// lockedByAnother tells whether another process holds the data directory:
// ClickHouse takes an exclusive flock on <path>/status while it has the
// directory open (its StatusFile), so a second chDB on the same folder — a
// `relato run` beside a running `relato serve` — cannot open it.
func lockedByAnother(path string) bool {
	f, err := os.Open(filepath.Join(path, "status"))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// Path is the data directory.
func (b *Backend) Path() string { return b.path }

// Close ends the session.
func (b *Backend) Close() error {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	if b.conn != nil {
		cCloseConn(b.conn)
		b.conn = nil
		openMu.Lock()
		openPath = ""
		openMu.Unlock()
	}
	return nil
}

func (b *Backend) lock(ctx context.Context) error {
	select {
	case b.mu <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Backend) unlock() { <-b.mu }

// exec runs one statement while holding the lock and returns its output.
func (b *Backend) exec(sql, format string) ([]byte, error) {
	if b.conn == nil {
		return nil, errors.New("chdb: backend is closed")
	}
	r := cQuery(b.conn.internal, sql, format)
	if r == nil {
		return nil, nil
	}
	defer cDestroyResult(r)
	if msg := resultError(r); msg != "" {
		return nil, errors.New(strings.TrimSpace(msg))
	}
	return bytes.Clone(resultBytes(r)), nil
}

// Exec runs a statement that returns no rows.
func (b *Backend) Exec(ctx context.Context, sql string) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.unlock()
	if err := b.prepare(engine.Query{}); err != nil {
		return err
	}
	_, err := b.exec(sql, "TabSeparated")
	return err
}

// ExecQuery runs a statement that returns no rows with q's parameters, table
// filters, time zone and settings (e.g. CREATE TABLE … AS SELECT of a report).
func (b *Backend) ExecQuery(ctx context.Context, q engine.Query) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.unlock()
	if err := b.prepare(q); err != nil {
		return err
	}
	_, err := b.exec(q.SQL, "TabSeparated")
	return err
}

// QueryWhole runs q (parameters, table filters, zone and settings) without
// streaming and returns its whole output in format: for the statements
// chDB cannot stream, such as EXPLAIN ESTIMATE (small outputs only).
func (b *Backend) QueryWhole(ctx context.Context, q engine.Query, format string) ([]byte, error) {
	if err := b.lock(ctx); err != nil {
		return nil, err
	}
	defer b.unlock()
	if err := b.prepare(q); err != nil {
		return nil, err
	}
	return b.exec(q.SQL, format)
}

// QueryText runs sql and returns its whole output in format (for small results:
// schema checks, EXPLAIN, counts).
func (b *Backend) QueryText(ctx context.Context, sql, format string) ([]byte, error) {
	if err := b.lock(ctx); err != nil {
		return nil, err
	}
	defer b.unlock()
	if err := b.prepare(engine.Query{}); err != nil {
		return nil, err
	}
	return b.exec(sql, format)
}

// prepare sets the session state a query needs: parameters, table filters, time
// zone and settings. Every setting relato may change is set on every query, so
// nothing leaks from one query to the next.
func (b *Backend) prepare(q engine.Query) error {
	var sets []string
	names := make([]string, 0, len(q.Params))
	for n := range q.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !chsql.ValidIdentifier(n) {
			return fmt.Errorf("chdb: invalid parameter name %q", n)
		}
		sets = append(sets, "param_"+n+" = "+chsql.QuoteString(q.Params[n]))
	}
	sets = append(sets, "additional_table_filters = "+chsql.TableFiltersLiteral(q.TableFilters))
	tz := q.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	sets = append(sets, "session_timezone = "+chsql.QuoteString(tz))
	settings := make([]string, 0, len(q.Settings))
	for n := range q.Settings {
		if !chsql.ValidIdentifier(n) {
			return fmt.Errorf("chdb: invalid setting name %q", n)
		}
		settings = append(settings, n)
	}
	if err := b.rememberDefaults(settings); err != nil {
		return err
	}
	// SET lasts for the session: a setting an earlier query changed and
	// this one does not give returns to its value before.
	for n := range b.defaults {
		if _, given := q.Settings[n]; !given {
			settings = append(settings, n)
		}
	}
	sort.Strings(settings)
	for _, n := range settings {
		v, given := q.Settings[n]
		if !given {
			v = b.defaults[n]
		}
		sets = append(sets, n+" = "+chsql.QuoteString(v))
	}
	_, err := b.exec("SET "+strings.Join(sets, ", "), "TabSeparated")
	return err
}

// rememberDefaults reads the session's current value of each setting in
// names not seen before, so prepare can restore it.
func (b *Backend) rememberDefaults(names []string) error {
	var fresh []string
	for _, n := range names {
		if _, seen := b.defaults[n]; !seen {
			fresh = append(fresh, chsql.QuoteString(n))
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	// JSON, because a value may hold a line break or a tab (the default of
	// format_custom_row_after_delimiter is a line break).
	out, err := b.exec("SELECT name, value FROM system.settings WHERE name IN ("+strings.Join(fresh, ", ")+")", "JSONCompactEachRow")
	if err != nil {
		return fmt.Errorf("chdb: read setting defaults: %w", err)
	}
	if b.defaults == nil {
		b.defaults = map[string]string{}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var nv [2]string
		if err := dec.Decode(&nv); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("chdb: read setting defaults: %w", err)
		}
		b.defaults[nv[0]] = nv[1]
	}
	for _, n := range names {
		if _, ok := b.defaults[n]; !ok {
			return fmt.Errorf("chdb: unknown setting %q", n)
		}
	}
	return nil
}

// QueryToFile runs q with its result appended to the file at path in format,
// written by the warehouse itself (INSERT INTO FUNCTION file(path, format),
// which appends unless the query's settings say otherwise), and returns the
// rows it wrote (chDB's rows_written; INTO OUTFILE reports none). path must
// be absolute and hold no glob character (* ? { } [ ]), which file() would
// expand. q's settings are given in the query's own SETTINGS clause, so the
// session keeps none of them and needs no read of their defaults. ctx is
// checked before the query starts; the query itself runs to its end or its
// max_execution_time.
func (b *Backend) QueryToFile(ctx context.Context, q engine.Query, format, path string) (int64, error) {
	if err := b.lock(ctx); err != nil {
		return 0, err
	}
	defer b.unlock()
	if b.conn == nil {
		return 0, errors.New("chdb: backend is closed")
	}
	names := make([]string, 0, len(q.Settings))
	for n := range q.Settings {
		if !chsql.ValidIdentifier(n) {
			return 0, fmt.Errorf("chdb: invalid setting name %q", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	settings := ""
	for i, n := range names {
		if i == 0 {
			settings = "\nSETTINGS "
		} else {
			settings += ", "
		}
		settings += n + " = " + chsql.QuoteString(q.Settings[n])
	}
	session := q
	session.Settings = nil
	if err := b.prepare(session); err != nil {
		return 0, err
	}
	sql := "INSERT INTO FUNCTION file(" + chsql.QuoteString(path) + ", " + chsql.QuoteString(format) + ")\nSELECT * FROM (\n" + q.SQL + "\n)" + settings
	r := cQuery(b.conn.internal, sql, "TabSeparated")
	if r == nil {
		return 0, errors.New("chdb: query returned no result handle")
	}
	defer cDestroyResult(r)
	if msg := resultError(r); msg != "" {
		return 0, errors.New(strings.TrimSpace(msg))
	}
	return int64(cResultRowsWritten(r)), nil
}

// Query runs q and streams its rows in TSV form, parsed lazily.
func (b *Backend) Query(ctx context.Context, q engine.Query) (engine.Rows, error) {
	return b.stream(ctx, q, "TabSeparatedWithNamesAndTypes", true)
}

// QueryFormatted runs q and returns ClickHouse's own rendering of the result in
// format (e.g. "CSV"), streamed. It is the fast path for file exports: the
// warehouse formats, Go only copies bytes.
func (b *Backend) QueryFormatted(ctx context.Context, q engine.Query, format string) (io.ReadCloser, error) {
	r, err := b.stream(ctx, q, format, false)
	if err != nil {
		return nil, err
	}
	return r.(*rows).chunks, nil
}

func (b *Backend) stream(ctx context.Context, q engine.Query, format string, parse bool) (engine.Rows, error) {
	if err := b.lock(ctx); err != nil {
		return nil, err
	}
	if b.conn == nil {
		b.unlock()
		return nil, errors.New("chdb: backend is closed")
	}
	if err := b.prepare(q); err != nil {
		b.unlock()
		return nil, err
	}
	res := cStreamQuery(b.conn.internal, q.SQL, format)
	if res == nil {
		b.unlock()
		return nil, errors.New("chdb: query returned no result handle")
	}
	if msg := resultError(res); msg != "" {
		cDestroyResult(res)
		b.unlock()
		return nil, errors.New(strings.TrimSpace(msg))
	}
	cr := &chunkReader{b: b, ctx: ctx, stream: res, headerLines: headerLines(format), progress: engine.ProgressFunc(ctx)}
	r := &rows{chunks: cr, maxRows: q.MaxRows}
	if parse {
		r.in = bufio.NewReaderSize(cr, 1<<20)
		if err := r.readHeader(); err != nil {
			cr.Close()
			return nil, err
		}
	}
	return r, nil
}

// headerLines is how many header lines a ClickHouse output format writes.
func headerLines(format string) int {
	switch {
	case strings.HasSuffix(format, "WithNamesAndTypes"):
		return 2
	case strings.HasSuffix(format, "WithNames"):
		return 1
	}
	return 0
}

// chunkReader turns chDB's stream of result chunks into an io.Reader and
// releases the backend lock when closed.
type chunkReader struct {
	// chDB formats each chunk on its own, so a format with header lines
	// repeats them at the top of every chunk: keep the first, drop the rest.
	headerLines int
	header      []byte
	b           *Backend
	ctx         context.Context
	stream      *chdbResult
	chunk       *chdbResult
	buf         []byte
	done        bool
	closed      bool
	err         error
	// progress gets chDB's own count of each chunk's rows (measured: a
	// chunk's rows_read is the rows it carries, e.g. 21,803 UInt64 rows and
	// 174,424 bytes), summed.
	progress func(engine.Progress)
	sofar    engine.Progress
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.done {
			return 0, io.EOF
		}
		if err := c.ctx.Err(); err != nil {
			c.err = fmt.Errorf("%w: %w", engine.ErrCanceled, err)
			return 0, c.err
		}
		if c.chunk != nil {
			cDestroyResult(c.chunk)
			c.chunk = nil
		}
		next := cStreamFetch(c.b.conn.internal, c.stream)
		if next == nil {
			c.done = true
			continue
		}
		if msg := resultError(next); msg != "" {
			cDestroyResult(next)
			if strings.Contains(msg, "No active streaming query") {
				// chDB's way of saying the stream already ended.
				c.done = true
				continue
			}
			c.err = errors.New(strings.TrimSpace(msg))
			return 0, c.err
		}
		data := resultBytes(next)
		if len(data) == 0 {
			cDestroyResult(next)
			c.done = true
			continue
		}
		c.chunk = next
		if c.progress != nil {
			n, size := int64(cResultRowsRead(next)), int64(cResultBytesRead(next))
			c.sofar.Rows += n
			c.sofar.ReadRows += n
			c.sofar.ReadBytes += size
			c.progress(c.sofar)
		}
		if c.headerLines > 0 {
			if c.header == nil {
				n := 0
				for i := 0; i < c.headerLines; i++ {
					j := bytes.IndexByte(data[n:], '\n')
					if j < 0 {
						c.err = errors.New("chdb: result chunk without its header")
						return 0, c.err
					}
					n += j + 1
				}
				c.header = bytes.Clone(data[:n])
			} else if bytes.HasPrefix(data, c.header) {
				data = data[len(c.header):]
			} else {
				c.err = errors.New("chdb: result chunk does not start with the result header")
				return 0, c.err
			}
		}
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// Close cancels the query if it is still running, frees it and unlocks the backend.
func (c *chunkReader) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	if c.chunk != nil {
		cDestroyResult(c.chunk)
		c.chunk = nil
	}
	if !c.done {
		cStreamCancel(c.b.conn.internal, c.stream)
	}
	cDestroyResult(c.stream)
	c.b.unlock()
	return nil
}

func init() {
	engine.RegisterBackend("chdb", func(_ context.Context, location string) (engine.Backend, error) {
		return Open(strings.TrimPrefix(location, "chdb:"))
	})
}
