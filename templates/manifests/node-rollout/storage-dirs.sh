#!/bin/sh
# Slipway: creates this node's storage directories (storage.volumes on this node, and
# storage.localPath) with their owners. Run by the storage-dirs Plan on every node, again whenever
# the list changes; idempotent. A directory that is no longer listed is left as it is, with its
# data. Kept out of user-data so that adding a volume changes no node's user-data.
#
# Usage: storage-dirs.sh ROOT
#   ROOT  where the host's / is mounted (/host in a Plan's Job)
# Environment:
#   SYSTEM_UPGRADE_NODE_NAME  this node (set by system-upgrade-controller)
#   SLIPWAY_DIRS_<NODE>       its directories, PATH or PATH:UID:GID, separated by spaces
#                             (<NODE>: the name upper-cased, - as _); paths hold no space or colon
#   SLIPWAY_MOUNT_<NODE>      its data disk's mount point when a directory lies on it
#
# A directory that belongs on the data disk is never created on the root disk: when the disk is not
# mounted, nothing is created and the Job fails, so the Plan shows it.
set -eu

root=$1
node=$SYSTEM_UPGRADE_NODE_NAME
var=$(printf '%s' "$node" | tr 'a-z-' 'A-Z_')
case "$var" in
  *[!A-Z0-9_]*) echo "slipway: unexpected node name $node" >&2; exit 1 ;;
esac
dirs=""
mount=""
eval "dirs=\${SLIPWAY_DIRS_$var:-}"
eval "mount=\${SLIPWAY_MOUNT_$var:-}"
if [ -z "$dirs" ]; then
  echo "slipway: no storage directories on $node"
  exit 0
fi
if [ -n "$mount" ] && ! mountpoint -q "$root$mount"; then
  echo "slipway: the data disk is not mounted at $mount on $node; not creating storage directories" >&2
  exit 1
fi
for entry in $dirs; do
  path=${entry%%:*}
  owner=""
  [ "$path" = "$entry" ] || owner=${entry#*:}
  case "$path" in
    /*) ;;
    *) echo "slipway: not an absolute path: $path" >&2; exit 1 ;;
  esac
  mkdir -p "$root$path"
  if [ -n "$owner" ]; then
    chown "$owner" "$root$path"
    echo "slipway: $path ready on $node (owner $owner)"
  else
    echo "slipway: $path ready on $node"
  fi
done
