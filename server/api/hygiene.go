package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/relato/relato/engine/i18n"
)

// Problems never echo what a client sent as a whole: Huma puts the request
// body into the value of a decoding or validation detail, passwords included
// (issue 11). A detail keeps its value only when it is a scalar of a field
// that is not a secret.
func init() {
	next := huma.NewError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		se := next(status, msg, errs...)
		if em, ok := se.(*huma.ErrorModel); ok {
			for _, d := range em.Errors {
				if d != nil && !echoable(d.Location, d.Value) {
					d.Value = nil
				}
			}
		}
		return se
	}
}

var secretNames = []string{"password", "private_key", "passphrase", "secret", "token"}

func echoable(location string, v any) bool {
	if location == "body" || location == "" {
		return false
	}
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	last := strings.ToLower(location[strings.LastIndex(location, ".")+1:])
	for _, s := range secretNames {
		if strings.Contains(last, s) {
			return false
		}
	}
	return true
}

// noStore marks every answer of the API (rows, downloads, problems) as
// neither cacheable nor to be sniffed: results hold personal data, and a
// download must open as the type it is sent as.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// operatorOnly guards a plain handler (/metrics) with an operator's bearer
// token: 401 without a valid one, 403 for a tenant user's.
func (s *Server) operatorOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		plain := func(code int, msg string) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(code)
			w.Write([]byte(`{"title":"` + http.StatusText(code) + `","status":` + itoa(int64(code)) + `,"detail":"` + msg + `"}`))
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			plain(http.StatusUnauthorized, say(r.Context(), i18n.HTTPMetricsNeedOperatorToken))
			return
		}
		p, err := s.authenticateToken(r.Context(), token)
		if err != nil {
			plain(http.StatusUnauthorized, say(r.Context(), i18n.HTTPInvalidToken))
			return
		}
		if !p.IsOperator() {
			plain(http.StatusForbidden, say(r.Context(), i18n.HTTPMetricsForOperators))
			return
		}
		h(w, r)
	}
}

// viewAudit coalesces run.view audit entries: one per user, run and minute,
// however many pages the viewer loads (issue 11: 805 rows from one 10 s load).
type viewAudit struct {
	mu   sync.Mutex
	seen map[string]time.Time // user/run/minute → when recorded
}

// first reports whether this is the first view of run by user in the minute
// of now, and forgets keys older than two minutes.
func (v *viewAudit) first(user, run string, now time.Time) bool {
	minute := now.Truncate(time.Minute)
	key := user + "\x00" + run + "\x00" + minute.Format(time.RFC3339)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]time.Time{}
	}
	if _, ok := v.seen[key]; ok {
		return false
	}
	for k, at := range v.seen {
		if now.Sub(at) > 2*time.Minute {
			delete(v.seen, k)
		}
	}
	v.seen[key] = now
	return true
}

// auditView records that the caller viewed run, at most once a minute, and
// even when the client has gone away before the answer was written.
func (s *Server) auditView(ctx context.Context, run string) {
	if s.views.first(principal(ctx).UserID, run, time.Now()) {
		s.audit(context.WithoutCancel(ctx), "run.view", run, "")
	}
}

// maxCheckedBody bounds how much of a request body validUTF8 reads; the
// operations' own limits (64 KiB) are far below it.
const maxCheckedBody = 1 << 20

// validUTF8 refuses a JSON body that is not valid UTF-8 with a 422, rather
// than let the decoder turn each bad byte into U+FFFD and run a report on a
// filter value nobody typed (issue 11).
func validUTF8(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || !strings.Contains(r.Header.Get("Content-Type"), "json") {
			h.ServeHTTP(w, r)
			return
		}
		head, err := io.ReadAll(io.LimitReader(r.Body, maxCheckedBody))
		if err == nil && !utf8.Valid(head) && (len(head) < maxCheckedBody || !utf8.Valid(head[:len(head)-utf8.UTFMax])) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			lang := i18n.Match(r.Header.Get("Accept-Language"))
			json.NewEncoder(w).Encode(huma.ErrorModel{Title: problemTitle(http.StatusUnprocessableEntity, lang), Status: http.StatusUnprocessableEntity,
				Detail: i18n.M(i18n.HTTPNotUTF8).In(lang), Errors: []*huma.ErrorDetail{{Message: i18n.M(i18n.HTTPNotUTF8Detail).In(lang), Location: "body"}}})
			return
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		h.ServeHTTP(w, r)
	})
}
