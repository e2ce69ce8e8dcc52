#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for the tests and for trying
# mandate by hand (docs/testing.md).
#
#   scripts/postgres.sh start [--fresh] DIR   create a cluster in DIR (or start the
#                                             one DIR holds, on its port) and wait
#                                             until it accepts connections
#   scripts/postgres.sh stop [--keep] DIR     stop it (pg_ctl stop -m fast) and
#                                             remove DIR; --keep keeps it for a
#                                             later `start DIR` on the same port
#   scripts/postgres.sh status DIR            exit 0 when it runs, 3 when not
#
# DIR/url holds the admin URL, postgresql://mandate@127.0.0.1:PORT/postgres, and
# DIR/port the port. The role `mandate` is the bootstrap superuser. The server
# listens on 127.0.0.1 only (no Unix socket) with `trust` authentication: any
# local user may connect as `mandate`, which is acceptable for a cluster that
# lives for one test run and holds test data only. fsync and synchronous_commit
# are on, as in production, so durability tests mean something.
#
# initdb and postgres refuse to run as root: as root, they run as nobody:nogroup
# (MANDATE_POSTGRES_USER / MANDATE_POSTGRES_GROUP to change it). The data then
# lives where that user can reach it: DIR/cluster when it can, else a directory
# under /tmp that DIR/cluster links to (removed by `stop`).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROLE=mandate

die() { echo "postgres.sh: $*" >&2; exit 1; }
usage() { die "usage: $0 start [--fresh] DIR | stop [--keep] DIR | status DIR"; }

# Everything the cluster runs runs as this user: the caller, or nobody for root.
if [[ $(id -u) -eq 0 ]]; then
  SERVER_USER=${MANDATE_POSTGRES_USER:-nobody}
  SERVER_GROUP=${MANDATE_POSTGRES_GROUP:-nogroup}
  as_server() { (cd / && setpriv --reuid="$SERVER_USER" --regid="$SERVER_GROUP" --clear-groups -- "$@"); }
else
  as_server() { "$@"; }
fi

check_binaries() {
  local b
  for b in initdb pg_ctl postgres pg_isready; do
    [[ -x "$PG_BIN/$b" ]] || die "$PG_BIN/$b is missing: install Debian's postgresql package (scripts/install-deps.sh) or set PG_BIN"
  done
  if [[ $(id -u) -eq 0 ]]; then
    command -v setpriv >/dev/null || die "setpriv (util-linux) is missing: as root, the server runs as $SERVER_USER through it"
    id "$SERVER_USER" >/dev/null 2>&1 || die "user $SERVER_USER does not exist: set MANDATE_POSTGRES_USER"
  fi
}

# A directory made by this script (DIR/cluster is made first): only such a
# directory is ever removed.
is_ours() { [[ -e "$1/cluster" || -L "$1/cluster" ]]; }

# The data directory's parent, wherever DIR/cluster points.
cluster_home() { readlink -f "$1/cluster"; }

