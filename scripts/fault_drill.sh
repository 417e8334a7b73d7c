#!/usr/bin/env bash
# Fault drill: PostgreSQL restarted in the middle of a submission load.
# A private cluster (port 55432) and gunicorn (port 8766) are started here and stopped at the end.
# Expect: requests during the outage answered 503 "Hệ thống đang bận", then the service recovering by
# itself (CONN_HEALTH_CHECKS), and load_submit.py --verify finding no row without its file, no
# file without its row, no duplicate code. Usage: scripts/fault_drill.sh [seconds] [clients]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-40}
CLIENTS=${2:-8}
DIR=$(mktemp -d /tmp/csk-fault.XXXX)
chmod 755 "$DIR"
install -d -o postgres -g postgres "$DIR/data" "$DIR/sock"
su postgres -c "initdb -D $DIR/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
PGCTL="pg_ctl -D $DIR/data -l $DIR/data/log -o \"-p 55432 -k $DIR/sock -c listen_addresses=127.0.0.1\" -w"
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | head -n 1)")
export PATH="$PGBIN:$PATH"
su postgres -c "PATH=$PGBIN:\$PATH $PGCTL start" >/dev/null
cleanup() {
  kill "$GUNICORN" 2>/dev/null || true
  su postgres -c "PATH=$PGBIN:\$PATH pg_ctl -D $DIR/data -m fast -w stop" >/dev/null 2>&1 || true
}
trap cleanup EXIT
createdb -h 127.0.0.1 -p 55432 -U postgres csk_fault
export DATABASE_URL=postgres://postgres@127.0.0.1:55432/csk_fault MEDIA_ROOT="$DIR/media"
export DEBUG=false SECRET_KEY=fault-drill-only ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false
export SECURE_COOKIES=false RATELIMIT_ENABLE=false STATIC_MANIFEST=false LOG_LEVEL=WARNING
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py load_demo >/dev/null
GUNICORN_BIND=127.0.0.1:8766 WEB_CONCURRENCY=4 .venv/bin/gunicorn -c deploy/gunicorn.conf.py portal.wsgi >"$DIR/gunicorn.log" 2>&1 &
GUNICORN=$!
sleep 3
.venv/bin/python scripts/load_submit.py --url http://127.0.0.1:8766 --clients "$CLIENTS" --seconds "$SECONDS_RUN" --verify \
  >"$DIR/load.log" 2>&1 &
LOAD=$!
sleep $((SECONDS_RUN / 3))
echo "== restarting PostgreSQL in the middle of the load"
su postgres -c "PATH=$PGBIN:\$PATH pg_ctl -D $DIR/data -m fast -w stop" >/dev/null
curl -s -o "$DIR/outage.html" -w "during the outage: /submit/ answers %{http_code}\n" http://127.0.0.1:8766/submit/ || true
grep -o "Hệ thống đang bận" "$DIR/outage.html" | head -n 1 || true
sleep 5
su postgres -c "PATH=$PGBIN:\$PATH $PGCTL start" >/dev/null
echo "== PostgreSQL is back"
curl -s -o /dev/null -w "after: /healthz answers %{http_code}\n" http://127.0.0.1:8766/healthz
wait "$LOAD" && status=0 || status=$?
cat "$DIR/load.log"
exit "$status"
