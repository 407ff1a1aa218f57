# BrandPulse: `make demo` and `make test` work on a fresh clone (network: package registries only).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEPS   := pyproject.toml

.PHONY: demo test lint unit venv dev-venv bench bench-scale train docs clean e2e chromium web-screenshots screenshot-fonts

## venv: the runtime environment (.venv) with the brandpulse CLI
venv: $(VENV)/.runtime-installed
$(VENV)/.runtime-installed: $(DEPS)
	@# WeasyPrint (the competitor report's PDF) needs the system Pango library.
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0) || \
		echo "warning: install Pango (libpango-1.0-0, libpangoft2-1.0-0) for PDF reports"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

## dev-venv: runtime + test tools + the optional transformers backend (CPU torch)
dev-venv: $(VENV)/.dev-installed
$(VENV)/.dev-installed: $(VENV)/.runtime-installed $(DEPS)
	$(BIN)/python -m pip install --quiet -e '.[dev,transformers,web,e2e,distributed]'
	touch $@

## demo: replay bundled real recordings through a local server and run one full cycle
demo: venv
	$(BIN)/brandpulse demo --output demo-output

## test: lint, type-check, layer contracts and the test suite (offline)
test: dev-venv lint unit

lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check brandpulse digest storage domain
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: dev-venv
	$(BIN)/python -m pytest -q

## e2e: the web inbox in headless Chromium (Debian's chromium package, installed when missing)
e2e: dev-venv chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider tests_e2e

chromium:
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

## web-screenshots: refresh docs/web-*.png (the browser tests write them there; the demo's
## Japanese reviews and emoji need Debian's Noto CJK and colour emoji fonts, installed when missing)
web-screenshots: dev-venv chromium screenshot-fonts
	WEB_SCREENSHOTS=docs $(BIN)/python -m pytest -q -p no:cacheprovider tests_e2e

screenshot-fonts:
	test -n "$$(fc-list :lang=ja family)" -a -n "$$(fc-list | grep -i emoji)" || \
	  (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk fonts-noto-color-emoji)

## bench: the benchmarks named by the issues (speed ratios against baselines in the same run)
bench: dev-venv
	$(BIN)/python benchmarks/bench_sentiment.py
	$(BIN)/python benchmarks/bench_topics_dedup.py
	$(BIN)/python benchmarks/bench_targets.py
	$(BIN)/python benchmarks/bench_delivery.py
	$(BIN)/python benchmarks/bench_pipeline.py

## bench-scale: the Celery engine with 1 and 2 workers on the local PostgreSQL and Redis
## (BENCH_SCALE_N mentions, default 100000; prints RESULT lost/duplicated/speedup_2_workers)
bench-scale: dev-venv
	$(BIN)/python benchmarks/bench_scale.py

## docs: regenerate the README's configuration reference from the settings models
docs: venv
	$(BIN)/brandpulse config reference --readme README.md

## train: retrain the sentiment models from ../shared/data: the fast multilingual head (~4 min),
## the accurate fine-tuned e5 delta (two stages, 464 steps, ~10-25 min on 2 cores), then
## calibrate it and choose the cascade rule on validation (prints validation scores per language)
train: dev-venv
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m sentiment.train --data ../shared/data --out sentiment/models/multilingual.npz
	$(BIN)/python -m sentiment.e5_finetune --data ../shared/data --out build/e5_stage1 \
		--epochs 1 --stop-after 200 --seed 13
	$(BIN)/python -m sentiment.e5_finetune --data ../shared/data --out sentiment/models/e5_sentiment \
		--init-from build/e5_stage1 --epochs 0.3 --seed 14
	$(BIN)/python -m sentiment.calibrate --data ../shared/data --plot docs/sentiment-reliability.png

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
