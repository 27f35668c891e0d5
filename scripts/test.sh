#!/usr/bin/env bash
# The Quick start's test command: installs what the tests need (Debian packages, Node 22+,
# npm packages), builds, type-checks the tests, lints and checks formatting, and runs the whole
# suite against real registries with coverage. Prints a closing "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -x .tools/node/bin/node ] && export PATH="$PWD/.tools/node/bin:$PATH"

npm run --silent build
npx tsc -p tsconfig.test.json
# Lint (type-aware, no warnings allowed) and formatting: a finding fails the run before the tests.
npm run --silent lint
npm run --silent format:check

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --coverage --reporter=default --reporter=json --outputFile="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
exit "$status"
