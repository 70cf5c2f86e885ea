#!/usr/bin/env bash
# PLACEHOLDER until the lab suite joins: unit and integration tests only.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
npx mocha
