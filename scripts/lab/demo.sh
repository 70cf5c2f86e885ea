#!/usr/bin/env bash
# `npm run demo`: boot the lab and tell the PPC story on the real kernel, live: real
# lvsctl-agents with mutual TLS, the real `lvsctl rollout examples/ppc.json` with its own
# output, which realserver answered each request, and the ipvsadm -Lcn table with its template.
# Installs nothing; if the lab cannot boot it says why and how to fix it.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../.." && pwd)"
cd "$checkout"
# LAB_BUILD=0 skips the build when dist/ is fresh.
if [ ! -f dist/scripts/lab/demo-ppc.js ] || [ "${LAB_BUILD:-1}" = "1" ]; then
  npx tsc -p . > /dev/null 2>&1 || true   # emits even when some other file has type errors
fi
if [ ! -f dist/scripts/lab/demo-ppc.js ]; then
  echo "demo: dist/scripts/lab/demo-ppc.js is missing after the build; run npx tsc -p . and read its errors" >&2
  exit 1
fi
exec "$here/boot.sh" --timeout "${LAB_TIMEOUT_S:-600}" --run-dir "$checkout/.lab/runs/demo" -- \
  node --enable-source-maps dist/scripts/lab/demo-ppc.js
