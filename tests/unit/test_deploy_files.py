"""The production shape's files (deploy/): the proxy sends every backend route the app registers to
the workers and every page to the static export, its headers are the app's own, nginx accepts the
config, and the compose file wires every service to the shared settings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from reflex import constants
from starlette.routing import Route

import portal_app.api
from portal_app.api.http_security import CONTENT_SECURITY_POLICY, security_headers

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "deploy" / "nginx"
# Reflex's endpoints the production build talks to; /auth-codespace only serves GitHub Codespaces.
REFLEX_ENDPOINTS = [str(endpoint) for endpoint in constants.Endpoint if endpoint is not constants.Endpoint.AUTH_CODESPACE]


def _locations() -> list[tuple[str, str, str]]:
    """(modifier, path, body) of each location block in portal-server.conf."""
    text = (NGINX / "portal-server.conf").read_text()
    text = re.sub(r"#[^\n]*", "", text)
    return [(m.group(1) or "", m.group(2), m.group(3))
            for m in re.finditer(r"location\s+(=\s+)?(\S+)\s*\{([^}]*)\}", text)]


def _served_by(path: str) -> str:
    """Which location nginx picks for `path` (exact match first, then the longest prefix), and
    whether it goes to the workers or the static files."""
    locations = _locations()
    exact = [body for modifier, location, body in locations if modifier.strip() == "=" and location == path]
    if exact:
        body = exact[0]
    else:
        prefixes = [(location, body) for modifier, location, body in locations if not modifier and path.startswith(location)]
        body = max(prefixes, key=lambda item: len(item[0]))[1]
    if "proxy_pass http://portal_workers" in body:
        return "workers"
    return "refused" if "return 404" in body else "static"


def _app_routes() -> list[str]:
    paths = []
    for route in portal_app.api.build_api().routes:
        assert isinstance(route, Route)
        paths.append(re.sub(r"\{[^}]+\}", "7", route.path))  # a concrete path for each pattern
    return paths


def test_every_backend_route_the_app_registers_goes_to_the_workers() -> None:
    routes = _app_routes() + REFLEX_ENDPOINTS
    assert "/healthz" in routes and "/readyz" in routes and "/_event" in routes and "/metrics" in routes
    routes.remove("/metrics")  # scraped from each worker directly (test below)
    assert {path: _served_by(path) for path in routes} == dict.fromkeys(routes, "workers")
    assert _served_by("/_event/") == "workers"  # socket.io's own path under /_event


def test_every_page_is_the_static_export() -> None:
    import portal_app.pages  # noqa: F401  (registers every page)
    from portal_app.components.shell import PAGE_ROUTES, PUBLIC_ROUTES
    from portal_app.components.staff_shell import STAFF_PAGE_ROUTES

    pages = sorted({*PAGE_ROUTES, *PUBLIC_ROUTES, *STAFF_PAGE_ROUTES})
    assert len(pages) > 30
    pages += ["/", "/pay", "/staff/import", "/staff/signin", "/signin", "/assets/app-1234.js", "/portal.css", "/nowhere",
              "/manifest.webmanifest", "/pwa/icon-512.png", "/pwa/apple-touch-icon.png"]
    assert {page: _served_by(page) for page in pages} == dict.fromkeys(pages, "static")


def test_metrics_are_never_served_through_the_public_proxy() -> None:
    assert _served_by("/metrics") == "refused"


def _header_values(path: Path) -> dict[str, str]:
    return {name: value for name, value in re.findall(r'add_header\s+(\S+)\s+"([^"]*)"\s+always;', path.read_text())}


def test_the_proxys_security_headers_are_the_apps_own() -> None:
    proxy = _header_values(NGINX / "security-headers.conf")
    assert proxy["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert proxy == security_headers(production=True)
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_pages_are_never_stored_and_bundles_are_cached() -> None:
    locations = {location: body for _, location, body in _locations()}
    assert 'Cache-Control "no-store"' in locations["/"]
    assert "immutable" in locations["/assets/"]
    assert "try_files $uri $uri.html $uri/index.html =404" in locations["/"]
    # The app's manifest is typed for browsers, and it and the icons are found in the export.
    assert "default_type application/manifest+json" in locations["/manifest.webmanifest"]
    assert "try_files $uri =404" in locations["/pwa/"]


def test_the_proxy_never_logs_query_strings() -> None:
    """Links carry one-time tokens in their query (?token=, ?ticket=): the access log has $uri only."""
    log_format = (NGINX / "portal-http.conf").read_text().split("log_format", 1)[1].split(";", 1)[0]
    assert "$uri" in log_format
    assert "$request_uri" not in log_format and "$args" not in log_format and "$request\"" not in log_format


def test_nginx_accepts_the_standalone_config(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is not installed: run scripts/test-services.sh")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    run = tmp_path / "run"
    (run / "nginx").mkdir(parents=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "nginx-tmp" / sub).mkdir(parents=True)
    (run / "nginx" / "portal").symlink_to(NGINX)
    text = (NGINX / "standalone.conf.in").read_text()
    for name, value in {"USER_LINE": "", "RUN_DIR": str(run), "LISTEN": "127.0.0.1:8443", "TLS_CERT": str(cert),
                        "TLS_KEY": str(key), "STATIC_DIR": str(tmp_path / "static"),
                        "UPSTREAM_SERVERS": "        server 127.0.0.1:8001;\n        server 127.0.0.1:8002;"}.items():
        text = text.replace(f"@{name}@", value)
    assert "@" not in re.sub(r"#[^\n]*", "", text)
    (run / "nginx" / "nginx.conf").write_text(text)
    checked = subprocess.run([nginx, "-t", "-p", str(run / "nginx"), "-c", str(run / "nginx" / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_compose_wires_every_portal_service_to_the_shared_settings() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "app1", "app2", "worker", "proxy"} <= set(services)
    for name in ("migrate", "app1", "app2", "worker"):
        environment = services[name]["environment"]
        for key in ("PORTAL_DATABASE_URL", "REFLEX_REDIS_URL", "PORTAL_SECRET_KEY", "PORTAL_PUBLIC_URL"):
            assert environment[key], (name, key)
        assert environment["PORTAL_ENV"] == "production"
    assert services["app1"]["build"]["target"] == "app" and services["proxy"]["build"]["target"] == "proxy"
    upstream = (NGINX / "compose.conf").read_text()
    assert "server app1:8000" in upstream and "server app2:8000" in upstream
    for dockerfile in ("app.Dockerfile", "worker.Dockerfile"):
        text = (ROOT / "deploy" / dockerfile).read_text()
        assert "pip install -r requirements.txt" in text
    assert "COPY reflex.lock/ reflex.lock/" in (ROOT / "deploy" / "app.Dockerfile").read_text()


def test_debians_nginx_accepts_the_proxy_images_config(tmp_path: Path) -> None:
    """What the proxy image does: Debian's own nginx.conf, with compose.conf in conf.d and deploy/nginx
    as /etc/nginx/portal (here under a temporary prefix; the compose service names become 127.0.0.1)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    debian = Path("/etc/nginx/nginx.conf")
    if not Path(nginx).exists() or not debian.exists():
        pytest.fail("nginx is not installed: run scripts/test-services.sh")
    prefix = tmp_path / "etc-nginx"
    (prefix / "conf.d").mkdir(parents=True)
    (prefix / "tls").mkdir()
    (prefix / "portal").symlink_to(NGINX)
    shutil.copy("/etc/nginx/mime.types", prefix / "mime.types")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(prefix / "tls" / "privkey.pem"), "-out", str(prefix / "tls" / "fullchain.pem")],
                   check=True, capture_output=True)
    main = debian.read_text().replace("/etc/nginx/", f"{prefix}/").replace("/run/nginx.pid", f"{tmp_path}/nginx.pid")
    main = re.sub(r"include [^;]*modules-enabled[^;]*;", "", main)  # the image's nginx-light has its modules built in
    main = re.sub(r"include [^;]*sites-enabled[^;]*;", "", main)  # the image removes the default site
    main = re.sub(r"(access|error)_log [^;]*;", "", main)
    (prefix / "nginx.conf").write_text(main)
    site = (NGINX / "compose.conf").read_text().replace("app1:8000", "127.0.0.1:8001").replace("app2:8000", "127.0.0.1:8002")
    site = site.replace("/etc/nginx/tls/", f"{prefix}/tls/").replace("/dev/stdout", f"{tmp_path}/access.log")
    (prefix / "conf.d" / "portal.conf").write_text(site)
    checked = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                              "-g", f"error_log {tmp_path}/error.log;"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
