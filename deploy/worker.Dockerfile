# The job worker: mail and text delivery, billing and AutoPay runs, reminders, ACH settlement, cleanup, webhooks
# (`python -m portal_app worker`). Run one or several: each job occurrence is claimed in the database.
#   docker build -f deploy/worker.Dockerfile -t subscriber-portal-worker .
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_CHECK_LATEST_VERSION=false
WORKDIR /srv/portal
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY rxconfig.py ./
COPY assets/ assets/
COPY portal_app/ portal_app/
RUN useradd --system --home-dir /srv/portal portal
USER portal
CMD ["python", "-m", "portal_app", "worker"]
