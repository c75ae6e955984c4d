package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/reporting"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
)

// RequestIDHeader carries a request's id both ways: a client may send one
// (letters, digits, '.', '_', '-'; at most 64), else the server makes one.
const RequestIDHeader = "X-Request-Id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID gives every request an id, echoes it in the response header,
// and turns a panic into a logged generic 500.
func (s *Server) withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !requestIDPattern.MatchString(id) {
			var b [12]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set(RequestIDHeader, id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				msg := s.internal(ctx, r.Method+" "+r.URL.Path, fmt.Errorf("panic: %v", v))
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusInternalServerError)
				json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(http.StatusInternalServerError), Status: http.StatusInternalServerError, Detail: msg})
			}
		}()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// internal logs an unexpected failure once, with its request id and detail,
// and returns the generic message a client sees.
func (s *Server) internal(ctx context.Context, what string, err error) string {
	id := RequestID(ctx)
	s.Logger.Error("request failed", "request_id", id, "op", what, "err", err)
	return "internal error: the operators can find what happened by the request id " + id
}

// problem maps an error from a use case or store to problem+json: the one
// place where errors meet HTTP. Errors that are already problems pass through;
// anything unexpected becomes a generic 500 whose detail stays in the log.
func (s *Server) problem(ctx context.Context, op string, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	var (
		fe      engine.FilterErrors
		unknown reporting.ErrUnknownReport
		notDone reporting.NotFinishedError
		lookup  reporting.ErrUnknownLookup
		userMsg runs.UserMessenger
		quota   *runs.QuotaError
		expired reporting.LinkExpiredError
	)
	switch {
	case errors.As(err, &fe):
		details := make([]error, len(fe))
		for i, e := range fe {
			details[i] = &huma.ErrorDetail{Location: "body.filters." + e.Filter, Message: e.Msg}
		}
		return huma.Error422UnprocessableEntity("invalid filter values", details...)
	case errors.As(err, &unknown):
		return huma.Error422UnprocessableEntity("unknown report", &huma.ErrorDetail{Location: "body.report", Message: unknown.Error(), Value: unknown.ID})
	case errors.As(err, &notDone):
		return huma.Error409Conflict(notDone.Error())
	case errors.As(err, &lookup):
		return huma.Error404NotFound(lookup.Error())
	case errors.Is(err, reporting.ErrReportGone), errors.Is(err, reporting.ErrResultRemoved):
		return huma.Error410Gone(err.Error())
	case errors.Is(err, runs.ErrNotFound):
		return huma.Error404NotFound("run not found")
	case errors.Is(err, runs.ErrConflict):
		return huma.Error409Conflict(err.Error())
	case errors.Is(err, runs.ErrBadCursor):
		return huma.Error422UnprocessableEntity("invalid cursor", &huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor this server issued; start from the first page"})
	case errors.Is(err, schedules.ErrNotFound):
		return huma.Error404NotFound("schedule not found")
	case errors.As(err, &quota):
		secs := int64(quota.RetryAfter.Round(time.Second) / time.Second)
		return huma.ErrorWithHeaders(huma.Error429TooManyRequests(quota.Error()), http.Header{"Retry-After": {strconv.FormatInt(max(secs, 1), 10)}})
	case errors.Is(err, auth.ErrOperatorPersonalData):
		return huma.Error409Conflict(err.Error())
	case errors.Is(err, reporting.ErrPersonalDataRequired):
		return huma.Error403Forbidden(err.Error())
	case errors.Is(err, reporting.ErrPurposeRequired):
		// Only run creation reaches here; a download answers for query.purpose itself.
		return huma.Error422UnprocessableEntity("purpose required", &huma.ErrorDetail{Location: "body.purpose", Message: err.Error()})
	case errors.Is(err, auth.ErrNotFound):
		return huma.Error404NotFound(err.Error())
	case errors.Is(err, host.ErrNotFound):
		return huma.Error404NotFound("plugin not found")
	case errors.Is(err, reporting.ErrLinkInvalid):
		return huma.Error403Forbidden(err.Error())
	case errors.As(err, &expired):
		return huma.Error410Gone(expired.Error())
	case errors.As(err, &userMsg):
		return huma.Error422UnprocessableEntity(userMsg.UserMessage())
	}
	return huma.Error500InternalServerError(s.internal(ctx, op, err))
}

// register adds an operation whose errors go through problem, and documents
// the problems it may answer: 401 when it needs a token, 422 when it takes
// input, 500 always, plus the operation's own.
func register[I, O any](s *Server, api huma.API, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	errs := map[int]bool{http.StatusInternalServerError: true, http.StatusUnprocessableEntity: true}
	if op.Security == nil || len(op.Security) > 0 {
		errs[http.StatusUnauthorized] = true
	}
	for _, c := range op.Errors {
		errs[c] = true
	}
	op.Errors = op.Errors[:0]
	for _, c := range []int{400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 500} {
		if errs[c] {
			op.Errors = append(op.Errors, c)
		}
	}
	id := op.OperationID
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			return nil, s.problem(ctx, id, err)
		}
		return out, nil
	})
}

// writeProblem writes a problem from a middleware, where no handler returns it.
func writeProblem(api huma.API, ctx huma.Context, err error) {
	var em *huma.ErrorModel
	if !errors.As(err, &em) {
		huma.WriteErr(api, ctx, http.StatusInternalServerError, err.Error())
		return
	}
	details := make([]error, len(em.Errors))
	for i, d := range em.Errors {
		details[i] = d
	}
	huma.WriteErr(api, ctx, em.Status, em.Detail, details...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
