package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
)

// ProtocolVersion is the version of this contract. Bump it on any change to
// the messages or services below; the host refuses plugins built against
// another version at the handshake, before any call.
const ProtocolVersion = 1

// Handshake is what host and plugin check before talking. The cookie only
// stops a plugin binary from being run by hand by mistake; it is not security
// (the checksum in the manifest is).
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "RELATO_REPORT_PLUGIN",
	MagicCookieValue: "5c1f0e9a-relato-report-plugin",
}

// PluginName is the one plugin a relato plugin binary serves.
const PluginName = "report"

// PluginMap is what the host dispenses from a plugin binary.
var PluginMap = map[string]goplugin.Plugin{PluginName: &ReportPlugin{}}

// MaxMessageBytes caps one message the host accepts from a plugin (go-plugin
// lifts gRPC's own 4 MiB default); a row batch never comes close.
const MaxMessageBytes = 4 << 20

// chunk limits: a batch of rows travels as one gRPC message.
const (
	chunkRows  = 500
	chunkBytes = 512 << 10
)

// codecName is the gRPC content subtype of relato's JSON messages. go-plugin's
// own services stay on protobuf; ours are selected per call.
const codecName = "relatojson"

type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
func (jsonCodec) Name() string                       { return codecName }

func init() { encoding.RegisterCodec(jsonCodec{}) }

var callJSON = grpc.CallContentSubtype(codecName)

// Wire messages.
type (
	describeRequest struct {
		Protocol int `json:"protocol"`
	}
	describeResponse struct {
		Definition string `json:"definition"`
	}
	runRequest struct {
		Warehouse uint32  `json:"warehouse"` // broker id of the query service
		Filters   Filters `json:"filters"`
		TimeZone  string  `json:"time_zone"`
	}
	queryRequest struct {
		SQL    string            `json:"sql"`
		Params map[string]string `json:"params,omitempty"`
	}
	// rowsChunk carries rows of a run's output or of a query's result; a
	// query's first chunk names its columns, its last says if the cap cut it.
	rowsChunk struct {
		Columns   []string    `json:"columns,omitempty"`
		Rows      [][]*string `json:"rows,omitempty"`
		Truncated bool        `json:"truncated,omitempty"`
	}
)

const (
	reportService    = "relato.plugin.v1.Report"
	warehouseService = "relato.plugin.v1.Warehouse"
)

// --- Report service: served by the plugin, called by the host.

type reportGRPCServer struct {
	impl   Report
	broker *goplugin.GRPCBroker
}

var reportDesc = grpc.ServiceDesc{
	ServiceName: reportService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Describe",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(describeRequest)
			if err := dec(in); err != nil {
				return nil, err
			}
			return srv.(*reportGRPCServer).describe(ctx, in)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Run",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			in := new(runRequest)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			return srv.(*reportGRPCServer).run(in, stream)
		},
	}},
}

func (s *reportGRPCServer) describe(ctx context.Context, in *describeRequest) (*describeResponse, error) {
	if in.Protocol != ProtocolVersion {
		return nil, status.Errorf(codes.FailedPrecondition, "plugin speaks protocol %d, host %d", ProtocolVersion, in.Protocol)
	}
	def, err := s.impl.Definition(ctx)
	if err != nil {
		return nil, err
	}
	return &describeResponse{Definition: def}, nil
}

func (s *reportGRPCServer) run(in *runRequest, stream grpc.ServerStream) (err error) {
	ctx := stream.Context()
	loc, lerr := time.LoadLocation(in.TimeZone)
	if lerr != nil {
		return status.Errorf(codes.InvalidArgument, "time zone %q: %v", in.TimeZone, lerr)
	}
	conn, err := s.broker.Dial(in.Warehouse)
	if err != nil {
		return status.Errorf(codes.Unavailable, "connecting to the host's query service: %v", err)
	}
	defer conn.Close()
	out := &streamOutput{stream: stream, loc: loc}
	req := &Request{Filters: in.Filters, Location: loc, Warehouse: &warehouseClient{conn: conn}}
	defer func() {
		// A panic in Run fails the run, not the plugin process.
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "report panicked: %v", p)
		}
	}()
	if err := s.impl.Run(ctx, req, out); err != nil {
		if _, ok := status.FromError(err); ok {
			return err
		}
		return status.Error(codes.Unknown, err.Error())
	}
	return out.flush()
}

