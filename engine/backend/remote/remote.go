// Package remote is the warehouse backend for a ClickHouse server reached over
// the native protocol (clickhouse://) or ClickHouse's HTTP interface
// (clickhouse+http://) with clickhouse-go/v2. It streams results block by block
// and renders every value as the same canonical text the embedded chdb backend
// gives. It must not import anything above engine/.
//
// Old servers are served on the subset they can do safely: a query that needs a
// feature the server lacks (tenant table filters, server-side parameters, a
// session time zone) is refused with ErrUnsupported, never run in a weaker form.
package remote

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// ErrUnsupported is returned by Query when the server lacks a feature the query
// depends on (for example additional_table_filters for tenant scoping).
var ErrUnsupported = errors.New("not supported by this ClickHouse server")

// Protocol revisions the driver negotiates features by (lib/proto/const.go).
const (
	// Settings travel as text from this revision on (ClickHouse 20.x); before
	// it the driver can only encode integer and boolean settings.
	revisionStringSettings = proto.DBMS_MIN_REVISION_WITH_SETTINGS_SERIALIZED_AS_STRINGS + 1
	// Query parameters travel in the native protocol from this revision on
	// (ClickHouse 22.8); before it the driver silently drops them.
	revisionParameters = proto.DBMS_MIN_PROTOCOL_VERSION_WITH_PARAMETERS
)

// Config says how to reach the server.
type Config struct {
	Addr         []string // host:port of the native protocol (or of HTTP when HTTP is set), one or more
	HTTP         bool     // talk to ClickHouse's HTTP interface instead of the native protocol
	Database     string
	Username     string
	Password     string
	DialTimeout  time.Duration // 0 = 5s
	ReadTimeout  time.Duration // 0 = the driver's default (5 min)
	MaxOpenConns int           // 0 = the driver's default
	TLS          *tls.Config   // nil = plain TCP
}

// ParseDSN reads clickhouse://user:pass@host:9000[,host2:9000]/db?dial_timeout=2s
// &read_timeout=1m&max_open_conns=8&secure=true into a Config. The scheme
// clickhouse+http:// selects ClickHouse's HTTP interface (default port 8123,
// 8443 with secure=true) for servers reached through HTTP load balancers.
func ParseDSN(dsn string) (Config, error) {
	var cfg Config
	defaultPort := "9000"
	rest, ok := strings.CutPrefix(dsn, "clickhouse://")
	if !ok {
		if rest, ok = strings.CutPrefix(dsn, "clickhouse+http://"); !ok {
			return Config{}, errors.New("clickhouse DSN: want clickhouse://user:pass@host:port/db or clickhouse+http://user:pass@host:8123/db")
		}
		cfg.HTTP = true
		defaultPort = "8123"
		if strings.Contains(rest, "secure=true") {
			defaultPort = "8443"
		}
	}
	// net/url rejects host lists ("h1:9000,h2:9000"): take them out first.
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	at := strings.LastIndexByte(authority, '@')
	hosts := authority[at+1:]
	u, err := url.Parse("clickhouse://" + authority[:at+1] + "placeholder" + rest[end:])
	if err != nil {
		return Config{}, fmt.Errorf("clickhouse DSN: %w", err)
	}
	for _, h := range strings.Split(hosts, ",") {
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, defaultPort)
		}
		cfg.Addr = append(cfg.Addr, h)
	}
	if len(cfg.Addr) == 0 {
		return Config{}, errors.New("clickhouse DSN: no host")
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	cfg.Database = strings.Trim(u.Path, "/")
	var problems []string
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		switch key {
		case "dial_timeout", "read_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				problems = append(problems, fmt.Sprintf("%s=%q is not a duration", key, v))
				continue
			}
			if key == "dial_timeout" {
				cfg.DialTimeout = d
			} else {
				cfg.ReadTimeout = d
			}
		case "max_open_conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				problems = append(problems, fmt.Sprintf("max_open_conns=%q is not a count", v))
				continue
			}
			cfg.MaxOpenConns = n
		case "secure":
			on, err := strconv.ParseBool(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("secure=%q is not true/false", v))
				continue
			}
			if on {
				cfg.TLS = &tls.Config{}
			}
		default:
			problems = append(problems, fmt.Sprintf("unknown option %q", key))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return Config{}, fmt.Errorf("clickhouse DSN: %s", strings.Join(problems, "; "))
	}
	return cfg, nil
}

