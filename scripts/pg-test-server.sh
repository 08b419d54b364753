#!/usr/bin/env bash
# Install (if needed) and start a local PostgreSQL server for the store tests.
#
# Debian 12, run as root. Idempotent: running it again leaves a running server alone.
# Listens on 127.0.0.1 only; local TCP connections are trusted (test machines only!).
# Prints `export EVGW_TEST_PG_URL=...` on stdout and everything else on stderr, so
# `eval "$(scripts/pg-test-server.sh --export)"` works (the flag is accepted and implied).
set -euo pipefail
exec 3>&1 1>&2  # stdout carries only the export line

PORT="${PGPORT:-5432}"

if [[ "$(id -u)" -ne 0 ]]; then
    echo "pg-test-server.sh: run as root (it installs packages and manages the cluster)" >&2
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql
fi

# The newest installed major version (15 on Debian 12).
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
CLUSTER=main
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "${VERSION}/${CLUSTER}"; then
    pg_createcluster "${VERSION}" "${CLUSTER}" -p "${PORT}"
fi

CONF_DIR="/etc/postgresql/${VERSION}/${CLUSTER}"
HBA="${CONF_DIR}/pg_hba.conf"
MARK="# evgw test server: trust local TCP"
if ! grep -qF "${MARK}" "${HBA}"; then
    # Prepend so these lines win over the packaged scram/peer rules.
    {
        echo "${MARK}"
        echo "host all all 127.0.0.1/32 trust"
        echo "host all all ::1/128 trust"
        cat "${HBA}"
    } >"${HBA}.new"
    mv "${HBA}.new" "${HBA}"
    chown postgres:postgres "${HBA}"
fi
mkdir -p "${CONF_DIR}/conf.d"
CONF="${CONF_DIR}/conf.d/evgw-test.conf"
printf "listen_addresses = '127.0.0.1'\nport = %s\nmax_connections = 200\n" "${PORT}" >"${CONF}.new"
RESTART=0
if ! cmp -s "${CONF}.new" "${CONF}"; then
    mv "${CONF}.new" "${CONF}"
    RESTART=1  # listen_addresses/port/max_connections need a restart, not a reload
else
    rm -f "${CONF}.new"
fi
chown -R postgres:postgres "${CONF_DIR}/conf.d"

# The server must not inherit fd 3 (our stdout), or `$(...)` would wait for it forever.
STATUS="$(pg_lsclusters -h | awk -v v="${VERSION}" -v c="${CLUSTER}" '$1==v && $2==c {print $4}')"
if [[ "${STATUS}" != online* ]]; then
    pg_ctlcluster "${VERSION}" "${CLUSTER}" start 3>&-
elif [[ "${RESTART}" == 1 ]]; then
    pg_ctlcluster "${VERSION}" "${CLUSTER}" restart 3>&-
else
    pg_ctlcluster "${VERSION}" "${CLUSTER}" reload 3>&-
fi

for _ in $(seq 1 30); do
    if su postgres -c "pg_isready -q -h 127.0.0.1 -p ${PORT}"; then
        break
    fi
    sleep 0.5
done
su postgres -c "pg_isready -h 127.0.0.1 -p ${PORT}"

URL="postgresql://postgres@127.0.0.1:${PORT}/postgres"
echo "PostgreSQL ${VERSION} is running on 127.0.0.1:${PORT}. Export:"
echo "export EVGW_TEST_PG_URL=${URL}" >&3
