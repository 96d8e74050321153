#!/usr/bin/env bash
# Installs what the test suite needs on Debian 12, as root: the test peers' Debian packages (.ci/apt-packages.txt:
# Samba AD DC, PostgreSQL, micromdm scep, Chromium, MIT Kerberos client tools, build tools) and a venv (.venv) with
# the project and its test extras. The server packages' services are NOT started, and are left disabled at boot:
# the tests start their own peers on loopback addresses, in temp dirs, and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -eq 0 ]; then
    # Installing a server package must not start its service: the tests start their own peers on loopback.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    mapfile -t packages < <(grep -v '^\s*#' .ci/apt-packages.txt | grep -v '^\s*$')
    echo "tests/setup.sh: installing ${packages[*]}" >&2
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    # Installing enabled these services for the next boot; the tests never use them.
    for service in postgresql samba-ad-dc smbd nmbd winbind; do
        if command -v systemctl >/dev/null; then systemctl disable --quiet "$service" 2>/dev/null || true; fi
        if command -v update-rc.d >/dev/null; then update-rc.d -f "$service" disable >/dev/null 2>&1 || true; fi
    done
else
    echo "tests/setup.sh: not root, skipping the Debian packages (tests needing those peers will skip)" >&2
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
