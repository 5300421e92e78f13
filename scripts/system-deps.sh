#!/usr/bin/env bash
# System packages the project needs and pip cannot provide: Java (runs the HermiT reasoner of
# `cokg check`) and Python's venv module. Idempotent: installs only what is missing, and
# refreshes the package index only then. Debian/Ubuntu (apt); elsewhere it says what to install.
set -euo pipefail
PYTHON="${PYTHON:-python3}"
need=()

# A java that actually runs (a dangling alternatives link counts as missing).
if ! java -version >/dev/null 2>&1; then
  need+=(default-jre-headless)
fi
# `python3 -m venv` needs ensurepip, which Debian ships separately.
if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
  need+=(python3-venv)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: please install: ${need[*]} (Java 11 or later for the reasoner)" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "system-deps: need root (or sudo) to install: ${need[*]}" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}" >&2
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
  "${need[@]}" >/dev/null
java -version >/dev/null 2>&1 || { echo "system-deps: java still does not run" >&2; exit 1; }