// streamOutput batches output rows into chunks.
type streamOutput struct {
	stream grpc.ServerStream
	loc    *time.Location
	mu     sync.Mutex
	buf    [][]*string
	size   int
}

func (o *streamOutput) Write(ctx context.Context, values ...any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	row := make([]*string, len(values))
	for i, v := range values {
		s, ok, err := formatValue(v, o.loc)
		if err != nil {
			return fmt.Errorf("value %d: %w", i+1, err)
		}
		if ok {
			row[i] = &s
			o.size += len(s)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, row)
	if len(o.buf) >= chunkRows || o.size >= chunkBytes {
		return o.flushLocked()
	}
	return nil
}

func (o *streamOutput) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushLocked()
}

func (o *streamOutput) flushLocked() error {
	if len(o.buf) == 0 {
		return nil
	}
	err := o.stream.SendMsg(&rowsChunk{Rows: o.buf})
	o.buf, o.size = nil, 0
	return err
}

// --- Warehouse service: served by the host through the broker, called by
// the plugin.

// QueryService is the host's side of Warehouse for one run.
type QueryService interface {
	Query(ctx context.Context, sql string, params map[string]string) (ResultRows, error)
}

// ResultRows is a query result as the host streams it to the plugin: text
// values, NULL reported by IsNull.
type ResultRows interface {
	Columns() []string
	Next() bool
	Values() [][]byte
	IsNull(i int) bool
	Truncated() bool
	Err() error
	Close() error
}

var warehouseDesc = grpc.ServiceDesc{
	ServiceName: warehouseService,
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "Query",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			in := new(queryRequest)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			return serveQuery(stream.Context(), srv.(QueryService), in, stream)
		},
	}},
}

func serveQuery(ctx context.Context, qs QueryService, in *queryRequest, stream grpc.ServerStream) error {
	rows, err := qs.Query(ctx, in.SQL, in.Params)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	defer rows.Close()
	chunk := &rowsChunk{Columns: rows.Columns()}
	size := 0
	for rows.Next() {
		vals := rows.Values()
		row := make([]*string, len(vals))
		for i, v := range vals {
			if !rows.IsNull(i) {
				s := string(v)
				row[i] = &s
				size += len(s)
			}
		}
		chunk.Rows = append(chunk.Rows, row)
		if len(chunk.Rows) >= chunkRows || size >= chunkBytes {
			if err := stream.SendMsg(chunk); err != nil {
				return err
			}
			chunk, size = &rowsChunk{}, 0
		}
	}
	if err := rows.Err(); err != nil {
		return status.Error(codes.Aborted, err.Error())
	}
	chunk.Truncated = rows.Truncated()
	return stream.SendMsg(chunk)
}

type warehouseClient struct{ conn *grpc.ClientConn }

func (w *warehouseClient) Query(ctx context.Context, sql string, params map[string]any) (*Rows, error) {
	in := &queryRequest{SQL: sql, Params: map[string]string{}}
	for name, v := range params {
		s, err := FormatParam(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		in.Params[name] = s
	}
	ctx, cancel := context.WithCancel(ctx)
	stream, err := w.conn.NewStream(ctx, &warehouseDesc.Streams[0], "/"+warehouseService+"/Query", callJSON)
	if err == nil {
		err = stream.SendMsg(in)
	}
	if err == nil {
		err = stream.CloseSend()
	}
	r := &Rows{stream: stream, cancel: cancel}
	if err == nil {
		// The first chunk names the columns (or carries the query's error).
		err = r.fetch()
	}
	if err != nil {
		cancel()
		return nil, queryError(err)
	}
	return r, nil
}

func queryError(err error) error {
	if st, ok := status.FromError(err); ok {
		return fmt.Errorf("warehouse query: %s", st.Message())
	}
	return fmt.Errorf("warehouse query: %w", err)
}

// Rows is a query result streamed from the host. Values are ClickHouse's text
// for each type; NULL is nil.
type Rows struct {
	stream    grpc.ClientStream
	cancel    context.CancelFunc
	columns   []string
	buf       [][]*string
	cur       []*string
	truncated bool
	done      bool
	err       error
}

func (r *Rows) fetch() error {
	var c rowsChunk
	if err := r.stream.RecvMsg(&c); err != nil {
		if err == io.EOF {
			r.done = true
			return nil
		}
		return err
	}
	if r.columns == nil {
		r.columns = c.Columns
	}
	r.buf = c.Rows
	r.truncated = r.truncated || c.Truncated
	return nil
}

// Columns names the result's columns.
func (r *Rows) Columns() []string { return r.columns }

// Next advances to the next row.
func (r *Rows) Next() bool {
	for len(r.buf) == 0 {
		if r.done || r.err != nil {
			return false
		}
		if err := r.fetch(); err != nil {
			r.err = queryError(err)
			return false
		}
	}
	r.cur, r.buf = r.buf[0], r.buf[1:]
	return true
}

// Row returns the current row (nil entries are NULL).
func (r *Rows) Row() []*string { return r.cur }

// Truncated reports, after Next returned false, whether the host's row cap
// for plugin queries cut the result.
func (r *Rows) Truncated() bool { return r.truncated }

// Err is the error that ended the stream, if any.
func (r *Rows) Err() error { return r.err }

// Close releases the query; the host stops it if it is still running.
func (r *Rows) Close() error {
	r.cancel()
	r.done = true
	return nil
}

// --- go-plugin glue.

// ReportPlugin is the go-plugin Plugin of a report: Impl on the plugin side,
// a *ReportClient on the host side.
type ReportPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	Impl Report
}

