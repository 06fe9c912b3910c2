#!/bin/sh
# Slipway: the cluster's firewall on one node, run by the host-firewall DaemonSet.
#
# Usage: host-firewall.sh ROOT RULESETS NODE KEEP SERVE
#   ROOT      where the host's / is mounted (/host)
#   RULESETS  the ConfigMap's directory: the distinct rulesets, and `nodes`, one line per node of
#             cluster.yaml: NODE RULESET-FILE
#   NODE      this node
#   KEEP      host path of this node's applied ruleset, which the boot unit loads at the next boot
#   SERVE     host path where a server serves every node's ruleset (under K3s's server/static/)
# Environment:
#   SLIPWAY_NFT       nft command run with the ruleset's real path (default: chroot ROOT nft)
#   SLIPWAY_ONCE      1: one pass, then exit (tests)
#   SLIPWAY_INTERVAL  seconds between passes (default 20)
#
# Each ruleset replaces table inet slipway as a whole; nothing else of the host's rules is touched.
set -u

root=$1
rulesets=$2
node=$3
keep=$4
serve=$5

log() { echo "slipway: $*"; }

# nft on a host path: through the host's binary, or the given command on the path under ROOT.
nft_() {
  flag=$1
  path=$2
  if [ -n "${SLIPWAY_NFT:-}" ]; then
    $SLIPWAY_NFT "$flag" "$root$path"
  else
    chroot "$root" nft "$flag" "$path"
  fi
}

table_present() {
  if [ -n "${SLIPWAY_NFT:-}" ]; then
    $SLIPWAY_NFT list table inet slipway >/dev/null 2>&1
  else
    chroot "$root" nft list table inet slipway >/dev/null 2>&1
  fi
}

applied=""
missing_said=""
# The ruleset file of node $1, from the nodes list; empty when the node is not in it.
ruleset_of() {
  awk -v n="$1" '$1 == n { print $2; exit }' "$rulesets/nodes" 2>/dev/null
}

apply() {
  file=$(ruleset_of "$node")
  rules="$rulesets/$file"
  if [ -z "$file" ] || [ ! -f "$rules" ]; then
    [ -n "$missing_said" ] || log "no ruleset for $node in the tree: keeping this node's firewall as it is"
    missing_said=yes
    return 0
  fi
  if [ "$applied" = yes ] && cmp -s "$rules" "$root$keep" && table_present; then return 0; fi
  mkdir -p "$(dirname "$root$keep")"
  cp "$rules" "$root$keep.new"
  if nft_ -c "$keep.new" && nft_ -f "$keep.new"; then
    mv -f "$root$keep.new" "$root$keep"
    applied=yes
    log "applied the cluster firewall of $node"
  else
    rm -f "$root$keep.new"
    log "the ruleset for $node does not load; the firewall is left as it was"
  fi
}

# Only servers serve: K3s's data directory has a server/ there.
publish() {
  server_dir=${serve%/static/*}
  [ -d "$root$server_dir" ] || return 0
  mkdir -p "$root$serve"
  while read -r each file; do
    f="$rulesets/$file"
    if [ -z "$each" ] || [ ! -f "$f" ]; then continue; fi
    if ! cmp -s "$f" "$root$serve/$each.nft"; then
      cp "$f" "$root$serve/.$each.nft.tmp"
      mv -f "$root$serve/.$each.nft.tmp" "$root$serve/$each.nft"
    fi
  done < "$rulesets/nodes"
  for f in "$root$serve"/*.nft; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .nft)
    [ -n "$(ruleset_of "$name")" ] || rm -f "$f"
  done
}

while :; do
  apply
  publish
  [ "${SLIPWAY_ONCE:-}" = 1 ] && exit 0
  sleep "${SLIPWAY_INTERVAL:-20}"
done