# A port that nothing listens on, below the kernel's ephemeral range so that no
# outgoing connection takes it while an outage test has the server stopped.
pick_port() {
  local low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  ((low > 20000 + 1000)) || low=61000
  local port
  for _ in $(seq 50); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % (low - 20000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found on 127.0.0.1"
}

# Creates DIR/cluster (owned by the server user) for the data and the log.
make_home() {
  local dir=$1
  mkdir -p "$dir/cluster"
  if [[ $(id -u) -eq 0 ]]; then
    chown "$SERVER_USER:$SERVER_GROUP" "$dir/cluster"
    if ! as_server test -w "$dir/cluster"; then
      # DIR's parents are closed to the server user (a build tree under a
      # root-only home): keep the data in /tmp and link to it.
      rmdir "$dir/cluster"
      local home
      home=$(mktemp -d /tmp/mandate-postgres.XXXXXX)
      chown "$SERVER_USER:$SERVER_GROUP" "$home"
      ln -s "$home" "$dir/cluster"
    fi
  fi
}

init_cluster() {
  local dir=$1 home
  make_home "$dir"
  home=$(cluster_home "$dir")
  # --no-sync: a crash loses this throwaway cluster anyway; the server itself
  # runs with fsync on. C locale: the same sort order on every machine.
  as_server "$PG_BIN/initdb" -D "$home/data" -U "$ROLE" --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  # Loopback TCP only (initdb's default also trusts the Unix socket and ::1).
  printf 'host all all 127.0.0.1/32 trust\n' | as_server tee "$home/data/pg_hba.conf" >/dev/null
  as_server tee -a "$home/data/postgresql.conf" >/dev/null <<EOF

# scripts/postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
log_min_messages = warning
EOF
}

# The port lives in DIR/port and is given to postgres on its command line.
set_port() {
  local dir=$1 port=$2
  echo "$port" >"$dir/port"
  echo "postgresql://$ROLE@127.0.0.1:$port/postgres" >"$dir/url"
}

# pg_ctl start; 0 when up, 1 on failure, 2 when the port was taken.
pg_start() {
  local dir=$1 home log port
  home=$(cluster_home "$dir")
  log="$home/server.log"
  port=$(cat "$dir/port")
  as_server touch "$log"
  local before
  before=$(wc -l <"$log")
  if as_server "$PG_BIN/pg_ctl" start -D "$home/data" -l "$log" -o "-p $port" -w -t 60 -s >/dev/null 2>&1; then
    return 0
  fi
  if tail -n "+$((before + 1))" "$log" | grep -q 'could not bind\|Address already in use'; then
    return 2
  fi
  return 1
}

wait_ready() {
  local port=$1
  for _ in $(seq 300); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$ROLE" -d postgres && return 0
    sleep 0.1
  done
  return 1
}

fail_start() {
  local dir=$1
  echo "postgres.sh: the server in $dir did not start; its log:" >&2
  tail -n 30 "$(cluster_home "$dir")/server.log" >&2 || true
  exit 1
}

start() {
  local fresh=0
  if [[ ${1:-} == --fresh ]]; then fresh=1; shift; fi
  [[ $# -eq 1 ]] || usage
  local dir=$1
  check_binaries
  if ((fresh)) && is_ours "$dir"; then stop "$dir"; fi
  if is_ours "$dir"; then
    [[ -f "$dir/port" && -f "$(cluster_home "$dir")/data/PG_VERSION" ]] ||
      die "$dir holds a half-made cluster (interrupted?): use start --fresh or stop"
    # Again, on the port the tests already know.
    local port
    port=$(cat "$dir/port")
    if running "$dir"; then return 0; fi
    pg_start "$dir" || fail_start "$dir"
    wait_ready "$port" || fail_start "$dir"
    return 0
  fi
  if [[ -e "$dir" && -n "$(ls -A "$dir")" ]]; then
    die "$dir is not empty and holds no cluster made by this script"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if ! init_cluster "$dir"; then
    remove "$dir"
    die "initdb failed in $dir"
  fi
  # A port free a moment ago can be taken before postgres binds it: try another.
  local attempt port rc
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    set_port "$dir" "$port"
    rc=0
    pg_start "$dir" || rc=$?
    ((rc == 2)) && continue
    if ((rc == 0)) && wait_ready "$port"; then return 0; fi
    break
  done
  echo "postgres.sh: the server did not start (attempt $attempt); its log:" >&2
  tail -n 30 "$(cluster_home "$dir")/server.log" >&2 || true
  (stop "$dir") || remove "$dir"
  exit 1
}

remove() {
  local dir=$1 home
  home=$(cluster_home "$dir" 2>/dev/null || true)
  if [[ -L "$dir/cluster" && -n "$home" ]]; then rm -rf "$home"; fi
  rm -rf "$dir"
}

stop() {
  local keep=0
  if [[ ${1:-} == --keep ]]; then keep=1; shift; fi
  [[ $# -eq 1 ]] || usage
  local dir=$1
  [[ -e "$dir" ]] || return 0
  if [[ -d "$dir" && -z "$(ls -A "$dir")" ]]; then rmdir "$dir"; return 0; fi
  is_ours "$dir" || die "$dir holds no cluster made by this script; not touching it"
  local home
  home=$(cluster_home "$dir")
  if [[ -f "$home/data/postmaster.pid" ]] && running "$dir"; then
    as_server "$PG_BIN/pg_ctl" stop -D "$home/data" -m fast -w -t 60 -s >/dev/null 2>&1 ||
      as_server "$PG_BIN/pg_ctl" stop -D "$home/data" -m immediate -w -t 30 -s >/dev/null 2>&1 ||
      die "could not stop the server in $dir"
  fi
  ((keep)) || remove "$dir"
}

running() {
  as_server "$PG_BIN/pg_ctl" status -D "$(cluster_home "$1")/data" >/dev/null 2>&1
}

status() {
  [[ $# -eq 1 ]] || usage
  local dir=$1
  is_ours "$dir" || { echo "no cluster in $dir"; return 3; }
  if running "$dir"; then
    echo "running: $(cat "$dir/url")"
  else
    echo "stopped: $(cat "$dir/url")"
    return 3
  fi
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  *) usage ;;
esac