var _ goplugin.GRPCPlugin = (*ReportPlugin)(nil)

// GRPCServer registers the report service in the plugin process.
func (p *ReportPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	s.RegisterService(&reportDesc, &reportGRPCServer{impl: p.Impl, broker: broker})
	return nil
}

// GRPCClient returns the host's handle on the plugin's report service.
func (p *ReportPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &ReportClient{conn: c, broker: broker}, nil
}

// ReportClient is the host's side of a report plugin.
type ReportClient struct {
	conn   *grpc.ClientConn
	broker *goplugin.GRPCBroker
}

// Describe returns the plugin's YAML definition.
func (c *ReportClient) Describe(ctx context.Context) (string, error) {
	var out describeResponse
	if err := c.conn.Invoke(ctx, "/"+reportService+"/Describe", &describeRequest{Protocol: ProtocolVersion}, &out, callJSON); err != nil {
		return "", err
	}
	return out.Definition, nil
}

// RunRequest is what the host sends to start a run.
type RunRequest struct {
	Filters  Filters
	TimeZone string
}

// Run starts a run; the plugin's queries are served by qs until the returned
// stream is closed. Canceling ctx ends the call.
func (c *ReportClient) Run(ctx context.Context, req RunRequest, qs QueryService) (*RunStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	id := c.broker.NextId()
	served := make(chan *grpc.Server, 1)
	go c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		s.RegisterService(&warehouseDesc, qs)
		served <- s
		return s
	})
	rs := &RunStream{cancel: cancel, served: served}
	stream, err := c.conn.NewStream(ctx, &reportDesc.Streams[0], "/"+reportService+"/Run", callJSON, grpc.MaxCallRecvMsgSize(MaxMessageBytes))
	if err == nil {
		err = stream.SendMsg(&runRequest{Warehouse: id, Filters: req.Filters, TimeZone: req.TimeZone})
	}
	if err == nil {
		err = stream.CloseSend()
	}
	if err != nil {
		rs.Close()
		return nil, err
	}
	rs.stream = stream
	return rs, nil
}

// RunStream is a run's output as batches of rows.
type RunStream struct {
	stream grpc.ClientStream
	cancel context.CancelFunc
	served chan *grpc.Server
	once   sync.Once
}

// Recv returns the next batch of output rows, io.EOF at the end.
func (s *RunStream) Recv() ([][]*string, error) {
	var c rowsChunk
	if err := s.stream.RecvMsg(&c); err != nil {
		return nil, err
	}
	return c.Rows, nil
}

// Close ends the run's call and its query service.
func (s *RunStream) Close() {
	s.once.Do(func() {
		s.cancel()
		go func() {
			select {
			case srv := <-s.served:
				srv.Stop()
			case <-time.After(10 * time.Second): // the plugin never dialled back
			}
		}()
	})
}

// ErrorMessage is the plugin's own message of a call error (status text), for
// errors the host shows users.
func ErrorMessage(err error) (codes.Code, string) {
	if errors.Is(err, context.Canceled) {
		return codes.Canceled, err.Error()
	}
	st, _ := status.FromError(err)
	return st.Code(), st.Message()
}
