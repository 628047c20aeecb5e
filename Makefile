# Shortcuts for the README's two commands and CI.
.PHONY: run test ci lint
run:
	bin/run
test:
	bin/test
ci:
	bash .ci/run
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
