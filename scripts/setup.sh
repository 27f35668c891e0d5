#!/usr/bin/env bash
# Installs everything gantry's tests need on a fresh Debian/Ubuntu machine:
# Debian packages (registry, skopeo, umoci, ...), Node.js 22+ (Node 24 from the npm
# registry into .tools/node when the machine's Node is older), and the npm dependencies.
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(docker-registry skopeo umoci buildah qemu-user-static binfmt-support busybox-static openssl ca-certificates git tinyproxy)
need=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian packages enable a system registry service on :5000 and a proxy on :8888; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop docker-registry tinyproxy >/dev/null 2>&1 || true; fi

# Static busybox for amd64 and arm64: the tests make tiny base images from them.
for arch in amd64 arm64; do
  out=".tools/busybox/$arch"
  [ -x "$out/busybox" ] && continue
  mkdir -p "$out" .tools/debs
  if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO dpkg --add-architecture "$arch"
    $SUDO apt-get update -qq
  fi
  (cd .tools/debs && apt-get download -qq "busybox-static:$arch" >/dev/null 2>&1)
  tmp="$(mktemp -d)"
  dpkg-deb -x .tools/debs/busybox-static_*_"$arch".deb "$tmp"
  cp "$tmp/bin/busybox" "$out/busybox"
  rm -rf "$tmp"
done

# Emulation of other architectures for buildah RUN steps (binfmt_misc + qemu-user-static).
if [ -w /proc/sys/fs ] || [ "$(id -u)" -eq 0 ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 2>/dev/null || true
fi

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
NODE_BIN="$(command -v node || true)"
if [ -z "$NODE_BIN" ] || [ "$(node_major "$NODE_BIN")" -lt 22 ]; then
  PREFIX="$PWD/.tools/node"
  if [ ! -x "$PREFIX/bin/node" ] || [ "$(node_major "$PREFIX/bin/node")" -lt 22 ]; then
    echo "setup: Node.js $(${NODE_BIN:-false} --version 2>/dev/null || echo none) is older than 22; installing node@24 into $PREFIX" >&2
    npm install -g --silent --no-audit --no-fund --prefix "$PREFIX" node@24 >/dev/null
  fi
  export PATH="$PREFIX/bin:$PATH"
fi
echo "setup: node $(node --version), npm $(npm --version)" >&2

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi
