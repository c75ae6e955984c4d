package chdb

// This file binds the few libchdb functions relato uses through purego.
//
// Why not github.com/chdb-io/chdb-go directly: its chdb-purego package opens the
// library in an init function and panics when it is missing, so a relato binary
// without the library could not even print a helpful message; it also keeps a
// process-wide session singleton and passes the wrong argument to
// chdb_stream_cancel_query (a pointer to the connection handle instead of the
// handle), which cancellation depends on. The C API is small and stable, so we
// bind it here, lazily, with the same purego mechanism chdb-go uses.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// LibraryEnv names the environment variable that points at libchdb.so.
const LibraryEnv = "CHDB_LIB_PATH"

// ErrLibraryMissing is returned when libchdb.so cannot be found or loaded.
var ErrLibraryMissing = errors.New("libchdb.so not found")

type chdbResult struct{ _ unsafe.Pointer }

// chdbConnection mirrors `typedef struct { void *internal_data; } chdb_connection`.
type chdbConnection struct{ internal unsafe.Pointer }

var (
	libOnce sync.Once
	libErr  error

	cConnect           func(argc int, argv []*byte) *chdbConnection
	cCloseConn         func(conn *chdbConnection)
	cQuery             func(conn unsafe.Pointer, query string, format string) *chdbResult
	cStreamQuery       func(conn unsafe.Pointer, query string, format string) *chdbResult
	cStreamFetch       func(conn unsafe.Pointer, res *chdbResult) *chdbResult
	cStreamCancel      func(conn unsafe.Pointer, res *chdbResult)
	cDestroyResult     func(res *chdbResult)
	cResultBuffer      func(res *chdbResult) unsafe.Pointer
	cResultLength      func(res *chdbResult) uintptr
	cResultRowsRead    func(res *chdbResult) uint64
	cResultBytesRead   func(res *chdbResult) uint64
	cResultRowsWritten func(res *chdbResult) uint64
	cSetSignalHandlers func(enabled bool)
	cResultError       func(res *chdbResult) *byte
)

// LibraryPath reports where the library is looked for: $CHDB_LIB_PATH, else
// the Makefile's cache (.cache/chdb/<version>/libchdb.so) in the working
// directory, the executable's directory or one of their parents, else the
// system's library path.
func LibraryPath() string {
	if p := os.Getenv(LibraryEnv); p != "" {
		return p
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for {
			matches, _ := filepath.Glob(filepath.Join(dir, ".cache", "chdb", "*", "libchdb.so"))
			if len(matches) > 0 {
				return matches[len(matches)-1]
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "libchdb.so"
}

func loadLibrary() error {
	libOnce.Do(func() {
		path := LibraryPath()
		if path != "libchdb.so" {
			if _, err := os.Stat(path); err != nil {
				libErr = fmt.Errorf("%w at %s: run `make chdb` or set %s to the unpacked library", ErrLibraryMissing, path, LibraryEnv)
				return
			}
		}
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			libErr = fmt.Errorf("%w: %v; run `make chdb` or set %s to the unpacked library", ErrLibraryMissing, err, LibraryEnv)
			return
		}
		defer func() {
			if r := recover(); r != nil {
				libErr = fmt.Errorf("%s is not a usable libchdb (missing symbol: %v); run `make chdb`", path, r)
			}
		}()
		purego.RegisterLibFunc(&cConnect, h, "chdb_connect")
		purego.RegisterLibFunc(&cCloseConn, h, "chdb_close_conn")
		purego.RegisterLibFunc(&cQuery, h, "chdb_query")
		purego.RegisterLibFunc(&cStreamQuery, h, "chdb_stream_query")
		purego.RegisterLibFunc(&cStreamFetch, h, "chdb_stream_fetch_result")
		purego.RegisterLibFunc(&cStreamCancel, h, "chdb_stream_cancel_query")
		purego.RegisterLibFunc(&cDestroyResult, h, "chdb_destroy_query_result")
		purego.RegisterLibFunc(&cResultBuffer, h, "chdb_result_buffer")
		purego.RegisterLibFunc(&cResultLength, h, "chdb_result_length")
		purego.RegisterLibFunc(&cResultRowsRead, h, "chdb_result_rows_read")
		purego.RegisterLibFunc(&cResultBytesRead, h, "chdb_result_bytes_read")
		purego.RegisterLibFunc(&cResultRowsWritten, h, "chdb_result_rows_written")
		purego.RegisterLibFunc(&cSetSignalHandlers, h, "chdb_set_signal_handlers_enabled")
		purego.RegisterLibFunc(&cResultError, h, "chdb_result_error")
	})
	return libErr
}

func cString(p *byte) string {
	if p == nil {
		return ""
	}
	var n int
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}

// resultError returns the error text of a result, or "".
func resultError(r *chdbResult) string { return cString(cResultError(r)) }

// resultBytes returns a view of the result buffer, valid until the result is destroyed.
func resultBytes(r *chdbResult) []byte {
	n := cResultLength(r)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cResultBuffer(r)), n)
}

func connect(args []string) (*chdbConnection, error) {
	argv := make([]*byte, len(args))
	for i, a := range args {
		b := append([]byte(a), 0)
		argv[i] = &b[0]
	}
	c := cConnect(len(argv), argv)
	if c == nil || c.internal == nil {
		return nil, errors.New("chdb: could not open a connection")
	}
	return c, nil
}
