#!/bin/sh
# Slipway: writes a K3s config drop-in and restarts K3s, only when the content changed. Run by the
# k3s-config-server and k3s-config-agent Plans of system-upgrade-controller, one node at a time.
#
# Usage: apply-dropin.sh ROOT FILE SERVICE
#   ROOT     where the host's / is mounted (/host in a Plan's Job)
#   FILE     the drop-in, e.g. /etc/rancher/k3s/config.yaml.d/50-slipway.yaml
#   SERVICE  k3s or k3s-agent
# Environment:
#   SLIPWAY_DROPIN     the drop-in's content, base64
#   SLIPWAY_DROPIN_<NODE>  this node's own drop-in instead (<NODE>: SYSTEM_UPGRADE_NODE_NAME
#                      upper-cased, - as _), when it holds more than its role's (its etcd snapshot
#                      directory on its own volume)
#   SLIPWAY_SYSTEMCTL  how to reach the host's systemd (default: chroot ROOT systemctl)
#
# K3s reads its config only when it starts. When K3s does not come back with the new drop-in, the
# previous one is put back and K3s restarted with it, and the Job fails: the Plan stops here
# (concurrency 1), with this node still running its old configuration.
set -eu

root=$1
file=$2
service=$3
target="$root$file"
dir=$(dirname "$target")
systemctl_() {
  if [ -n "${SLIPWAY_SYSTEMCTL:-}" ]; then
    $SLIPWAY_SYSTEMCTL "$@"
  else
    chroot "$root" systemctl "$@"
  fi
}

mkdir -p "$dir"
new=$(mktemp "$dir/.50-slipway.XXXXXX")
old="$dir/.50-slipway.previous"
trap 'rm -f "$new"' EXIT
content=$SLIPWAY_DROPIN
var=$(printf '%s' "${SYSTEM_UPGRADE_NODE_NAME:-}" | tr 'a-z-' 'A-Z_')
case "$var" in
  '' | *[!A-Z0-9_]*) ;;
  *) eval "own=\${SLIPWAY_DROPIN_$var:-}"; if [ -n "$own" ]; then content=$own; fi ;;
esac
printf '%s' "$content" | base64 -d > "$new"
if [ -f "$target" ] && cmp -s "$new" "$target"; then
  echo "slipway: $file is up to date; $service not restarted"
  exit 0
fi

# Keep what K3s runs with now, then swap in the new file in one rename.
rm -f "$old"
if [ -f "$target" ]; then cp -p "$target" "$old"; fi
chmod 0600 "$new"
sync
mv -f "$new" "$target"
echo "slipway: wrote $file; restarting $service"

healthy() {
  systemctl_ restart "$service" || return 1
  # Type=notify: restart returns once K3s reports ready; make sure it stays up.
  for _ in 1 2 3 4 5 6; do
    sleep "${SLIPWAY_SETTLE:-5}"
    systemctl_ is-active --quiet "$service" || return 1
  done
}

if healthy; then
  rm -f "$old"
  echo "slipway: $service runs with the new configuration"
  exit 0
fi
echo "slipway: $service did not come back with the new $file; restoring the previous one" >&2
if [ -f "$old" ]; then mv -f "$old" "$target"; else rm -f "$target"; fi
systemctl_ restart "$service" || true
exit 1
