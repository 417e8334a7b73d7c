"""Gunicorn settings for Cổng Sáng kiến: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi`.

Every value can be overridden from the environment (the systemd unit's EnvironmentFile or the
container's -e), so one file serves a VM and a container."""

import gc
import multiprocessing
import os

# nginx on the same host talks to 127.0.0.1:8000; in a container, GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# (2 × cores) + 1 sync workers: the classic starting point for a database-bound Django app.
# nginx buffers each upload (up to 5 × 10 MB) before passing it on, so a slow phone connection
# does not hold a worker. Each worker keeps one PostgreSQL connection open (CONN_MAX_AGE):
# workers × app servers must stay below PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is killed and its worker restarted (nginx waits 65 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# Load Django once in the master and fork the workers from it: a recycled worker starts in
# milliseconds instead of importing everything again (about a second of CPU each, which at the
# submission surge, with a worker recycled every few seconds, took a tenth of the machine).
# No database connection is opened at import, so none is shared across the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes", "on"}


def when_ready(server):
    """With the app preloaded, load the rest of what a worker needs (views, templates,
    catalogs: portal/warmup.py) here, once, so that pre_fork's freeze covers it too."""
    if server.cfg.preload_app:
        try:
            from portal.warmup import warm_up

            server.log.info("warm_up: %d templates compiled before forking", warm_up())
        except Exception:  # only an optimisation: the workers load what they need themselves
            server.log.exception("warm_up failed; starting the workers without it")


def pre_fork(server, worker):
    """Before each fork, move what the master has loaded out of the garbage collector's reach
    (Python's gc.freeze, as its documentation advises for forking servers): a worker's
    collections then walk only its own objects, not the whole of Django again and again
    (about 5 % of a submission's instructions, callgrind), and the shared pages stay shared."""
    gc.freeze()


# Logs to stdout/stderr: journald (systemd) or the container runtime keeps them.
# The access log shows the client's address as nginx saw it and the time taken in ms.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Only nginx (on this host unless told otherwise) may set X-Forwarded-*; Django itself trusts
# X-Forwarded-Proto only with BEHIND_PROXY=true.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The workers' heartbeat files on tmpfs, not on a container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
