# The README quickstart: `make up` runs the example stack, `make test` runs the whole suite.
.PHONY: up test

.venv/bin/heady: pyproject.toml
	python3 -m venv .venv
	.venv/bin/python -m pip install -q --disable-pip-version-check -e .
	touch $@

up: .venv/bin/heady
	.venv/bin/heady up -f examples/mcp-compose.yaml

test:
	bash scripts/test.sh
