# Two commands matter (see README.md):
#   make demo   set up what is missing, train the NLU model if needed, start the hub with a demo estate
#   make test   set up what is missing, train the models if needed, run the tests
PY      := .venv/bin/python
GUANJIA := .venv/bin/guanjia
HOST    ?= 127.0.0.1
PORT    ?= 8080

.PHONY: setup demo test lint bench models lock clean

setup:
	@scripts/setup.sh

models: setup
	@scripts/train_models.sh

demo: setup
	@$(GUANJIA) nlu train
	@$(GUANJIA) serve --demo --host $(HOST) --port $(PORT)

test: models
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check .

bench: models
	@$(PY) bench/nlu.py
	@$(PY) bench/hub.py
	@$(PY) bench/stt.py
	@$(PY) bench/faces.py

# Re-resolve requirements.lock from pyproject.toml (needs network to PyPI).
lock:
	.venv/bin/uv pip compile pyproject.toml --extra dev --python-version 3.10 \
	  --python-platform x86_64-manylinux_2_28 --override requirements/overrides.txt \
	  -o requirements.lock

clean:
	rm -rf var/ models/nlu/build
