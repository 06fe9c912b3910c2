#!/bin/sh
# Slipway: fail2ban for sshd on this node, run by the host-fail2ban Plan of system-upgrade-controller,
# one node at a time (hosts.hardening.fail2ban). Nothing here goes through user-data.
#
# Usage: fail2ban.sh ROOT MODE JAIL PACKAGES
#   ROOT      where the host's / is mounted (/host in a Plan's Job)
#   MODE      on: install PACKAGES when missing, write JAIL, restart fail2ban and wait until the
#             sshd jail answers; off: remove JAIL, and stop the fail2ban this script installed
#   JAIL      the jail file, e.g. /etc/fail2ban/jail.d/slipway.conf
#   PACKAGES  the packages fail2ban needs, e.g. "fail2ban python3-systemd"
# Environment:
#   SLIPWAY_JAIL   the jail's content, base64 (MODE on)
#   SLIPWAY_HOST   how to run a command on the host (default: chroot ROOT with a clean environment)
#   SLIPWAY_WAIT   seconds to wait for the sshd jail after a restart (default 30)
#
# When fail2ban does not come up with the new jail, the previous one is put back, fail2ban is
# restarted with it, and the Job fails: the Plan stops here (concurrency 1), the other nodes keep
# what they have. sshd and K3s are never restarted.
set -eu

root=$1
mode=$2
jail_path=$3
packages=$4
jail="$root$jail_path"
dir=$(dirname "$jail")
marker="$root/var/lib/slipway/fail2ban-installed"

log() { echo "slipway: $*"; }

# The host's own binaries, with the host's PATH and nothing of this container's environment.
host() {
  if [ -n "${SLIPWAY_HOST:-}" ]; then
    $SLIPWAY_HOST "$@"
  else
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
  fi
}

installed() {
  # shellcheck disable=SC2016 # dpkg-query's own ${field} format
  [ "$(host dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

jail_answers() {
  waited=0
  while [ "$waited" -lt "${SLIPWAY_WAIT:-30}" ]; do
    if host fail2ban-client status sshd >/dev/null 2>&1; then return 0; fi
    sleep 1
    waited=$((waited + 1))
  done
  return 1
}

if [ "$mode" = off ]; then
  if [ -f "$jail" ]; then
    rm -f "$jail"
    log "removed $jail_path"
    if [ -f "$marker" ]; then
      host systemctl disable --now fail2ban.service || true
      rm -f "$marker"
      log "stopped and disabled the fail2ban Slipway installed (the package stays)"
    elif host systemctl is-active --quiet fail2ban.service; then
      host systemctl restart fail2ban.service || true
      log "fail2ban runs on without Slipway's jail"
    fi
  else
    log "fail2ban is off in cluster.yaml; nothing of Slipway's on this node"
  fi
  exit 0
fi

if [ "$mode" != on ]; then
  echo "slipway: unknown mode $mode (on or off)" >&2
  exit 2
fi

os_id=$(sed -n 's/^ID=//p' "$root/etc/os-release" 2>/dev/null | tr -d '"')
case "$os_id" in
  debian | ubuntu) ;;
  *)
    echo "slipway: fail2ban is installed with apt (Debian, Ubuntu); this node runs '${os_id:-unknown}'" >&2
    exit 1
    ;;
esac

mkdir -p "$dir"
new=$(mktemp "$dir/.slipway.XXXXXX")
old="$dir/.slipway.previous"
trap 'rm -f "$new"' EXIT
printf '%s' "${SLIPWAY_JAIL:?SLIPWAY_JAIL is not set}" | base64 -d > "$new"
chmod 0644 "$new"

missing=""
for p in $packages; do
  installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ] && [ -f "$jail" ] && cmp -s "$new" "$jail" && host systemctl is-active --quiet fail2ban.service; then
  log "$jail_path is up to date and fail2ban runs; nothing restarted"
  exit 0
fi

# The jail goes in first: the package's postinst starts fail2ban, and with the stock jail alone
# (backend auto) it fails on Debian 12 for want of /var/log/auth.log.
rm -f "$old"
if [ -f "$jail" ]; then cp -p "$jail" "$old"; fi
mv -f "$new" "$jail"

if [ -n "$missing" ]; then
  fresh=""
  installed fail2ban || fresh=yes
  log "installing$missing"
  # unattended-upgrades may hold the lock; DPkg::Lock::Timeout waits for it (apt >= 1.9.11).
  host apt-get -q -o DPkg::Lock::Timeout=600 update
  # shellcheck disable=SC2086 # one argument per package
  host apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends $packages
  if [ -n "$fresh" ]; then
    mkdir -p "$(dirname "$marker")"
    : > "$marker"
  fi
fi

if host systemctl enable fail2ban.service && host systemctl restart fail2ban.service && jail_answers; then
  rm -f "$old"
  log "fail2ban runs the sshd jail from $jail_path"
  exit 0
fi

echo "slipway: fail2ban did not come up with the new $jail_path; restoring the previous one" >&2
host journalctl -u fail2ban.service -n 20 --no-pager >&2 || true
if [ -f "$old" ]; then mv -f "$old" "$jail"; else rm -f "$jail"; fi
host systemctl restart fail2ban.service || true
exit 1
