// Package chhttp serves an embedded chDB warehouse over the subset of
// ClickHouse's HTTP interface that clickhouse-go/v2's HTTP protocol uses, so
// several processes can share one warehouse in tests.
//
// It is a test seam, not a server: the only ClickHouse server this machine can
// run (Debian's 18.16) cannot run scoped or parameterised reports, and chDB
// opens its data directory in one process only. With it, relato's remote
// backend (clickhouse+http://) talks to a real ClickHouse 26.5 engine:
//
//   - the query is the POST body (or the query URL parameter);
//   - param_<name> URL parameters are the query's parameters;
//   - other URL parameters are settings, except database, default_format,
//     client_protocol_version, query_id, quota_key, compress, decompress,
//     session_id, session_timeout, wait_end_of_query (read and ignored);
//     session_timezone and additional_table_filters are mapped to the
//     engine.Query fields chDB applies them through;
//   - results are written in the Native format for the client's
//     client_protocol_version (chDB writes revision 0; blocks are re-encoded);
//   - errors answer 500 with X-ClickHouse-Exception-Code and ClickHouse's
//     "Code: N. DB::Exception: …" text.
//
// Queries are serialised, as chDB runs one at a time. Only tests and the
// warehoused command import this package; it must not import server/.
package chhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
)

// Handler answers ClickHouse HTTP requests from one chDB backend.
type Handler struct {
	B      *chdb.Backend
	Logger *slog.Logger // nil: slog.Default()
	// Statements counts the statements run.
	Statements atomic.Int64
	// Journal, when set, gets one line per statement that returns no rows
	// (DDL, INSERT), after it succeeded: when its request arrived and when it
	// completed (before the answer was sent), as Unix nanoseconds, and the
	// statement on one line, tab-separated. Tests count executions from it
	// and order them: a client that acts on the answer of one statement
	// sends the next after that one's completion time.
	Journal io.Writer

	journalMu sync.Mutex
}

// ignored are the URL parameters of the HTTP interface that are not settings.
var ignored = map[string]bool{
	"database": true, "default_format": true, "client_protocol_version": true, "query_id": true,
	"quota_key": true, "compress": true, "decompress": true, "session_id": true,
	"session_timeout": true, "session_check": true, "wait_end_of_query": true, "query": true,
	"user": true, "password": true,
}

// returnsRows matches statements whose output the client reads as blocks.
var returnsRows = regexp.MustCompile(`(?is)^\s*(\(\s*)*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b`)

// exceptionCode reads the code of ClickHouse's "Code: 60. DB::Exception" text.
var exceptionCode = regexp.MustCompile(`Code: (\d+)\.`)

