// Package scaletest proves the scale-out deployment end to end: several real
// `relato serve` processes sharing one PostgreSQL control plane and one
// warehouse (issue 18). It holds tests only; nothing imports it.
//
// The shared warehouse is a test seam, stated here and in docs/SCALING.md:
// the only ClickHouse server this machine can run (Debian's 18.16) cannot run
// scoped or parameterised reports, so the test builds warehoused
// (engine/enginetest/chhttp), which serves one embedded chDB (ClickHouse
// 26.5) over ClickHouse's HTTP interface, and every relato instance reaches it
// through its ordinary remote backend (clickhouse+http://). What is real:
// the relato binaries, PostgreSQL, the queue and schedules, the remote
// backend and its driver, ClickHouse's SQL engine. What is not: ClickHouse's
// own HTTP server and its concurrency (the seam runs one query at a time).
//
// The test takes about five minutes here (the seam runs about 3 runs a
// second), so it is behind the build tag "scale" and runs with
// `make test-scale`, which .ci/run calls after `make test`.
package scaletest
