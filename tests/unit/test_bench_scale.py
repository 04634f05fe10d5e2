"""bench/scale.py's 1-worker runs: bench/production.py marks every worker after the first `down` in
the upstream nginx runs with (as scripts/run-production.sh writes it) and brings them back."""

from __future__ import annotations

from bench.production import PROJECT_ROOT, upstream_with

SCRIPT_LINE = "server $BACKEND_HOST:$port max_fails=1 fail_timeout=10s;"
CONF = """    upstream portal_workers {
        least_conn;
        zone portal_workers 64k;
        server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;
        server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;
        server 127.0.0.1:80021 max_fails=1 fail_timeout=10s;
    }"""


def test_the_run_script_writes_the_upstream_lines_the_switch_edits() -> None:
    assert SCRIPT_LINE in (PROJECT_ROOT / "scripts" / "run-production.sh").read_text()


def test_one_worker_marks_the_others_down_and_two_bring_them_back() -> None:
    one = upstream_with(CONF, (8001, 8002), 1)
    assert "server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;" in one
    assert "server 127.0.0.1:8002 max_fails=1 fail_timeout=10s down;" in one
    assert "server 127.0.0.1:80021 max_fails=1 fail_timeout=10s;" in one  # another port, untouched
    assert upstream_with(one, (8001, 8002), 1) == one  # marked once
    assert upstream_with(one, (8001, 8002), 2) == CONF


def test_only_the_given_workers_stay_up() -> None:
    second = upstream_with(CONF, (8001, 8002), 0, up=(8002,))
    assert "server 127.0.0.1:8001 max_fails=1 fail_timeout=10s down;" in second
    assert "server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;" in second
    assert upstream_with(second, (8001, 8002), 2) == CONF