// ServeHTTP answers one query as ClickHouse's HTTP interface would: 200 with
// Native blocks for a statement that returns rows, an empty 200 for one that
// does not (journaled), 500 with the exception text otherwise; GET /ping
// answers "Ok.".
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	if r.URL.Path == "/ping" {
		io.WriteString(w, "Ok.\n")
		return
	}
	arrived := time.Now()
	sql, q, revision, err := h.parse(r)
	if err != nil {
		h.fail(w, err)
		return
	}
	q.SQL = sql
	h.Statements.Add(1)
	ctx := r.Context()
	if !returnsRows.MatchString(sql) {
		if err := h.B.ExecQuery(ctx, q); err != nil {
			log.Debug("chhttp exec", "sql", sql, "err", err)
			h.fail(w, err)
			return
		}
		if h.Journal != nil {
			done := time.Now()
			line := strings.Join(strings.Fields(sql), " ")
			h.journalMu.Lock()
			fmt.Fprintf(h.Journal, "%d\t%d\t%s\n", arrived.UnixNano(), done.UnixNano(), line)
			h.journalMu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	cols := h.describe(ctx, q)
	out, err := h.B.QueryFormatted(ctx, q, "Native")
	if err != nil {
		log.Debug("chhttp query", "sql", sql, "err", err)
		h.fail(w, err)
		return
	}
	defer out.Close()
	if wrote, err := reencode(ctx, w, out, revision, cols); err != nil {
		log.Debug("chhttp stream", "sql", sql, "err", err)
		if !wrote {
			h.fail(w, err)
			return
		}
		// Headers are gone: ClickHouse ends the body with the exception
		// text, which clickhouse-go looks for.
		fmt.Fprintf(w, "\n%s\n", err)
	}
}

// parse reads the statement, its parameters and settings, and the Native
// revision the client reads.
func (h *Handler) parse(r *http.Request) (string, engine.Query, uint64, error) {
	var q engine.Query
	vals := r.URL.Query()
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return "", q, 0, err
	}
	sql := vals.Get("query")
	if len(body) > 0 {
		if sql != "" {
			sql += " "
		}
		sql += string(body)
	}
	if strings.TrimSpace(sql) == "" {
		return "", q, 0, errors.New("Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
	}
	revision, _ := strconv.ParseUint(vals.Get("client_protocol_version"), 10, 64)
	for k, v := range vals {
		val := v[len(v)-1]
		switch {
		case strings.HasPrefix(k, "param_"):
			if q.Params == nil {
				q.Params = map[string]string{}
			}
			q.Params[strings.TrimPrefix(k, "param_")] = val
		case ignored[k]:
		case k == "session_timezone":
			q.TimeZone = val
		case k == "additional_table_filters":
			f, err := parseStringMap(val)
			if err != nil {
				return "", q, 0, fmt.Errorf("Code: 36. DB::Exception: additional_table_filters: %v. (BAD_ARGUMENTS)", err)
			}
			q.TableFilters = f
		default:
			if q.Settings == nil {
				q.Settings = map[string]string{}
			}
			q.Settings[k] = val
		}
	}
	return sql, q, revision, nil
}

// fail answers a ClickHouse exception the way the HTTP interface does.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	msg := err.Error()
	code := "1002" // UNKNOWN_EXCEPTION
	if m := exceptionCode.FindStringSubmatchIndex(msg); m != nil {
		code = msg[m[2]:m[3]]
		msg = msg[m[0]:] // ClickHouse's own text, without the seam's context
	} else {
		msg = "Code: 1002. DB::Exception: " + msg
	}
	if errors.Is(err, context.Canceled) {
		code = "394" // QUERY_WAS_CANCELLED
	}
	w.Header().Set("X-ClickHouse-Exception-Code", code)
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, msg+"\n")
}

// reencode copies Native blocks written for revision 0 (as chDB writes them)
// to w in the client's revision (block info and serialization flags). types
// are the result's true column types (from DESCRIBE): revision 0 strips the
// zone from DateTime types, which would shift every value the client renders,
// and an empty result has no block at all, where ClickHouse sends a header.
//
// It reports whether it wrote anything: before that, an error can still be
// answered as an HTTP error.
func reencode(ctx context.Context, w http.ResponseWriter, in io.Reader, revision uint64, cols []describedColumn) (wrote bool, err error) {
	rd := chproto.NewReader(bufio.NewReaderSize(in, 1<<20))
	var buf chproto.Buffer
	write := func(block *proto.Block) error {
		buf.Reset()
		if err := encodeBlock(&buf, block, revision); err != nil {
			return fmt.Errorf("encoding Native block: %w", err)
		}
		_, err := w.Write(buf.Buf)
		wrote = true
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return wrote, err
		}
		block, err := decodeBlock(rd, cols)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return wrote, fmt.Errorf("decoding chDB's Native output: %w", err)
		}
		if err := write(block); err != nil {
			return wrote, err
		}
	}
	if !wrote && len(cols) > 0 {
		header := proto.NewBlock()
		for _, c := range cols {
			if err := header.AddColumn(c.name, column.Type(c.typ)); err != nil {
				return wrote, fmt.Errorf("header column %s %s: %w", c.name, c.typ, err)
			}
		}
		return true, write(header)
	}
	if !wrote {
		w.WriteHeader(http.StatusOK)
	}
	return true, nil
}

