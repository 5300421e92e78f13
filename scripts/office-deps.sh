#!/usr/bin/env bash
# Headless LibreOffice Calc for the spreadsheet round-trip tests (tests/test_template_office.py),
# from the distribution. Idempotent: installs only when soffice is missing, refreshes the package
# index only then; waits (up to 5 minutes) for another apt or dpkg run to finish.
set -euo pipefail
if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing system packages: libreoffice-calc" >&2
  wait_lock=(-o DPkg::Lock::Timeout=300)
  $SUDO apt-get "${wait_lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${wait_lock[@]}" install -y -qq \
    --no-install-recommends libreoffice-calc fonts-dejavu-core >/dev/null
fi
