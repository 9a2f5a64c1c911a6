# Every target sets itself up on a fresh machine (Python 3.11, Java 17 and Maven are needed;
# everything else is fetched from PyPI and Maven Central) and is fast the second time.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
KAFKA_LIBS := .kafka/libs
MVN_DEP := org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies

# The workbench's browser libraries (npm registry, pinned by package-lock.json), served locally.
UI_WEB := streams/ui/web
UI_VENDOR := streams/ui/static/vendor

.PHONY: setup chromium demo ui test lint bench bench-full bench-quality smoke clean
setup: $(VENV)/.installed $(KAFKA_LIBS)/.fetched $(UI_VENDOR)/.fetched chromium

$(UI_VENDOR)/.fetched: $(UI_WEB)/package.json $(UI_WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the workbench's browser libraries: apt-get install nodejs npm"; exit 1; }
	cd $(UI_WEB) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(UI_VENDOR)
	cp $(UI_WEB)/node_modules/cytoscape/dist/cytoscape.min.js $(UI_VENDOR)/
	cp $(UI_WEB)/node_modules/cytoscape/LICENSE $(UI_VENDOR)/cytoscape-LICENSE
	cp $(UI_WEB)/node_modules/chart.js/dist/chart.umd.min.js $(UI_VENDOR)/
	cp $(UI_WEB)/node_modules/chart.js/LICENSE.md $(UI_VENDOR)/chart.js-LICENSE.md
	@touch $@

# Debian's Chromium for the workbench's browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo -n ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

$(KAFKA_LIBS)/.fetched: kafka/pom.xml
	@command -v java >/dev/null || { echo "Java 17 is needed for the embedded Kafka broker: apt-get install openjdk-17-jre-headless"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch the Kafka jars: apt-get install maven"; exit 1; }
	rm -rf $(KAFKA_LIBS)
	mvn -q -B -f kafka/pom.xml $(MVN_DEP) -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(KAFKA_LIBS)
	@touch $@

# The demo keeps its state in ./var (make clean removes it) unless FIULINK_HOME says otherwise;
# `make demo KEEP=1` leaves the broker and the demo's topics up to look around afterwards.
demo: setup
	FIULINK_HOME=$${FIULINK_HOME:-$(CURDIR)/var} $(BIN)/fiulink demo $(if $(KEEP),--keep-running)

# The analyst's workbench over the demo's snapshots (logins: printed by `make demo`).
ui: setup
	FIULINK_HOME=$${FIULINK_HOME:-$(CURDIR)/var} $(BIN)/fiulink ui

lint: setup
	$(BIN)/ruff check streams tests bench
	$(BIN)/ruff format --check streams tests bench
	$(BIN)/mypy streams/core

# PYTEST_ARGS="-n 2 --dist loadgroup": two workers (README, Testing).
test: setup lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The benchmarks also need the `bench` extra (the Quix Streams peer); `make test` does not.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	@touch $@

# `make bench BENCH_ARGS="--quick --reports 10000"`: only the worker against the peer engine
bench: setup $(VENV)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-full: setup $(VENV)/.bench-installed
	$(BIN)/python -m bench --full

bench-quality: setup
	$(BIN)/python -m bench.quality --slices

smoke: setup
	../shared/checks/contract-smoke

clean:
	rm -rf $(VENV) .kafka var .pytest_cache .mypy_cache .ruff_cache
