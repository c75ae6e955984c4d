# relato — build, run and test. Everything a fresh Debian machine needs is
# fetched from here (Go module proxy, Debian packages, npm); nothing by hand.

SHELL := /bin/bash
GO ?= go
CACHE ?= $(CURDIR)/.cache
CHDB_VERSION := 26.5.3
CHDB_SHA256 := b874e449710950da3abd7e20376f7bb3387d9e03adcc7082f022be18dfdf316a
CHDB_DIR := $(CACHE)/chdb/$(CHDB_VERSION)
CHDB_LIB := $(CHDB_DIR)/libchdb.so
export CHDB_LIB_PATH := $(CHDB_LIB)
BIN := $(CURDIR)/bin/relato
DATA ?= $(CURDIR)/.data

.PHONY: all build chdb mailpit hydra redocly vendor-swagger-ui lint-openapi plugins run test test-go bench bench-quick lint fmt vet deps-test clean

all: build

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -not -path './.cache/*' 2>/dev/null) $(shell find definitions -type f 2>/dev/null) go.mod go.sum
	$(GO) build -o $(BIN) .

# libchdb.so from the npm package, pinned by version and sha256, unpacked once.
chdb: $(CHDB_LIB)

$(CHDB_LIB):
	@mkdir -p $(CHDB_DIR)/dl
	@command -v npm >/dev/null || { echo "npm is needed to fetch libchdb: apt-get install -y npm"; exit 1; }
	cd $(CHDB_DIR)/dl && npm pack --silent @chdb/lib-linux-x64-gnu@$(CHDB_VERSION) >/dev/null
	@echo "$(CHDB_SHA256)  $(CHDB_DIR)/dl/chdb-lib-linux-x64-gnu-$(CHDB_VERSION).tgz" | sha256sum -c --quiet - \
		|| { echo "libchdb package checksum mismatch: refusing to use it"; rm -f $(CHDB_DIR)/dl/*.tgz; exit 1; }
	tar -xzf $(CHDB_DIR)/dl/chdb-lib-linux-x64-gnu-$(CHDB_VERSION).tgz -C $(CHDB_DIR)/dl package/libchdb.so
	mv $(CHDB_DIR)/dl/package/libchdb.so $(CHDB_LIB)
	rm -rf $(CHDB_DIR)/dl

# `make run`: seed the demo warehouse, then serve the API and the pages on
# localhost with demo users whose tokens are printed.
RELATO_ADDR ?= 127.0.0.1:8080
run: build chdb plugins
	$(BIN) seed --data $(DATA)/warehouse --scale demo
	@echo "relato: http://$(RELATO_ADDR)/  (API docs: http://$(RELATO_ADDR)/docs)"
	$(BIN) serve --data $(DATA)/warehouse --db sqlite:$(DATA)/relato.db --addr $(RELATO_ADDR) --plugins $(CACHE)/plugins --demo

# The example custom report, built and installed with its manifest (checksum
# pinned, entitled to the demo tenant).
plugins:
	mkdir -p $(CACHE)/plugins
	$(GO) build -o $(CACHE)/plugins/scorecard ./examples/plugins/scorecard
	printf '{"id":"custom.agent_scorecard","version":1,"binary":"scorecard","sha256":"%s","tenants":[1]}\n' \
		"$$(sha256sum $(CACHE)/plugins/scorecard | cut -d' ' -f1)" > $(CACHE)/plugins/scorecard.plugin.json

# mailpit: the SMTP server the e-mail delivery tests read messages back from.
MAILPIT_VERSION := v1.33.1
MAILPIT := $(CACHE)/mailpit/$(MAILPIT_VERSION)/mailpit
mailpit: $(MAILPIT)
$(MAILPIT):
	GOBIN=$(CACHE)/mailpit/$(MAILPIT_VERSION) $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)

# ORY Hydra: the OpenID Connect provider the OIDC tests get tokens from. Its
# go.mod replaces gobuffalo/pop with ORY's fork, which `go install pkg@version`
# refuses, so it is built as a tool of a scratch module that repeats the replace.
HYDRA_VERSION := v2.3.0
HYDRA := $(CACHE)/hydra/$(HYDRA_VERSION)/hydra
hydra: $(HYDRA)
$(HYDRA):
	rm -rf $(CACHE)/hydra/build && mkdir -p $(CACHE)/hydra/build
	cd $(CACHE)/hydra/build && \
	printf 'module hydrabuild\n\ngo 1.26\n\nreplace github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 v6.2.1-0.20241121111754-e5dfc0f3344b\n' > go.mod && \
	$(GO) get -tool github.com/ory/hydra/v2@$(HYDRA_VERSION) && \
	GOBIN=$(abspath $(CACHE))/hydra/$(HYDRA_VERSION) $(GO) install tool

# Redocly CLI: lints the served /openapi.json (redocly.yaml). npm is the only
# way to get it; pinned, installed into the cache, never globally.
REDOCLY_VERSION := 2.77.0
REDOCLY := $(CACHE)/redocly/$(REDOCLY_VERSION)/node_modules/.bin/redocly
export RELATO_REDOCLY := $(REDOCLY)
redocly: $(REDOCLY)
$(REDOCLY):
	@command -v npm >/dev/null || { echo "npm is needed to fetch the Redocly CLI: apt-get install -y npm"; exit 1; }
	npm install --prefix $(CACHE)/redocly/$(REDOCLY_VERSION) --no-audit --no-fund --silent @redocly/cli@$(REDOCLY_VERSION)

# Swagger UI, the viewer /docs serves (server/web/static/vendor, committed;
# see server/web/NOTICE): fetched with npm at a pinned version, checked against
# the tarball's sha256, copied unchanged. Only needed to update it.
SWAGGER_UI_VERSION ?= 5.31.1
SWAGGER_UI_SHA256 ?= 67496e7441d5ed25c54514c7da861d9eeb0d3a185de4af451855a22357125e2d
vendor-swagger-ui:
	@command -v npm >/dev/null || { echo "npm is needed to fetch Swagger UI: apt-get install -y npm"; exit 1; }
	rm -rf $(CACHE)/swagger-ui && mkdir -p $(CACHE)/swagger-ui
	cd $(CACHE)/swagger-ui && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null
	echo "$(SWAGGER_UI_SHA256)  $(CACHE)/swagger-ui/swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz" | sha256sum -c -
	tar -xzf $(CACHE)/swagger-ui/swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz -C $(CACHE)/swagger-ui
	cp $(CACHE)/swagger-ui/package/swagger-ui-bundle.js $(CACHE)/swagger-ui/package/swagger-ui.css $(CACHE)/swagger-ui/package/swagger-ui-bundle.js.LICENSE.txt server/web/static/vendor/
	cp $(CACHE)/swagger-ui/package/LICENSE server/web/static/vendor/swagger-ui.LICENSE
	cp $(CACHE)/swagger-ui/package/NOTICE server/web/static/vendor/swagger-ui.NOTICE

# The OpenAPI document of a real server (servertest) linted with 0 errors and
# 0 warnings; also part of `go test ./...` below.
lint-openapi: chdb redocly
	$(GO) test -count=1 -run '^TestOpenAPI_' .

# Every test, against real servers started on loopback ports by the tests.
test: chdb deps-test mailpit hydra redocly
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# Long benchmarks (100M calls, 10M-row exports); not part of `make test`.
# One package at a time (-p 1), so no benchmark shares the cores with
# another; the queue's capacity has its own target (bench-scale).
# Each prints its figures beside a reference measured in the same run; the
# `ratio` lines (one per row of README's "Measured" table) are repeated at the
# end, and out/bench.log keeps everything.
bench: build chdb
	@mkdir -p out
	set -o pipefail; $(GO) test -p 1 -run '^$$' -bench . -skip '^BenchmarkQueueCapacity$$' -benchtime 1x -timeout 90m ./... 2>&1 | tee out/bench.log
	@echo "== ratios, one run =="; grep '^ratio ' out/bench.log
	@grep -q '^ratio kpi rollup' out/bench.log || echo "ratio kpi rollup: not printed (BenchmarkKPIRollups_100MCalls_RawVersusRollup did not run)"

# The rollups benchmark for bench-quick: "one KPI over 10M calls, raw vs
# rollup", as a package and a -bench pattern (set where it exists).
BENCH_KPI_PKG ?= ./server/cli
BENCH_KPI_QUICK ?= BenchmarkKPIRollup_10MCalls_RawVersusRollup

# Quick checks, under three minutes: the 1M-row export, the view under 50
# clients, one KPI over 10M calls raw vs rollup; prints the `ratio` lines.
bench-quick: build chdb
	@mkdir -p out
	set -o pipefail; { RELATO_BENCH_EXPORT_ROWS=1000000 $(GO) test -run '^$$' -bench 'ExportCSV_VersusClickHouseOutfile' -benchtime 1x ./server/cli && \
	  $(GO) test -run '^$$' -bench 'ViewUnder50Clients' -benchtime 1x ./server/api && \
	  if [ -n "$(BENCH_KPI_QUICK)" ]; then RELATO_BENCH_CALLS=10000000 $(GO) test -run '^$$' -bench '$(BENCH_KPI_QUICK)' -benchtime 1x $(BENCH_KPI_PKG); \
	  else echo "ratio kpi-rollup-10M: not measured (BENCH_KPI_QUICK names no benchmark)"; fi; } 2>&1 | tee out/bench-quick.log
	@echo "== ratios, one run =="; grep '^ratio ' out/bench-quick.log

# Scale-out (issue 18, docs/SCALING.md): three `relato serve` processes on one
# PostgreSQL and one warehouse, 1,000 runs, one instance SIGKILLed (about five
# minutes here, so not in `make test`; .ci/run calls it).
.PHONY: test-scale bench-scale
test-scale: chdb deps-test
	$(GO) test -tags scale -count=1 -v -timeout 20m -run '^TestScaleOut_' ./server/scaletest/
# The control plane's capacity: the run queue on PostgreSQL (4 instances) and
# SQLite (1) with a no-op executor; prints one table. BENCH_SCALE_FLAGS=-short
# is the quick mode (1k and 10k waiting runs).
BENCH_SCALE_FLAGS ?=
bench-scale: deps-test
	$(GO) test -run '^$$' -bench '^BenchmarkQueueCapacity$$' -benchtime 1x -timeout 30m $(BENCH_SCALE_FLAGS) ./server/runs/
fmt:
	gofmt -w .

clean:
	rm -rf bin out .data

# Servers the tests start on loopback ports (each test starts its own instance),
# and the spreadsheet programs that open relato's files (LibreOffice headless,
# gnumeric's ssconvert: about 200 MB, 40 s to install here).
TEST_DEBS := clickhouse-server clickhouse-client vsftpd openssh-server postgresql openssl chromium fonts-dejavu-core curl libreoffice-calc-nogui gnumeric
deps-test:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing test servers:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# Debian starts packaged daemons on install; the tests start their own on free ports.
	@-for s in clickhouse-server vsftpd ssh postgresql; do service $$s stop >/dev/null 2>&1; done; true
