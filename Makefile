# talentlab — the whole analysis from raw data to reports/.
#
#   make reproduce            # environment + the full analysis on the shipped synthetic data
#   make test                 # environment + the test suite
#   make reproduce DATA=path/to/your_data_dir   (or DATA=null / DATA=pretrend / DATA=staggered for a scenario)
#
# DATA is the data folder the notebooks' `data_dir` parameter and the command line's DATA_DIR argument
# name (talentlab validate/process DATA_DIR): a folder of the contract's record tables as supplied,
# or the folder `talentlab import` wrote. data/processed/<name>/ is make's validated copy; the report
# build reads its manifest, the notebooks read DATA itself (its truth.json too, for a scenario).
#
# Run `make help` for every target.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SUFFIXES:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KERNEL := talentlab
SETUP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

# Determinism: fixed hash seed, one BLAS thread, no display, no dates in figure files.
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export MPLBACKEND := Agg
export SOURCE_DATE_EPOCH := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export JUPYTER_PLATFORM_DIRS := 1
# openpyxl serialises with lxml when it is installed (python-docx brings it) and with the standard
# library otherwise: the shipped example workbooks are pinned to the standard library's bytes.
export OPENPYXL_LXML := False

# ---- which data: a scenario name under data/raw/synthetic/ or a folder of your own ------------
DATA ?= paper_claims
# A folder holding any of the contract's record tables (any subset: a destination export alone is
# a graduates table) is analysed as it is; the analyses that need an absent table are skipped.
RECORD_TABLES := graduates employer_ratings evaluations programmes published_rates
table_files = $(strip $(foreach t,$(RECORD_TABLES),$(wildcard $(1)/$(t).csv $(1)/$(t).xlsx $(1)/$(t).parquet)))
# A folder of a college's own exports (no contract table but .xlsx/.xls/.csv/.txt files) is first
# imported with `talentlab import` into build/imported/<name>/ (its mapping.yaml is used when present).
IMPORT_SRC := $(if $(call table_files,$(DATA)),,$(if $(wildcard $(DATA)/*.xlsx $(DATA)/*.xls $(DATA)/*.csv $(DATA)/*.txt),$(patsubst %/,%,$(DATA))))
IMPORTED := build/imported/$(notdir $(IMPORT_SRC))
DATA_DIR := $(if $(IMPORT_SRC),$(IMPORTED),$(if $(wildcard $(DATA)/.),$(patsubst %/,%,$(DATA)),data/raw/synthetic/$(DATA)))
ifeq ($(DATA),paper_claims)
  NAME := synthetic-paper_claims
  REPORT_DIR ?= reports
else
  NAME := $(if $(call table_files,data/raw/synthetic/$(DATA)),synthetic-$(DATA),$(notdir $(patsubst %/,%,$(DATA))))
  REPORT_DIR ?= reports/datasets/$(NAME)
endif
PROCESSED := data/processed/$(NAME)

# A DATA that is neither a shipped scenario nor an existing folder (a typo such as DATA=paper_claim)
# stops make here, while the Makefile is read: before any recipe runs, so nothing is written.
# The targets that never read DATA are exempt.
SCENARIOS := $(sort $(foreach d,$(wildcard data/raw/synthetic/*/),$(if $(call table_files,$(d:/=)),$(notdir $(d:/=)))))
DATA_FREE_GOALS := help setup lock data examples codebook test test-all lint bench lab clean docs
define DATA_ERROR
DATA=$(DATA) is not a data set: no scenario data/raw/synthetic/$(DATA)/ and no folder $(DATA)/.
  DATA=$(DATA) 不是可用的数据集：既不是内置情景，也不是已有的文件夹。
  DATA takes / DATA 可取:
    a shipped scenario / 内置情景:        $(SCENARIOS)   (default: paper_claims)
    a folder of record tables / 数据表文件夹: DATA=path/to/folder holding graduates, employer_ratings,
        evaluations or programmes as .csv, .xlsx or .parquet (e.g. build/imported/<name>)
    a folder of exports / 学校导出文件夹:  DATA=path/to/exports (.xlsx/.xls/.csv/.txt), imported first
        into build/imported/<name>/ by talentlab import
  Nothing was run or written. / 未运行任何步骤，未写入任何文件。
