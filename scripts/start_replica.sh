#!/usr/bin/env bash
# A real streaming replica of the machine's PostgreSQL, for the replica tests and to try
# DATABASE_REPLICA_URL by hand:
#
#     scripts/start_replica.sh      # prints the URL to export as KUBE_TEST_REPLICA_URL
#     scripts/stop_replica.sh       # stops it and deletes its data
#
# Idempotent: a replica already answering on the port is reused. Otherwise the primary's
# whole cluster is copied with pg_basebackup (-R: standby.signal and primary_conninfo;
# -X stream: the WAL of the copy comes with it) into KUBE_REPLICA_DIR, outside the
# repository, and started with the binaries of the primary's major version as the
# postgres OS user (PostgreSQL refuses to run as root).
#
# Environment: KUBE_REPLICA_PORT (5433), KUBE_REPLICA_DIR (/tmp/kube-replica),
# KUBE_PRIMARY_HOST (127.0.0.1), KUBE_PRIMARY_PORT (5432). The primary is reached as the
# postgres user without a password (trust), like the rest of CI.
set -euo pipefail

port=${KUBE_REPLICA_PORT:-5433}
dir=${KUBE_REPLICA_DIR:-/tmp/kube-replica}
primary_host=${KUBE_PRIMARY_HOST:-127.0.0.1}
primary_port=${KUBE_PRIMARY_PORT:-5432}
url="postgres://postgres@127.0.0.1:$port/postgres"

fail() { echo "start_replica: $*" >&2; exit 1; }
primary() { psql -h "$primary_host" -p "$primary_port" -U postgres -d postgres -XAtq -c "$1"; }
replica() { psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -XAtq -c "$1"; }
# PostgreSQL's binaries refuse root; as any other user they run as that user.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if pg_isready -h 127.0.0.1 -p "$port" -q; then
  [ "$(replica 'SELECT pg_is_in_recovery()')" = t ] || fail "127.0.0.1:$port answers but is not a replica"
  echo "replica already running on 127.0.0.1:$port"
  echo "KUBE_TEST_REPLICA_URL=$url"
  exit 0
fi

pg_isready -h "$primary_host" -p "$primary_port" -q || fail "the primary $primary_host:$primary_port does not answer"
major=$(( $(primary 'SHOW server_version_num') / 10000 ))
bin=/usr/lib/postgresql/$major/bin
[ -x "$bin/pg_basebackup" ] || fail "$bin/pg_basebackup is missing (PostgreSQL $major server binaries)"

# Stock Debian PostgreSQL 15 allows streaming (wal_level=replica, max_wal_senders=10):
# say so plainly when a primary does not.
case "$(primary 'SHOW wal_level')" in
  replica | logical) ;;
  *) fail "wal_level is $(primary 'SHOW wal_level') on the primary: set it to replica and restart it" ;;
esac
[ "$(primary 'SHOW max_wal_senders')" -gt 0 ] || fail "max_wal_senders is 0 on the primary"

# A replication connection matches only pg_hba lines whose database is `replication`
# ("all" does not cover it): add one for postgres from 127.0.0.1 when it is missing.
replication_allowed() {
  psql "host=$primary_host port=$primary_port user=postgres replication=true" -XAtq -c IDENTIFY_SYSTEM >/dev/null 2>&1
}
if ! replication_allowed; then
  hba=$(primary 'SHOW hba_file')
  echo "adding a replication line for postgres from 127.0.0.1 to $hba"
  printf '%s\n' "host    replication     postgres        127.0.0.1/32            trust" >>"$hba"
  primary 'SELECT pg_reload_conf()' >/dev/null
  replication_allowed || fail "replication connections are still refused by $hba"
fi

# Values a hot standby must not go below (it refuses to start otherwise): the primary's own.
settings=""
for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
  settings="$settings$name = $(primary "SHOW $name")"$'\n'
done

# Only ever delete a folder that holds a cluster (or nothing): never a mistyped KUBE_REPLICA_DIR.
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/PG_VERSION" ]; then
  fail "$dir is not empty and holds no PostgreSQL cluster: choose another KUBE_REPLICA_DIR"
fi
as_postgres "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1 && as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop
rm -rf "$dir"
install -d -m 700 -o postgres -g postgres "$dir"
echo "copying the primary's cluster into $dir ($(primary "SELECT pg_size_pretty(sum(pg_database_size(oid))) FROM pg_database"))"
# --checkpoint=fast: start at once instead of waiting for the next spread checkpoint.
as_postgres "$bin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U postgres -D "$dir" -R -X stream --checkpoint=fast

# Debian keeps postgresql.conf and pg_hba.conf in /etc, so the copy has neither.
as_postgres tee "$dir/postgresql.conf" >/dev/null <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
# Long exports on the replica are not cancelled by the primary's vacuum.
hot_standby_feedback = on
shared_buffers = 128MB
$settings
EOF
as_postgres tee "$dir/pg_hba.conf" >/dev/null <<'EOF'
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
EOF
touch "$dir.log" && chown postgres:postgres "$dir.log" 2>/dev/null || true
as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir.log" -w -t 120 start >/dev/null || { tail -20 "$dir.log" >&2; fail "the replica did not start"; }

for _ in $(seq 1 600); do
  [ "$(replica "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'" 2>/dev/null)" = 1 ] && break
  sleep 0.1
done
[ "$(replica "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")" = 1 ] ||
  { tail -20 "$dir.log" >&2; fail "the replica runs but does not stream from the primary"; }
echo "replica streaming on 127.0.0.1:$port from $primary_host:$primary_port (data $dir, log $dir.log)"
echo "KUBE_TEST_REPLICA_URL=$url"
