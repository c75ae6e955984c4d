package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/servertest"
)

// failingWarehouse answers every query on the wallets table with an internal
// error whose text must never reach a client.
type failingWarehouse struct{ engine.Backend }

const internalDetail = "DB::Exception: Table wh.wallets is broken on shard 3 (secret internal detail)"

func (w failingWarehouse) Query(ctx context.Context, q engine.Query) (engine.Rows, error) {
	if strings.Contains(q.SQL, "wh.wallets") {
		return nil, errors.New(internalDetail)
	}
	return w.Backend.Query(ctx, q)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestErrors_AnUnexpectedFailureIsAGeneric500WithARequestIDAndTheDetailIsLoggedOnce(t *testing.T) {
	var logs syncBuffer
	b := setupWith(t, servertest.Options{
		Now:       func() time.Time { return servertest.SeedEnd },
		Logger:    slog.New(slog.NewJSONHandler(&logs, nil)),
		Warehouse: func(wh engine.Backend) engine.Backend { return failingWarehouse{wh} },
	})
	code, hdr, body := b.do(t, b.viewer, "GET", "/v1/lookups/wallet", nil)
	if code != 500 {
		t.Fatalf("status %d, want 500: %s", code, body)
	}
	if !strings.Contains(hdr.Get("Content-Type"), "application/problem+json") {
		t.Errorf("content type %q, want problem+json", hdr.Get("Content-Type"))
	}
	id := hdr.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id) {
		t.Fatalf("request id %q: want 24 hex digits (12 random bytes)", id)
	}
	var problem struct{ Detail string }
	json.Unmarshal(body, &problem)
	if !strings.Contains(problem.Detail, id) {
		t.Errorf("the problem does not name the request id %s: %s", id, body)
	}
	for _, leak := range []string{"DB::Exception", "shard", "wh.wallets", "secret"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("the client sees %q: %s", leak, body)
		}
	}
	// Exactly one log line carries the id, and it holds the detail.
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, id) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "secret internal detail") || !strings.Contains(lines[0], `"level":"ERROR"`) {
		t.Fatalf("log lines with the request id %s: %q", id, lines)
	}

	// A client's own request id is kept, so its logs and ours meet.
	req := map[string]string{"X-Request-Id": "client-req.42"}
	code, hdr, _ = b.doHeaders(t, b.viewer, "GET", "/v1/lookups/wallet", req)
	if code != 500 || hdr.Get("X-Request-Id") != "client-req.42" || !strings.Contains(logs.String(), `"request_id":"client-req.42"`) {
		t.Fatalf("client request id: %d %q", code, hdr.Get("X-Request-Id"))
	}
	// An id that is not plain text is replaced, never echoed.
	code, hdr, _ = b.doHeaders(t, b.viewer, "GET", "/v1/me", map[string]string{"X-Request-Id": "<script>"})
	if code != 200 || hdr.Get("X-Request-Id") == "<script>" || hdr.Get("X-Request-Id") == "" {
		t.Fatalf("unsafe request id: %d %q", code, hdr.Get("X-Request-Id"))
	}
	// Known conditions stay specific problems, not 500s.
	if code, _, body := b.do(t, b.viewer, "GET", "/v1/runs/nosuchrun", nil); code != 404 || !strings.Contains(string(body), "execução não encontrada") { // no Accept-Language: pt-BR (issue 12)
		t.Fatalf("unknown run: %d %s", code, body)
	}
	if code, _, body := b.do(t, b.viewer, "GET", "/v1/runs?cursor=garbage", nil); code != 422 || !strings.Contains(string(body), "query.cursor") {
		t.Fatalf("bad cursor: %d %s", code, body)
	}
}

// doHeaders is a GET with extra request headers.
func (b testBundle) doHeaders(t testing.TB, token, method, path string, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, b.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return send(t, req)
}