// encodeBlock writes block as ClickHouse does for the client's revision. A
// block without rows is a header: each column's name and type and nothing
// else, as the server sends it; clickhouse-go's Block.Encode would also write
// a LowCardinality column's state prefix and empty dictionary, which a reader
// of a zero-row block does not read, so the next bytes it parsed were those
// (an all_contacts snapshot's LIMIT 0 header failed with "unsupported column
// type").
func encodeBlock(buf *chproto.Buffer, block *proto.Block, revision uint64) error {
	if len(block.Columns) == 0 || block.Columns[0].Rows() > 0 {
		return block.Encode(buf, revision)
	}
	if err := block.EncodeHeader(buf, revision); err != nil {
		return err
	}
	for _, c := range block.Columns {
		buf.PutString(c.Name())
		buf.PutString(string(c.Type()))
		if revision >= proto.DBMS_MIN_REVISION_WITH_CUSTOM_SERIALIZATION {
			buf.PutBool(false)
		}
	}
	return nil
}

// zoneInType matches the zone argument of DateTime('…') and DateTime64(n, '…').
var zoneInType = regexp.MustCompile(`(DateTime)\('[^']*'\)|(DateTime64\(\d+), '[^']*'\)`)

// decodeBlock reads one revision-0 Native block, typing each column with its
// described type where that differs only by the zone chDB left out.
func decodeBlock(rd *chproto.Reader, cols []describedColumn) (*proto.Block, error) {
	numCols, err := rd.UVarInt()
	if err != nil {
		return nil, err
	}
	numRows, err := rd.UVarInt()
	if err != nil {
		return nil, err
	}
	block := proto.NewBlock()
	for i := 0; i < int(numCols); i++ {
		name, err := rd.Str()
		if err != nil {
			return nil, err
		}
		typ, err := rd.Str()
		if err != nil {
			return nil, err
		}
		if i < len(cols) && cols[i].name == name && zoneInType.ReplaceAllString(cols[i].typ, "$1$2") == typ {
			typ = cols[i].typ
		}
		if err := block.AddColumn(name, column.Type(typ)); err != nil {
			return nil, err
		}
		c := block.Columns[i]
		if numRows != 0 {
			if ser, ok := c.(column.CustomSerialization); ok {
				if err := ser.ReadStatePrefix(rd); err != nil {
					return nil, err
				}
			}
			if err := c.Decode(rd, int(numRows)); err != nil {
				return nil, err
			}
		}
	}
	return block, nil
}

type describedColumn struct{ name, typ string }

// describe asks chDB for the result's columns, with the query's parameters
// and settings; statements DESCRIBE cannot wrap get none.
func (h *Handler) describe(ctx context.Context, q engine.Query) []describedColumn {
	sql := strings.TrimRight(strings.TrimSpace(q.SQL), ";")
	if !describable.MatchString(sql) {
		return nil
	}
	q.SQL = "DESCRIBE TABLE (" + sql + "\n)"
	out, err := h.B.QueryWhole(ctx, q, "TabSeparatedRaw")
	if err != nil {
		return nil
	}
	var cols []describedColumn
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) >= 2 {
			cols = append(cols, describedColumn{f[0], f[1]})
		}
	}
	return cols
}

// describable matches SELECT statements DESCRIBE can wrap.
var describable = regexp.MustCompile(`(?is)^\s*(\(\s*)*(SELECT|WITH)\b`)

// parseStringMap reads a map literal of quoted strings, {'k': 'v', …}, as
// chsql.TableFiltersLiteral writes it.
func parseStringMap(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, errors.New("want {'table': 'expression', …}")
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	out := map[string]string{}
	for s != "" {
		k, rest, err := quoted(s)
		if err != nil {
			return nil, err
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return nil, errors.New("want ':' after a key")
		}
		v, rest, err := quoted(strings.TrimSpace(rest[1:]))
		if err != nil {
			return nil, err
		}
		out[k] = v
		s = strings.TrimSpace(rest)
		s = strings.TrimSpace(strings.TrimPrefix(s, ","))
	}
	return out, nil
}

// quoted reads one '…' literal with backslash escapes from the start of s.
func quoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", errors.New("want a quoted string")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'':
			return b.String(), s[i+1:], nil
		case '\\':
			i++
			if i >= len(s) {
				return "", "", errors.New("unterminated escape")
			}
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'x':
				if i+2 >= len(s) {
					return "", "", errors.New("short \\x escape")
				}
				n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					return "", "", err
				}
				b.WriteByte(byte(n))
				i += 2
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated string")
}