// Backend is a pool of native-protocol (or HTTP) connections to one ClickHouse
// server (or several replicas of it).
type Backend struct {
	conn     driver.Conn
	addr     string
	server   *driver.ServerVersion
	revision uint64 // negotiated protocol revision
	settings map[string]bool
}

var _ engine.Backend = (*Backend)(nil)

// Open connects, checks the server answers, and records what it supports.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	if len(cfg.Addr) == 0 {
		return nil, errors.New("remote clickhouse: no address configured")
	}
	dial := cfg.DialTimeout
	if dial <= 0 {
		dial = 5 * time.Second
	}
	protocol := clickhouse.Native
	if cfg.HTTP {
		protocol = clickhouse.HTTP
	}
	opts := &clickhouse.Options{
		Protocol:     protocol,
		Addr:         cfg.Addr,
		Auth:         clickhouse.Auth{Database: cfg.Database, Username: cfg.Username, Password: cfg.Password},
		DialTimeout:  dial,
		ReadTimeout:  cfg.ReadTimeout,
		MaxOpenConns: cfg.MaxOpenConns,
		TLS:          cfg.TLS,
	}
	addr := strings.Join(cfg.Addr, ",")
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("remote clickhouse %s: %w", addr, err)
	}
	b := &Backend{conn: conn, addr: addr}
	pingCtx, cancel := context.WithTimeout(ctx, dial+time.Second)
	defer cancel()
	if err := conn.Ping(pingCtx); err != nil {
		conn.Close()
		return nil, b.connectError(err)
	}
	if b.server, err = conn.ServerVersion(); err != nil {
		conn.Close()
		return nil, b.connectError(err)
	}
	b.revision = min(b.server.Revision, uint64(clickhouse.ClientTCPProtocolVersion))
	if err := b.loadSettings(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return b, nil
}

// connectError names the address and says plainly when nothing listens there.
func (b *Backend) connectError(err error) error {
	var opErr *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("remote clickhouse %s: connection refused (is the server running and listening on its native port?): %w", b.addr, err)
	case errors.As(err, &opErr) && opErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("remote clickhouse %s: server unreachable (timed out): %w", b.addr, err)
	case errors.As(err, &opErr):
		return fmt.Errorf("remote clickhouse %s: server unreachable: %w", b.addr, err)
	}
	return fmt.Errorf("remote clickhouse %s: %w", b.addr, err)
}

// loadSettings records which of the settings relato relies on the server knows.
// Asking the server is exact where a version table would be a guess; for the
// record, additional_table_filters arrived in 22.7 and session_timezone in 23.6.
func (b *Backend) loadSettings(ctx context.Context) error {
	rows, err := b.conn.Query(ctx, "SELECT name FROM system.settings WHERE name IN ('additional_table_filters', 'session_timezone')")
	if err != nil {
		return fmt.Errorf("remote clickhouse %s: reading system.settings: %w", b.addr, err)
	}
	defer rows.Close()
	b.settings = map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("remote clickhouse %s: reading system.settings: %w", b.addr, err)
		}
		b.settings[name] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("remote clickhouse %s: reading system.settings: %w", b.addr, err)
	}
	return nil
}

