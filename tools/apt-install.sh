#!/bin/sh
# Installs the Debian packages named as arguments that are not installed yet (the Makefile's
# deps targets). Needs root when something is missing. Another apt or dpkg holding its lock
# (unattended-upgrades, a second build) is waited for, up to APT_WAIT seconds (600 by
# default), never failed at once.
set -u
wait_s=${APT_WAIT:-600}
missing=""
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" != 0 ]; then
  echo "need root to install:$missing" >&2
  exit 1
fi
# apt-get update takes the package lists' lock, which DPkg::Lock::Timeout does not cover in
# every apt version: retry while another apt holds it.
start=$(date +%s)
until apt-get -qq -o DPkg::Lock::Timeout="$wait_s" update; do
  if [ $(( $(date +%s) - start )) -ge "$wait_s" ]; then
    echo "apt-get update kept failing for $wait_s s (another apt holding its lock, or no network)" >&2
    exit 1
  fi
  echo "apt-get update failed; retrying in 10 s (another apt may hold its lock)" >&2
  sleep 10
done
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout="$wait_s" $missing
