// Command warehoused serves one embedded chDB warehouse directory over
// ClickHouse's HTTP interface (see package chhttp) so that several relato
// processes can share it in tests. Test seam only: it has no authentication,
// runs one query at a time and must never face a network.
//
//	warehoused --data DIR --addr 127.0.0.1:0 [--journal FILE]
//
// It prints "listening on HOST:PORT" on stdout once it accepts requests, and
// on SIGTERM prints "statements N" (how many it ran) before exiting.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/relato/relato/engine/backend/chdb"
	"github.com/relato/relato/engine/enginetest/chhttp"
)

func main() {
	data := flag.String("data", "", "chDB data directory")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	journal := flag.String("journal", "", "file that gets one line per DDL/INSERT statement run (see chhttp.Handler.Journal)")
	flag.Parse()
	if *data == "" {
		fmt.Fprintln(os.Stderr, "warehoused: --data is required")
		os.Exit(2)
	}
	b, err := chdb.Open(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "warehoused:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "warehoused:", err)
		os.Exit(1)
	}
	h := &chhttp.Handler{B: b, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if *journal != "" {
		f, err := os.OpenFile(*journal, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, "warehoused:", err)
			os.Exit(1)
		}
		defer f.Close()
		h.Journal = f
	}
	srv := &http.Server{Handler: h}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "warehoused:", err)
	}
	fmt.Printf("statements %d\n", h.Statements.Load())
	b.Close()
}