// ServerVersion is the server's version as "major.minor.patch".
func (b *Backend) ServerVersion() string {
	v := b.server.Version
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Capabilities reports what the connected server can do for relato.
type Capabilities struct {
	TableFilters    bool // additional_table_filters (tenant scoping)
	Parameters      bool // server-side query parameters over the native protocol
	SessionTimeZone bool // session_timezone
	TextSettings    bool // settings with non-integer values
}

// Capabilities reports what the connected server can do for relato.
func (b *Backend) Capabilities() Capabilities {
	text := b.revision >= revisionStringSettings
	return Capabilities{
		TableFilters:    text && b.settings["additional_table_filters"],
		Parameters:      b.revision >= revisionParameters,
		SessionTimeZone: text && b.settings["session_timezone"],
		TextSettings:    text,
	}
}

// Close closes every connection.
func (b *Backend) Close() error { return b.conn.Close() }

// sameZone compares zone names, taking the usual aliases of UTC as equal.
func sameZone(a, b string) bool {
	utc := func(z string) string {
		switch z {
		case "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu":
			return "UTC"
		}
		return z
	}
	return utc(a) == utc(b)
}

// insertWithData matches INSERT statements that carry their rows inline.
var insertWithData = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s.*?\s(VALUES|FORMAT)\b`)

// Exec runs a statement that returns no rows.
//
// Servers before text settings (ClickHouse 19.x and older) expect the client
// to send an INSERT's rows as data blocks even when they are written inline
// after VALUES; the driver does not, and the server would wait for them until
// the read timeout. Such statements are refused there: use INSERT … SELECT.
func (b *Backend) Exec(ctx context.Context, sql string) error {
	if b.revision < revisionStringSettings && insertWithData.MatchString(sql) {
		return b.unsupported("INSERT with inline VALUES/FORMAT data waits forever on this server over the native protocol; use INSERT ... SELECT")
	}
	if err := b.conn.Exec(ctx, sql); err != nil {
		return b.queryError(ctx, err)
	}
	return nil
}

// ExecQuery runs a statement that returns no rows with q's parameters, table
// filters, time zone and settings, refusing what the server cannot honour.
func (b *Backend) ExecQuery(ctx context.Context, q engine.Query) error {
	qctx, _, err := b.queryContext(ctx, q)
	if err != nil {
		return err
	}
	if err := b.conn.Exec(qctx, q.SQL); err != nil {
		return b.queryError(ctx, err)
	}
	return nil
}

// unsupported builds the refusal for a feature the server lacks.
func (b *Backend) unsupported(what string) error {
	return fmt.Errorf("remote clickhouse %s: %s: %w (server %s, protocol revision %d)", b.addr, what, ErrUnsupported, b.ServerVersion(), b.revision)
}

// queryContext validates q and builds the driver context carrying its
// settings and parameters.
func (b *Backend) queryContext(ctx context.Context, q engine.Query) (context.Context, *time.Location, error) {
	caps := b.Capabilities()
	for n := range q.Params {
		if !chsql.ValidIdentifier(n) {
			return nil, nil, fmt.Errorf("remote clickhouse: invalid parameter name %q", n)
		}
	}
	if len(q.Params) > 0 && !caps.Parameters {
		return nil, nil, b.unsupported("query parameters need ClickHouse 22.8 or newer (native protocol revision 54459); refusing rather than pasting values into SQL")
	}
	if len(q.TableFilters) > 0 && !caps.TableFilters {
		return nil, nil, b.unsupported("table filters need the additional_table_filters setting (ClickHouse 22.7 or newer); refusing to run the query unscoped")
	}
	tz := q.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, nil, fmt.Errorf("remote clickhouse: time zone %q: %w", tz, err)
	}

	settings := clickhouse.Settings{}
	iso := false
	for n, v := range q.Settings {
		if !chsql.ValidIdentifier(n) {
			return nil, nil, fmt.Errorf("remote clickhouse: invalid setting name %q", n)
		}
		if n == "date_time_output_format" && v == "iso" {
			// The native protocol sends DateTime as values; this client
			// renders them (formatTime), so the setting stays here.
			iso = true
			continue
		}
		if caps.TextSettings {
			settings[n] = v
			continue
		}
		// Old protocol: the driver encodes only integers and booleans.
		if i, err := strconv.ParseUint(v, 10, 63); err == nil {
			settings[n] = int(i)
		} else if v == "true" || v == "false" {
			settings[n] = v == "true"
		} else {
			return nil, nil, b.unsupported(fmt.Sprintf("setting %s=%q: this server's protocol carries only integer settings", n, v))
		}
	}
	if len(q.TableFilters) > 0 {
		settings["additional_table_filters"] = chsql.TableFiltersLiteral(q.TableFilters)
	}
	switch {
	case caps.SessionTimeZone:
		settings["session_timezone"] = tz
	case b.server.Timezone == nil || !sameZone(b.server.Timezone.String(), loc.String()):
		// Date functions would silently bucket in the server's zone.
		server := "unknown"
		if b.server.Timezone != nil {
			server = b.server.Timezone.String()
		}
		return nil, nil, b.unsupported(fmt.Sprintf("time zone %s differs from the server's %s and the server has no session_timezone setting (ClickHouse 23.6 or newer)", tz, server))
	}
	// The driver turns a deadline over 1s into max_execution_time itself
	// (remaining+5s, so the client gives up first); shorter ones get 1s here.
	if deadline, ok := ctx.Deadline(); ok {
		if _, set := settings["max_execution_time"]; !set {
			settings["max_execution_time"] = max(1, int(math.Ceil(time.Until(deadline).Seconds())))
		}
	}
	opts := []clickhouse.QueryOption{clickhouse.WithSettings(settings)}
	if len(q.Params) > 0 {
		opts = append(opts, clickhouse.WithParameters(clickhouse.Parameters(q.Params)))
	}
	if fn := engine.ProgressFunc(ctx); fn != nil {
		// The server sends increments; a statement that writes a table counts
		// its result in written rows, a SELECT in rows read.
		var sofar engine.Progress
		var wrote int64
		opts = append(opts, clickhouse.WithProgress(func(p *clickhouse.Progress) {
			sofar.ReadRows += int64(p.Rows)
			sofar.ReadBytes += int64(p.Bytes)
			wrote += int64(p.WroteRows)
			sofar.Rows = wrote
			fn(sofar)
		}))
	}
	if iso {
		loc = isoUTC
	}
	return clickhouse.Context(ctx, opts...), loc, nil
}

// Query starts q and streams its rows.
func (b *Backend) Query(ctx context.Context, q engine.Query) (engine.Rows, error) {
	qctx, cancel := context.WithCancel(ctx)
	chctx, loc, err := b.queryContext(qctx, q)
	if err != nil {
		cancel()
		return nil, err
	}
	dr, err := b.conn.Query(chctx, q.SQL)
	if err != nil {
		cancel()
		return nil, b.queryError(ctx, err)
	}
	r, err := newRows(b, ctx, cancel, dr, loc, q.MaxRows)
	if err != nil {
		cancel()
		dr.Close()
		return nil, err
	}
	return r, nil
}

// queryError maps a driver error: the caller's cancellation becomes
// engine.ErrCanceled, a server exception keeps its code and text.
func (b *Backend) queryError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w: %w", engine.ErrCanceled, ctxErr)
	}
	// The driver sets the socket deadline from the context's, so the read can
	// time out a moment before ctx.Err() reports it: that is the deadline too.
	var ne net.Error
	if dl, ok := ctx.Deadline(); ok && errors.As(err, &ne) && ne.Timeout() && time.Until(dl) < 250*time.Millisecond {
		return fmt.Errorf("%w: %w", engine.ErrCanceled, context.DeadlineExceeded)
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return fmt.Errorf("remote clickhouse %s: server error %d (%s): %s", b.addr, ex.Code, ex.Name, strings.TrimSpace(ex.Message))
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, syscall.ECONNREFUSED) {
		return b.connectError(err)
	}
	return fmt.Errorf("remote clickhouse %s: %w", b.addr, err)
}
