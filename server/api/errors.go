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
	"github.com/relato/relato/engine/i18n"
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
		ctx = i18n.WithLang(ctx, i18n.Match(r.Header.Get("Accept-Language")))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				msg := s.internal(ctx, r.Method+" "+r.URL.Path, fmt.Errorf("panic: %v", v))
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusInternalServerError)
				json.NewEncoder(w).Encode(huma.ErrorModel{Title: problemTitle(http.StatusInternalServerError, i18n.FromContext(ctx)), Status: http.StatusInternalServerError, Detail: msg})
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
	return say(ctx, i18n.HTTPInternal, id)
}

// problem maps an error from a use case or store to problem+json: the one
// place where errors meet HTTP. Errors that are already problems pass through;
// anything unexpected becomes a generic 500 whose detail stays in the log.
// Messages are in the request's language (Accept-Language; pt-BR default).
func (s *Server) problem(ctx context.Context, op string, err error) error {
	lang := i18n.FromContext(ctx)
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
			details[i] = &huma.ErrorDetail{Location: "body.filters." + e.Filter, Message: e.In(lang)}
		}
		return huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidFilterValues), details...)
	case errors.As(err, &unknown):
		msg := say(ctx, i18n.APINoReport, unknown.ID)
		if unknown.Suggestion != "" {
			msg = say(ctx, i18n.APINoReportDidYouMean, unknown.ID, unknown.Suggestion)
		}
		return huma.Error422UnprocessableEntity(say(ctx, i18n.APIUnknownReport), &huma.ErrorDetail{Location: "body.report", Message: msg, Value: unknown.ID})
	case errors.As(err, &notDone):
		status := i18n.Verbatim(string(notDone.Status))
		if id := i18n.ID("run.status." + string(notDone.Status)); i18n.Has(id) {
			status = i18n.M(id)
		}
		return huma.Error409Conflict(say(ctx, i18n.APIRunNotFinished, status))
	case errors.As(err, &lookup):
		return huma.Error404NotFound(say(ctx, i18n.APIUnknownLookup, lookup.Kind))
	case errors.Is(err, reporting.ErrReportGone):
		return huma.Error410Gone(say(ctx, i18n.APIReportGone))
	case errors.Is(err, reporting.ErrResultRemoved):
		return huma.Error410Gone(say(ctx, i18n.APIResultRemoved))
	case errors.Is(err, runs.ErrNotFound):
		return huma.Error404NotFound(say(ctx, i18n.APIRunNotFound))
	case errors.Is(err, runs.ErrConflict):
		return huma.Error409Conflict(say(ctx, i18n.APIRunConflict))
	case errors.Is(err, runs.ErrBadCursor):
		return huma.Error422UnprocessableEntity(say(ctx, i18n.APIInvalidCursor), &huma.ErrorDetail{Location: "query.cursor", Message: say(ctx, i18n.APIInvalidCursorDetail)})
	case errors.Is(err, schedules.ErrNotFound):
		return huma.Error404NotFound(say(ctx, i18n.APIScheduleNotFound))
	case errors.As(err, &quota):
		secs := int64(quota.RetryAfter.Round(time.Second) / time.Second)
		scope := i18n.Verbatim(quota.Scope)
		switch quota.Scope {
		case "tenant":
			scope = i18n.M(i18n.APIQuotaTenant)
		case "user":
			scope = i18n.M(i18n.APIQuotaUser)
		}
		return huma.ErrorWithHeaders(huma.Error429TooManyRequests(say(ctx, i18n.APIQuota, quota.Limit, scope)), http.Header{"Retry-After": {strconv.FormatInt(max(secs, 1), 10)}})
	case errors.Is(err, auth.ErrOperatorPersonalData):
		return huma.Error409Conflict(say(ctx, i18n.APIOperatorPersonalData))
	case errors.Is(err, reporting.ErrPersonalDataRequired):
		return huma.Error403Forbidden(say(ctx, i18n.APIPersonalDataRequired))
	case errors.Is(err, reporting.ErrPurposeRequired):
		// Only run creation reaches here; a download answers for query.purpose itself.
		return huma.Error422UnprocessableEntity(say(ctx, i18n.APIPurposeRequired), &huma.ErrorDetail{Location: "body.purpose", Message: say(ctx, i18n.APIPurposeRequiredDetail)})
	case errors.Is(err, auth.ErrNotFound):
		return huma.Error404NotFound(say(ctx, i18n.APINotFound))
	case errors.Is(err, host.ErrNotFound):
		return huma.Error404NotFound(say(ctx, i18n.APIPluginNotFound))
	case errors.Is(err, reporting.ErrLinkInvalid):
		return huma.Error403Forbidden(say(ctx, i18n.APILinkInvalid))
	case errors.As(err, &expired):
		return huma.Error410Gone(say(ctx, i18n.APILinkExpired, expired.At.UTC().Format(time.RFC3339)))
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
