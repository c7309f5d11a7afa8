# The two set-up commands of the README: `make demo` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
PYTHON ?= python3

# The date-sensitive part of the suite, run again on SQLite on a moved clock: a leap day,
# twenty minutes after midnight in Seoul (still the day before in UTC).
MOVED_NOW      := 2028-02-29T00:20:00+09:00
DATE_SENSITIVE := tests/voices tests/surveys tests/reports tests/outreach tests/actions \
                  tests/demo tests/analysis/test_surges.py tests/analysis/test_insights.py
# Modules of those folders in which no date plays a part (file sniffing and uploads, phone
# numbers, QR cards, the PCSI arithmetic, the demo's key file): not run again.
DATE_FREE      := tests/voices/test_phones.py tests/voices/test_attachments.py \
                  tests/voices/test_browser_submit_form.py tests/actions/test_api_evidence.py \
                  tests/actions/test_evidence_uploads.py tests/outreach/test_outreach_cards.py \
                  tests/surveys/test_pcsi.py tests/demo/test_demo_secret.py
PYTEST_JOBS    ?= auto
# Where `make demo` listens (`make demo PORT=8123 HOST=0.0.0.0`); links follow it unless
# MINWON_BASE_URL is set.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-dates lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/minwon demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_JOBS)
	$(MAKE) --no-print-directory test-dates

test-dates: $(STAMP)
	MINWON_TEST_NOW=$(MOVED_NOW) MINWON_TEST_ENGINES=sqlite \
	  $(BIN)/pytest -n $(PYTEST_JOBS) $(DATE_SENSITIVE) $(addprefix --ignore=,$(DATE_FREE))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) minwon.db minwon.db-wal minwon.db-shm
