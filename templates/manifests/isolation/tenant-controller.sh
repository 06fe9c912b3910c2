#!/bin/sh
# Slipway: isolates tenant namespaces created at runtime (network.isolation.tenants), run by the
# slipway-tenant-controller Deployment.
#
# Usage: tenant-controller.sh POLICY PREFIXES EXCEPT
#   POLICY    the isolation NetworkPolicy (no namespace), applied in every tenant namespace
#   PREFIXES  space-separated name prefixes that make a namespace a tenant
#   EXCEPT    space-separated names that match a prefix but are no tenants
# A namespace labelled slipway.dev/tenant=true is a tenant whatever its name.
# Environment:
#   SLIPWAY_KUBECTL   the kubectl command (default kubectl)
#   SLIPWAY_PASSES    stop after this many passes (tests; default 0: never)
#   SLIPWAY_INTERVAL  seconds between passes (default 5)
#   SLIPWAY_RESYNC    every this many passes, re-apply the policy in every tenant (default 120)
#
# Per tenant, in this order: the tenant label and Pod Security (Cilium's guard selects tenants by
# the label), the policy, and last the isolated mark: the admission policy for pods admits none in
# a tenant namespace before that mark, so no tenant pod ever runs without its policy.
set -u

policy=$1
prefixes=$2
except=$3

log() { echo "slipway-tenants: $*"; }
kubectl_() { ${SLIPWAY_KUBECTL:-kubectl} "$@"; }

# is_tenant NAME TENANT_LABEL_VALUE
is_tenant() {
  [ "$2" = true ] && return 0
  for x in $except; do
    [ "$1" = "$x" ] && return 1
  done
  for p in $prefixes; do
    case $1 in
      "$p"*) return 0 ;;
    esac
  done
  return 1
}

# isolate NAME PSA_ENFORCE_VALUE
isolate() {
  case $2 in
    baseline | restricted) psa="" ;;
    *) psa="pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted" ;;
  esac
  # shellcheck disable=SC2086 # psa is a list of words
  kubectl_ label namespace "$1" --overwrite slipway.dev/tenant=true $psa >/dev/null &&
    kubectl_ apply --namespace "$1" --server-side --force-conflicts --field-manager=slipway-tenant-controller -f "$policy" >/dev/null &&
    kubectl_ label namespace "$1" --overwrite slipway.dev/isolated=true >/dev/null
}

# pass FULL: isolate every tenant not marked isolated yet; FULL=1 re-applies the policy everywhere.
pass() {
  list=$(kubectl_ get namespaces -o 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.metadata.labels.slipway\.dev/tenant}{"|"}{.metadata.labels.slipway\.dev/isolated}{"|"}{.metadata.labels.pod-security\.kubernetes\.io/enforce}{"|"}{.metadata.deletionTimestamp}{"\n"}{end}') || {
    log "cannot list namespaces; retrying"
    return 0
  }
  printf '%s\n' "$list" | while IFS='|' read -r ns tenant isolated enforce deleting; do
    [ -n "$ns" ] || continue
    [ -z "$deleting" ] || continue
    is_tenant "$ns" "$tenant" || continue
    [ "$1" = 1 ] || [ "$isolated" != true ] || continue
    if isolate "$ns" "$enforce"; then
      [ "$isolated" = true ] || log "isolated tenant namespace $ns"
    else
      log "could not isolate $ns yet (its pods stay rejected); retrying"
    fi
  done
}

# The first pass, and every SLIPWAY_RESYNC-th after it, is a full one.
n=0
passes=0
while :; do
  full=0
  [ "$n" -eq 0 ] && full=1
  pass "$full"
  passes=$((passes + 1))
  [ "$passes" = "${SLIPWAY_PASSES:-0}" ] && exit 0
  n=$((n + 1))
  [ "$n" -lt "${SLIPWAY_RESYNC:-120}" ] || n=0
  sleep "${SLIPWAY_INTERVAL:-5}"
done
