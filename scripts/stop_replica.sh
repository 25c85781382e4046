#!/usr/bin/env bash
# Stop the replica of scripts/start_replica.sh and delete its data (same environment variables).
set -euo pipefail

dir=${KUBE_REPLICA_DIR:-/tmp/kube-replica}
[ -d "$dir" ] || exit 0
[ -f "$dir/PG_VERSION" ] || { echo "stop_replica: $dir holds no PostgreSQL cluster, left as it is" >&2; exit 1; }
major=$(cat "$dir/PG_VERSION")
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if as_postgres "/usr/lib/postgresql/$major/bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  as_postgres "/usr/lib/postgresql/$major/bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  echo "replica in $dir stopped"
fi
rm -rf "$dir" "$dir.log"
