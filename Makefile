# Two commands for a new user: `make run` (portal with demo data) and `make test` (whole suite).
PORT ?= 3000
export PORT  # the app's PORTAL_PUBLIC_URL default (links in mail) follows it
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup install clean worker bench bench-scale translations

install:
	bash scripts/bootstrap.sh

setup: install
	$(PY) -m portal_app setup

run: setup
	@echo ""
	@echo "Subscriber Portal: http://localhost:$(PORT)/  (first start builds the frontend, about a minute)"
	@echo ""
	@# The job worker (mail delivery, billing, AutoPay, ACH, cleanup) runs beside the app and stops with it.
	$(PY) -m portal_app worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/reflex run --env prod --single-port \
		--frontend-port $(PORT) --backend-port $(PORT)

worker:
	$(PY) -m portal_app worker

test:
	bash scripts/run-tests.sh

# The web path against a blank Reflex app built in the same run: N signed-in tabs on the Invoices
# pager, then Home at phone speed (see README "Speed"). A few minutes; both apps stop at the end.
bench: install
	$(PY) bench/load.py
	$(PY) bench/page_load.py

# The production shape on 127.0.0.1 (PostgreSQL, Redis, nginx, two workers): 1 worker against 2, then idle
# signed-in tabs held on one worker in steps up to 2,000 (see README "Production shape"). About 15 minutes.
bench-scale: install
	$(PY) bench/scale.py

# The text catalogs (README "Languages"): extract every t()/_()/N_() text and the mail and text templates' words,
# then merge them into each language's .po (new texts arrive empty; tests/unit/test_translations.py fails until
# they are translated).
translations:
	$(VENV)/bin/pybabel extract -F babel.cfg --no-default-keywords -k t -k tf -k say -k _ -k N_ -k gettext -k ngettext:1,2 --no-location --sort-output \
		--project "Subscriber Portal" -o portal_app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i portal_app/translations/messages.pot -d portal_app/translations --no-fuzzy-matching --width 100 \
		--ignore-obsolete

clean:
	rm -rf .web .states test-artifacts portal.db
