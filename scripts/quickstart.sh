#!/usr/bin/env bash
# The Quick start's main job: install gantry, then publish the bundled example (examples/hello:
# linux/amd64 + linux/arm64 through the daemonless `layers` builder, on a busybox base made offline)
# into an OCI image layout directory, ./out/hello, and read it back with skopeo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -x .tools/node/bin/node ] && export PATH="$PWD/.tools/node/bin:$PATH"
npm run --silent build
node --import tsx scripts/make-example-base.ts out/base busybox
(cd examples/hello && node ../../bin/gantry.js publish --version 1.0.0 --no-registry-check)
echo
echo "skopeo inspect --raw oci:out/hello:1.0.0"
skopeo --insecure-policy inspect --raw oci:out/hello:1.0.0
echo