endef
ifneq ($(filter-out $(DATA_FREE_GOALS),$(MAKECMDGOALS)),)
  ifeq ($(call table_files,data/raw/synthetic/$(DATA))$(wildcard $(DATA)/.),)
    $(error $(DATA_ERROR))
  endif
endif
RAW_FILES := $(wildcard $(DATA_DIR)/*.csv $(DATA_DIR)/*.xlsx $(DATA_DIR)/*.parquet $(DATA_DIR)/datapackage.json)
ifneq ($(IMPORT_SRC),)
RAW_FILES := $(IMPORTED)/datapackage.json
$(IMPORTED)/datapackage.json: $(wildcard $(IMPORT_SRC)/*) $(SETUP) talentlab/data/importer.py talentlab/data/mappings.py \
                              talentlab/data/readers.py talentlab/data/contract/datapackage.json
	$(PY) -m talentlab.cli import $(IMPORT_SRC) $(IMPORTED)
endif
PAPER_FILES := data/raw/cases.csv data/raw/case_conditions.csv data/raw/claims.csv \
               $(wildcard data/raw/reference_configurations.csv)
PKG_FILES := $(shell find talentlab -name '*.py' -o -name '*.json' | sort)

# papermill: explicit kernel, a timeout per cell, parameters from here
NB_TIMEOUT ?= 900
SEED ?= 20240601
N_BOOTSTRAP ?= 9999
# the disclosure threshold: defaults to talentlab.data.disclosure.MIN_CELL, never below its MIN_CELL_FLOOR
MIN_CELL ?= 10
# papermill's own command line; the kernel talks over a local IPC socket (no TCP port, no warning).
# Its progress bar (one per notebook, named by it, on stderr) when make's stderr is a terminal;
# none in logs and CI, where stderr is a file or a pipe.
PROGRESS := $(if $(shell test -t 2 && echo tty),--progress-bar,--no-progress-bar)
PAPERMILL = $(PY) -m talentlab.report.notebook_runner --kernel $(KERNEL) --execution-timeout $(NB_TIMEOUT) $(PROGRESS) \
            --log-level WARNING --cwd notebooks
# The paper's text (not in this repository) for notebook 20's framework-wording diagnostic
# (its paper_file parameter); without it that one diagnostic is reported as not computed and every
# other output is the same, whatever lies beside the clone.
PAPER_TEXT ?=

# 11 (interrupted time series) always runs: on data with comparison majors it only says that
# notebook 10 evaluates the claims (about 15 s: kernel and data loading); without them it is the
# evaluation. A static list keeps make's graph simple and a rerun a no-op.
NOTEBOOKS := 00_data_overview 10_zhuhai_case_evaluation 11_zhuhai_interrupted_time_series 20_six_case_comparison
EXECUTED  := $(foreach n,$(NOTEBOOKS),$(REPORT_DIR)/$(n)/$(n).ipynb)

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ---- environment --------------------------------------------------------------------------------
.PHONY: setup
setup: $(SETUP) ## create .venv from requirements.lock, install talentlab (editable), register the kernel

$(SETUP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (talentlab)" >/dev/null
	$(PY) -c "import talentlab.report.plotting as p; p.setup()"   # warms matplotlib's font cache
	rm -f $(VENV)/.installed-* && touch $@

.PHONY: lock
lock: ## re-resolve requirements.lock from pyproject.toml (needs the network)
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet --upgrade pip && build/lockenv/bin/pip install --quiet ".[all]"
	@# --all keeps setuptools and wheel (the test extra's: tests/test_wheel.py builds the wheel offline)
	{ head -3 requirements.lock; build/lockenv/bin/pip freeze --all --exclude-editable | grep -v -E '^(talentlab|pip)( |=|@)'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# ---- data ---------------------------------------------------------------------------------------
.PHONY: data
data: $(SETUP) ## regenerate the shipped synthetic scenarios under data/raw/synthetic/ (+ checksums)
	$(PY) -m talentlab.cli generate --scenario all --out data/raw/synthetic
	$(PY) -m talentlab.cli generate --scenario staggered --out data/raw/synthetic/staggered
	cd data/raw/synthetic && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
	$(PY) -m talentlab.cli examples --scenario paper_claims   # the example export follows its scenario

.PHONY: examples
examples: $(SETUP) ## regenerate the synthetic college export data/raw/examples/ from the paper_claims scenario
	$(PY) -m talentlab.cli examples --scenario paper_claims

.PHONY: import
import: $(SETUP) $(if $(IMPORT_SRC),$(IMPORTED)/datapackage.json) ## import a folder of college exports (DATA=folder) into build/imported/<name>/

.PHONY: validate
validate: $(SETUP) $(if $(IMPORT_SRC),$(IMPORTED)/datapackage.json) ## check the raw data (DATA=...) against the contract; lists every problem
	$(PY) -m talentlab.cli validate $(DATA_DIR)

$(PROCESSED)/manifest.json: $(RAW_FILES) $(SETUP) talentlab/data/schema.py talentlab/data/io.py talentlab/data/contract/datapackage.json
	$(PY) -m talentlab.cli process $(DATA_DIR) --out $(PROCESSED)

.PHONY: process
process: $(PROCESSED)/manifest.json ## validate raw data and write data/processed/<data set>/

.PHONY: codebook
codebook: $(SETUP) ## render data/raw/README.md (columns, import aliases, indicator codebook, verdict rules) from the code
	$(PY) -m talentlab.cli codebook

# ---- notebooks → reports ------------------------------------------------------------------------
# One rule per notebook: it reruns when its own source, the data or the package changes. The record
# notebooks read DATA_DIR (data_dir: the folder as supplied or imported, truth.json included) once
# process has validated it; notebook 20 reads the paper's codings and waits for that validation too
# (order only), so bad data stop the run before any report folder is made.
TRUTH := $(wildcard $(DATA_DIR)/truth.json)

$(REPORT_DIR)/00_data_overview/00_data_overview.ipynb: notebooks/00_data_overview.ipynb $(PROCESSED)/manifest.json $(PKG_FILES)
	@mkdir -p $(@D)
	$(PAPERMILL) $< $(@:.ipynb=.run.ipynb) -p data_dir $(abspath $(DATA_DIR)) -p output_dir $(abspath $(@D)) \
	    -p min_cell $(MIN_CELL)
	$(PY) -m talentlab.cli finalize-notebook $(@:.ipynb=.run.ipynb) $@

$(REPORT_DIR)/10_zhuhai_case_evaluation/10_zhuhai_case_evaluation.ipynb: notebooks/10_zhuhai_case_evaluation.ipynb $(PROCESSED)/manifest.json $(TRUTH) $(PAPER_FILES) $(PKG_FILES)
	@mkdir -p $(@D)
	$(PAPERMILL) $< $(@:.ipynb=.run.ipynb) -p data_dir $(abspath $(DATA_DIR)) -p output_dir $(abspath $(@D)) \
	    -p claims_path $(abspath data/raw/claims.csv) -p n_bootstrap $(N_BOOTSTRAP) -p seed $(SEED) -p min_cell $(MIN_CELL)
	$(PY) -m talentlab.cli finalize-notebook $(@:.ipynb=.run.ipynb) $@

$(REPORT_DIR)/11_zhuhai_interrupted_time_series/11_zhuhai_interrupted_time_series.ipynb: notebooks/11_zhuhai_interrupted_time_series.ipynb $(PROCESSED)/manifest.json $(TRUTH) $(PAPER_FILES) $(PKG_FILES)
	@mkdir -p $(@D)
	$(PAPERMILL) $< $(@:.ipynb=.run.ipynb) -p data_dir $(abspath $(DATA_DIR)) -p output_dir $(abspath $(@D)) \
	    -p claims_path $(abspath data/raw/claims.csv) -p min_cell $(MIN_CELL)
	$(PY) -m talentlab.cli finalize-notebook $(@:.ipynb=.run.ipynb) $@

$(REPORT_DIR)/20_six_case_comparison/20_six_case_comparison.ipynb: notebooks/20_six_case_comparison.ipynb $(PAPER_FILES) $(PKG_FILES) | $(PROCESSED)/manifest.json
	@mkdir -p $(@D)
	$(PAPERMILL) $< $(@:.ipynb=.run.ipynb) -p codings_dir $(abspath data/raw) -p output_dir $(abspath $(@D)) -p seed $(SEED) \
	    -p min_cell $(MIN_CELL) $(if $(PAPER_TEXT),-p paper_file $(abspath $(PAPER_TEXT)))
	$(PY) -m talentlab.cli finalize-notebook $(@:.ipynb=.run.ipynb) $@

$(REPORT_DIR)/index.html: $(EXECUTED) $(PROCESSED)/manifest.json $(PAPER_FILES)
	$(PY) -m talentlab.cli report --reports $(REPORT_DIR) --processed $(PROCESSED) --min-cell $(MIN_CELL)

.PHONY: notebooks
notebooks: $(EXECUTED) ## run every notebook with papermill into reports/

# The notebooks are independent and single-threaded: run them side by side on the machine's cores.
JOBS ?= 2

.PHONY: reproduce
reproduce: $(SETUP) ## the whole analysis: validate, process, run notebooks, write reports/
	@$(MAKE) --no-print-directory -j$(JOBS) $(REPORT_DIR)/index.html DATA=$(DATA) REPORT_DIR=$(REPORT_DIR)
	@echo "report: $(REPORT_DIR)/index.html  (findings: $(REPORT_DIR)/findings.md)"

.PHONY: verify
verify: $(SETUP) ## rerun everything into a temporary folder and compare with reports/MANIFEST.sha256
	@test -f $(REPORT_DIR)/MANIFEST.sha256 || { echo "no $(REPORT_DIR)/MANIFEST.sha256: run make reproduce first"; exit 1; }
	rm -rf build/verify && mkdir -p build/verify
	$(MAKE) --no-print-directory reproduce DATA=$(DATA) REPORT_DIR=build/verify/reports
	$(PY) -m talentlab.cli verify $(REPORT_DIR) build/verify/reports

# ---- quality ------------------------------------------------------------------------------------
.PHONY: test
test: $(SETUP) ## run the test suite except the tests marked slow (within ~10 minutes on 2 cores; CI runs this)
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow" --durations=10

.PHONY: test-all
test-all: $(SETUP) ## every test, the slow ones too (notebooks end to end, whole-scenario comparisons)
	$(PY) -m pytest -q -p no:cacheprovider --durations=10

.PHONY: lint
lint: $(SETUP) ## ruff over the package, tests and benchmarks
	$(VENV)/bin/ruff check talentlab tests benchmarks

# Sphinx over docs/, the notebooks (as committed, not run), the codebook and the docstrings; offline.
.PHONY: docs
docs: $(SETUP) ## build the documentation site into build/docs/html (a warning fails it) and check every link offline
	$(PY) docs/build_site.py build/docs

.PHONY: bench
bench: $(SETUP) ## run the benchmarks (figures go to the issue notes)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

.PHONY: lab
# As root (containers, servers) Jupyter refuses to start without --allow-root; as a user it is
# not needed. Kernels talk over IPC sockets, so no kernel port is opened. LAB_ARGS: e.g. --no-browser.
LAB_ARGS ?=
LAB_FLAGS = --notebook-dir=notebooks --KernelManager.transport=ipc \
            $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

.PHONY: lab
lab: $(SETUP) ## open JupyterLab on notebooks/ with the talentlab kernel (root or user)
	$(VENV)/bin/jupyter lab $(LAB_FLAGS)

.PHONY: clean
clean: ## remove derived files (processed data, reports, caches); never touches data/raw/
	rm -rf data/processed/* build .pytest_cache
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
