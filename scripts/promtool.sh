#!/usr/bin/env bash
# Install promtool (Debian's `prometheus` package) when it is missing; the deploy/ tests use it
# to check the alert rules. Only the binary is wanted: no service is started.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "promtool is missing; install Debian's prometheus package (as root)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends prometheus >/dev/null
command -v promtool
