#!/usr/bin/env bash
# OpenLink Virtuoso for the remote-mode tests (tests/servers.py starts a private server per test
# file, on loopback ports; the distribution's service is never used), from the distribution.
# Idempotent: installs only when virtuoso-t or isql-vt is missing, refreshes the package index
# only then; waits (up to 5 minutes) for another apt or dpkg run to finish.
#
# Noninteractive: the package asks debconf for a DBA password; it is preseeded blank (the
# system-wide instance is then meant to stay off). The package would still start and enable its
# service (on 0.0.0.0:1111 and :8890, password "dba") where no policy-rc.d forbids it, so the
# install runs under a temporary one and the service is disabled afterwards.
set -euo pipefail
if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing system packages: virtuoso-opensource" >&2
  wait_lock=(-o DPkg::Lock::Timeout=300)
  $SUDO apt-get "${wait_lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${wait_lock[@]}" install -y -qq \
    --no-install-recommends debconf >/dev/null
  printf '%s\n' \
    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password password' \
    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password' \
    'virtuoso-opensource-7 virtuoso-opensource-7/register-odbc-dsn boolean false' \
    | $SUDO debconf-set-selections
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# virtuoso-deps.sh: no service starts during its install\nexit 101\n' \
      | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${wait_lock[@]}" install -y -qq \
    --no-install-recommends virtuoso-opensource >/dev/null
  $SUDO update-rc.d virtuoso-opensource-7 disable >/dev/null 2>&1 || true
fi
