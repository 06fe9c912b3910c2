#!/bin/sh
# Slipway: sets this node's labels and taints from cluster.yaml through the API (K3s's node-label
# and node-taint act only when a node registers). Labels and taints it set before and that are gone
# from cluster.yaml are removed; others' are left alone. Run by the node-labels Plan on every node.
#
# Usage: node-labels.sh ROOT
#   ROOT  where the host's / is mounted (/host in a Plan's Job); kubectl is the host's K3s binary
# Environment:
#   SYSTEM_UPGRADE_NODE_NAME  this node (set by system-upgrade-controller)
#   SLIPWAY_NODE_<NODE>       set for every node of cluster.yaml (<NODE>: the name upper-cased, - as _)
#   SLIPWAY_LABELS_<NODE>     its labels, key=value separated by spaces
#   SLIPWAY_TAINTS_<NODE>     its taints, key[=value]:Effect separated by spaces
#   SLIPWAY_KUBECTL           the kubectl command (default: the host's k3s kubectl with this Job's token)
set -eu

root=$1
node=$SYSTEM_UPGRADE_NODE_NAME
var=$(printf '%s' "$node" | tr 'a-z-' 'A-Z_')
case "$var" in
  *[!A-Z0-9_]*) echo "slipway: unexpected node name $node" >&2; exit 1 ;;
esac
eval "known=\${SLIPWAY_NODE_$var:-}"
if [ -z "$known" ]; then
  echo "slipway: $node is not in cluster.yaml; its labels and taints are left alone"
  exit 0
fi
labels=""
taints=""
eval "labels=\${SLIPWAY_LABELS_$var:-}"
eval "taints=\${SLIPWAY_TAINTS_$var:-}"

if [ -z "${SLIPWAY_KUBECTL:-}" ]; then
  # The host's kubectl, authenticated as this Job's ServiceAccount (get and patch nodes only).
  sa=/var/run/secrets/kubernetes.io/serviceaccount
  run="$root/run/slipway-node-labels"
  mkdir -p "$run"
  chmod 0700 "$run"
  trap 'rm -rf "$run"' EXIT
  cp "$sa/token" "$run/token"
  cp "$sa/ca.crt" "$run/ca.crt"
  cat > "$run/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: cluster
    cluster:
      server: https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}
      certificate-authority: /run/slipway-node-labels/ca.crt
users:
  - name: node-labels
    user:
      tokenFile: /run/slipway-node-labels/token
contexts:
  - name: node-labels
    context:
      cluster: cluster
      user: node-labels
current-context: node-labels
KUBECONFIG
  SLIPWAY_KUBECTL="chroot $root /usr/local/bin/k3s kubectl --kubeconfig /run/slipway-node-labels/kubeconfig"
fi
k() { $SLIPWAY_KUBECTL "$@"; }

# A taint's identity is key:Effect (its value may change).
taint_id() {
  effect=${1##*:}
  key=${1%%:*}
  key=${key%%=*}
  printf '%s:%s' "$key" "$effect"
}

had_labels=$(k get node "$node" -o 'jsonpath={.metadata.annotations.slipway\.dev/labels}')
had_taints=$(k get node "$node" -o 'jsonpath={.metadata.annotations.slipway\.dev/taints}')
present=$(k get node "$node" -o 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}')

set --
keys=""
for l in $labels; do
  set -- "$@" "$l"
  keys="$keys${keys:+,}${l%%=*}"
done
for old in $(printf '%s' "$had_labels" | tr ',' ' '); do
  case " $labels " in
    *" $old="*) ;;
    *) set -- "$@" "$old-" ;;
  esac
done
if [ "$#" -gt 0 ]; then k label node "$node" --overwrite "$@"; fi

ids=""
for t in $taints; do ids="$ids${ids:+,}$(taint_id "$t")"; done
for old in $(printf '%s' "$had_taints" | tr ',' ' '); do
  case ",$ids," in
    *",$old,"*) ;;
    *)
      case " $present " in
        *" $old "*) k taint node "$node" "$old-" ;;
      esac
      ;;
  esac
done
# shellcheck disable=SC2086 # one argument per taint
if [ -n "$taints" ]; then k taint node "$node" --overwrite $taints; fi

k annotate node "$node" --overwrite "slipway.dev/labels=$keys" "slipway.dev/taints=$ids"
echo "slipway: $node has labels [${labels}] and taints [${taints}] from cluster.yaml"
