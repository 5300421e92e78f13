#!/usr/bin/env bash
# The query editor served at /editor (YASGUI): npm installs the version pinned in
# editor/package-lock.json, and its browser bundle is copied into the package
# (src/cokg/static/yasgui/, git-ignored), from where `cokg serve` serves it itself.
# Node.js and npm come from the distribution when missing. Idempotent: does nothing when the
# copied files match the lock file, so it needs the network only on the first run or after
# the lock file changes.
set -euo pipefail
cd "$(dirname "$0")/.."
EDITOR=editor
PACKAGE=@zazuko/yasgui
OUT=src/cokg/static/yasgui
MANIFEST=$OUT/yasgui.json
FILES=(yasgui.min.js yasgui.min.css)

lock_sum=$(sha256sum "$EDITOR/package-lock.json" | cut -d' ' -f1)
if [ -f "$MANIFEST" ] && grep -q "\"lock_sha256\": \"$lock_sum\"" "$MANIFEST"; then
  complete=1
  for f in "${FILES[@]}"; do [ -s "$OUT/$f" ] || complete=0; done
  [ "$complete" = 1 ] && exit 0
fi

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing system packages: ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

# `npm ci` installs exactly what the lock file records (integrity-checked) and runs no
# package scripts: the editor needs only the prebuilt bundle.
echo "installing the query editor ($PACKAGE) with npm" >&2
(cd "$EDITOR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

dist="$EDITOR/node_modules/$PACKAGE/build"
mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp -d "$(dirname "$OUT")/.yasgui-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for f in "${FILES[@]}"; do cp "$dist/$f" "$tmp/$f"; done
# What was copied, from which version, and its licence (the bundle carries no banner).
node -e '
  const [pkgFile, lockSum] = process.argv.slice(1);
  const pkg = require(require("path").resolve(pkgFile));
  const out = {package: pkg.name, version: pkg.version, license: pkg.license,
               homepage: pkg.homepage, lock_sha256: lockSum};
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
' "$EDITOR/node_modules/$PACKAGE/package.json" "$lock_sum" >"$tmp/yasgui.json"
chmod 755 "$tmp"
rm -rf "$OUT"
mv "$tmp" "$OUT"
trap - EXIT
echo "query editor files in $OUT" >&2
