#!/bin/sh
# dns-failover prober: probes every failover node and rewrites the zone that CoreDNS serves
# (`file` plugin) whenever the set of healthy nodes changes.
#
# A static file, not a template: one copy runs on every DNS server node, and everything it needs
# comes from the environment and from the config file that generator/dns/zone-config.ts writes.
# It runs under BusyBox sh and uses only applets that both Debian's busybox and the official
# busybox image (make defconfig) ship: nc, wget, timeout, date, mv, rm, tail, sleep, kill.
#
# Environment (defaults in brackets):
#   ZONE          zone apex, e.g. example.com (required)
#   CONFIG        config file [/etc/dns-failover/prober.conf]
#   ZONE_DIR      directory shared with CoreDNS; the zone is ZONE_DIR/db.ZONE [/zone]
#   TTL           TTL of the failover A/AAAA records [30]
#   NS_TTL        TTL of NS, glue and SOA ($TTL of the zone) [3600]
#   PROBE_KIND    tcp | http [tcp]
#   PROBE_PORT    port probed on every node (required)
#   PROBE_PATH    path for http probes [/]
#   INTERVAL      seconds between probe rounds [5]
#   TIMEOUT       seconds one probe may take [2]
#   FAILURES      consecutive failures before a node goes down [3]
#   SUCCESSES     consecutive successes before a down node comes back [2]
#   SOA_MNAME     primary name server [first ns line, made absolute]
#   SOA_RNAME     responsible mailbox [hostmaster.ZONE.]
#   SOA_REFRESH SOA_RETRY SOA_EXPIRE SOA_MINIMUM [3600 600 1209600 60]
#
# Config file, one directive a line; blank lines and lines starting with # are ignored:
#   node NAME ADDRESS          a node to probe (IPv4 or IPv6 address)
#   ns LABEL ADDRESS           an in-zone name server (LABEL.ZONE.) and its glue address
#   record NAME NODE[,NODE..]  failover record NAME ('@' or relative): A/AAAA for the healthy NODEs
#   extra LINE...              a static zone line, copied verbatim
#
# Files it keeps in ZONE_DIR (an emptyDir survives container restarts, so these do too):
#   db.ZONE           the zone, replaced atomically (write a temp file in the same dir, then mv)
#   .db.ZONE.serial   last serial written, so a restart never reuses or lowers it
#   .db.ZONE.state    last known up/down of every node, so a restart does not re-add dead nodes
#
# Timing: a node goes down at most FAILURES * (INTERVAL + TIMEOUT) seconds after it stops
# answering; add the record TTL for clients to notice.

set -u
set -f # config fields are split on blanks; never expand them as globs

# Log lines go to the original stdout through fd 3, so functions whose output is captured with
# $(...) can still log.
exec 3>&1
log() { printf '%s\n' "$*" >&3; }
die() {
	printf 'dns-failover: %s\n' "$*" >&2
	exit 1
}

is_uint() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# need_uint NAME VALUE MIN: positive integers only; $((..)) on anything else is a syntax error.
need_uint() {
	is_uint "$2" || die "$1 must be a whole number, got '$2'"
	[ "$2" -ge "$3" ] || die "$1 must be at least $3, got $2"
}

# Names and addresses end up in the zone file and in eval'd variable names' values: allow only
# characters that cannot break either.
is_name() {
	case $1 in
	'' | *[!A-Za-z0-9._-]*) return 1 ;;
	esac
	return 0
}
is_record_name() {
	[ "$1" = @ ] && return 0
	case $1 in
	'' | .* | *. | *..*) return 1 ;;
	esac
	is_name "$1"
}
is_address() {
	case $1 in
	*[!0-9A-Fa-f.:]*) return 1 ;;
	*:*:* | *.*.*.*) return 0 ;;
	esac
	return 1
}

ZONE=${ZONE:-}
ZONE=${ZONE%.}
[ -n "$ZONE" ] || die 'ZONE is required'
case $ZONE in .* | *..*) die "bad ZONE '$ZONE'" ;; esac
is_name "$ZONE" || die "bad ZONE '$ZONE'"
CONFIG=${CONFIG:-/etc/dns-failover/prober.conf}
ZONE_DIR=${ZONE_DIR:-/zone}
TTL=${TTL:-30}
NS_TTL=${NS_TTL:-3600}
PROBE_KIND=${PROBE_KIND:-tcp}
PROBE_PORT=${PROBE_PORT:-}
PROBE_PATH=${PROBE_PATH:-/}
INTERVAL=${INTERVAL:-5}
TIMEOUT=${TIMEOUT:-2}
FAILURES=${FAILURES:-3}
SUCCESSES=${SUCCESSES:-2}
SOA_RNAME=${SOA_RNAME:-hostmaster.$ZONE.}
SOA_REFRESH=${SOA_REFRESH:-3600}
SOA_RETRY=${SOA_RETRY:-600}
SOA_EXPIRE=${SOA_EXPIRE:-1209600}
SOA_MINIMUM=${SOA_MINIMUM:-60}

need_uint TTL "$TTL" 1
need_uint NS_TTL "$NS_TTL" 1
need_uint PROBE_PORT "$PROBE_PORT" 1
[ "$PROBE_PORT" -le 65535 ] || die "PROBE_PORT must be at most 65535, got $PROBE_PORT"
need_uint INTERVAL "$INTERVAL" 1
need_uint TIMEOUT "$TIMEOUT" 1
need_uint FAILURES "$FAILURES" 1
need_uint SUCCESSES "$SUCCESSES" 1
need_uint SOA_REFRESH "$SOA_REFRESH" 1
need_uint SOA_RETRY "$SOA_RETRY" 1
need_uint SOA_EXPIRE "$SOA_EXPIRE" 1
need_uint SOA_MINIMUM "$SOA_MINIMUM" 0
case $PROBE_KIND in tcp | http) ;; *) die "PROBE_KIND must be tcp or http, got '$PROBE_KIND'" ;; esac
case $PROBE_PATH in /*) ;; *) die "PROBE_PATH must start with /, got '$PROBE_PATH'" ;; esac
case $PROBE_PATH in *' '* | *'	'*) die "PROBE_PATH must not contain blanks: '$PROBE_PATH'" ;; esac
[ -d "$ZONE_DIR" ] || die "ZONE_DIR $ZONE_DIR is not a directory"
[ -r "$CONFIG" ] || die "cannot read CONFIG $CONFIG"

# Counters never need to exceed the larger threshold; capping them keeps the arithmetic bounded
# however long a node stays in one state.
cap=$FAILURES
[ "$SUCCESSES" -gt "$cap" ] && cap=$SUCCESSES

# --- config -------------------------------------------------------------------------------
# POSIX sh has no arrays: item i lives in variables like node_name_3. eval only ever sees
# "var_N=\$value", so a value is assigned, never parsed as code.

# Scratch variables that eval assigns (shellcheck cannot see through eval).
nm="" ad="" lb="" rn="" members="" u="" f="" s=""
n_nodes=0
n_ns=0
n_records=0
n_extra=0
lineno=0

node_index() { # NAME -> index on stdout, or status 1
	j=1
	while [ "$j" -le "$n_nodes" ]; do
		eval "nm=\$node_name_$j"
		if [ "$nm" = "$1" ]; then
			echo "$j"
			return 0
		fi
		j=$((j + 1))
	done
	return 1
}

while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	# shellcheck disable=SC2086 # split the line into fields on blanks, on purpose
	set -- $line
	[ "$#" -eq 0 ] && continue
	case $1 in
	'#'*) continue ;;
	node)
		[ "$#" -eq 3 ] || die "$CONFIG:$lineno: expected 'node NAME ADDRESS'"
		is_name "$2" || die "$CONFIG:$lineno: bad node name '$2'"
		is_address "$3" || die "$CONFIG:$lineno: bad address '$3'"
		node_index "$2" >/dev/null && die "$CONFIG:$lineno: node $2 listed twice"
		n_nodes=$((n_nodes + 1))
		eval "node_name_$n_nodes=\$2 node_addr_$n_nodes=\$3"
		;;
	ns)
		[ "$#" -eq 3 ] || die "$CONFIG:$lineno: expected 'ns LABEL ADDRESS'"
		if [ "$2" = @ ] || ! is_record_name "$2"; then
			die "$CONFIG:$lineno: bad name server label '$2'"
		fi
		is_address "$3" || die "$CONFIG:$lineno: bad address '$3'"
		n_ns=$((n_ns + 1))
		eval "ns_label_$n_ns=\$2 ns_addr_$n_ns=\$3"
		;;
	record)
		[ "$#" -eq 3 ] || die "$CONFIG:$lineno: expected 'record NAME NODE[,NODE...]'"
		is_record_name "$2" || die "$CONFIG:$lineno: bad record name '$2'"
		members=""
		old_ifs=$IFS
		IFS=,
		for nm in $3; do
			idx=$(node_index "$nm") || die "$CONFIG:$lineno: record $2 names unknown node '$nm'"
			members="$members $idx"
		done
		IFS=$old_ifs
		[ -n "$members" ] || die "$CONFIG:$lineno: record $2 has no nodes"
		n_records=$((n_records + 1))
		eval "record_name_$n_records=\$2 record_nodes_$n_records=\$members"
		;;
	extra)
		# Keep the rest of the line verbatim, minus the blanks after the keyword: a zone line
		# that starts with a blank would silently inherit the previous record's owner name.
		rest=${line#*extra}
		rest=${rest#"${rest%%[! 	]*}"}
		[ -n "$rest" ] || die "$CONFIG:$lineno: expected 'extra LINE...'"
		n_extra=$((n_extra + 1))
		eval "extra_$n_extra=\$rest"
		;;
	*) die "$CONFIG:$lineno: unknown directive '$1'" ;;
	esac
done <"$CONFIG"

[ "$n_nodes" -gt 0 ] || die "$CONFIG has no node lines"
[ "$n_ns" -gt 0 ] || die "$CONFIG has no ns lines (a zone needs at least one NS)"
[ "$n_records" -gt 0 ] || die "$CONFIG has no record lines"
SOA_MNAME=${SOA_MNAME:-$ns_label_1.$ZONE.}

zone_file=$ZONE_DIR/db.$ZONE
serial_file=$ZONE_DIR/.db.$ZONE.serial
state_file=$ZONE_DIR/.db.$ZONE.state

# --- state --------------------------------------------------------------------------------
# Every node starts up, except one the state file remembers as down at the same address: that
# one starts down and needs SUCCESSES good probes, so a prober restart does not re-add it.

i=1
while [ "$i" -le "$n_nodes" ]; do
	eval "nm=\$node_name_$i ad=\$node_addr_$i"
	eval "up_$i=1 fail_$i=0 ok_$i=0"
	if [ -f "$state_file" ]; then
		while read -r k snm sad st; do
			[ "$k" = node ] && [ "$snm" = "$nm" ] && [ "$sad" = "$ad" ] && [ "$st" = down ] && eval "up_$i=0"
		done <"$state_file"
	fi
	i=$((i + 1))
done

health() { # one 0/1 per node, e.g. 101
	h=""
	i=1
	while [ "$i" -le "$n_nodes" ]; do
		eval "h=\$h\$up_$i"
		i=$((i + 1))
	done
	echo "$h"
}

# --- zone ---------------------------------------------------------------------------------

rr_type() { # ADDRESS -> A or AAAA
	case $1 in *:*) echo AAAA ;; *) echo A ;; esac
}

# Everything below the SOA line. It depends only on config and health, so comparing it with the
# file on disk tells whether anything changed; the serial is not part of it.
zone_body() {
	i=1
	while [ "$i" -le "$n_ns" ]; do
		eval "lb=\$ns_label_$i"
		printf '@ IN NS %s.%s.\n' "$lb" "$ZONE"
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$n_ns" ]; do
		eval "lb=\$ns_label_$i ad=\$ns_addr_$i"
		printf '%s IN %s %s\n' "$lb" "$(rr_type "$ad")" "$ad"
		i=$((i + 1))
	done
	r=1
	while [ "$r" -le "$n_records" ]; do
		eval "rn=\$record_name_$r members=\$record_nodes_$r"
		healthy=""
		for idx in $members; do
			eval "u=\$up_$idx"
			[ "$u" = 1 ] && healthy="$healthy $idx"
		done
		# Never publish an empty set: NXDOMAIN/NODATA would be cached for SOA_MINIMUM and take
		# the name down harder than any dead node. Serve everything and let clients retry.
		[ -n "$healthy" ] || healthy=$members
		for idx in $healthy; do
			eval "ad=\$node_addr_$idx"
			printf '%s %s IN %s %s\n' "$rn" "$TTL" "$(rr_type "$ad")" "$ad"
		done
		r=$((r + 1))
	done
	i=1
	while [ "$i" -le "$n_extra" ]; do
		eval "printf '%s\n' \"\$extra_$i\""
		i=$((i + 1))
	done
}

log_all_failing() {
	r=1
	while [ "$r" -le "$n_records" ]; do
		eval "rn=\$record_name_$r members=\$record_nodes_$r"
		any=0
		for idx in $members; do
			eval "u=\$up_$idx"
			[ "$u" = 1 ] && any=1
		done
		[ "$any" = 1 ] || log "all probes failing for $rn: serving every address"
		r=$((r + 1))
	done
}

# The serial is only ever compared for equality by CoreDNS (it reloads when it differs), but
# resolvers and humans read it as a version: epoch seconds, and never below the last one + 1 even
# if the clock stepped back or two changes fall in one second.
next_serial() {
	now=$(date +%s)
	prev=0
	if [ -f "$serial_file" ]; then
		read -r prev <"$serial_file" || prev=0
		is_uint "$prev" || prev=0
	fi
	if [ "$now" -gt "$prev" ]; then echo "$now"; else echo $((prev + 1)); fi
}

write_state() {
	i=1
	while [ "$i" -le "$n_nodes" ]; do
		eval "nm=\$node_name_$i ad=\$node_addr_$i u=\$up_$i"
		if [ "$u" = 1 ]; then st=up; else st=down; fi
		printf 'node %s %s %s\n' "$nm" "$ad" "$st"
		i=$((i + 1))
	done >"$state_file.tmp" && mv -f "$state_file.tmp" "$state_file"
}

healthy_names() {
	names=""
	i=1
	while [ "$i" -le "$n_nodes" ]; do
		eval "u=\$up_$i nm=\$node_name_$i"
		[ "$u" = 1 ] && names="$names $nm"
		i=$((i + 1))
	done
	echo "${names# }"
}

# Rewrite the zone only if its records differ from the file on disk. Returns non-zero if a write
# failed, so the caller retries on the next round.
update_zone() {
	body=$(zone_body)
	log_all_failing
	write_state || return 1
	old_body=""
	[ -f "$zone_file" ] && old_body=$(tail -n +5 "$zone_file")
	# Same records as on disk (for example all-down serves what all-up served): leave the file,
	# its serial and its mtime alone.
	[ -f "$zone_file" ] && [ "$body" = "$old_body" ] && return 0
	serial=$(next_serial)
	printf '%s\n' "$serial" >"$serial_file.tmp" && mv -f "$serial_file.tmp" "$serial_file" || return 1
	# The header is exactly four lines (zone_body starts at line 5); keep it that way.
	{
		printf '; generated by the slipway dns-failover prober; rewritten when node health changes\n'
		# shellcheck disable=SC2016 # $ORIGIN and $TTL are zone-file directives, not shell
		printf '$ORIGIN %s.\n$TTL %s\n' "$ZONE" "$NS_TTL"
		printf '@ IN SOA %s %s %s %s %s %s %s\n' "$SOA_MNAME" "$SOA_RNAME" "$serial" \
			"$SOA_REFRESH" "$SOA_RETRY" "$SOA_EXPIRE" "$SOA_MINIMUM"
		printf '%s\n' "$body"
	} >"$zone_file.tmp" && mv -f "$zone_file.tmp" "$zone_file" || return 1
	hn=$(healthy_names)
	log "zone $ZONE serial $serial written (healthy: ${hn:-none})"
}

# --- probing ------------------------------------------------------------------------------

# Debian's busybox nc has no -z, and its wget has no working -T (it crashes), so: nc connects and
# runs `true` on the socket (-e must come last for the small nc), and `timeout` bounds both
# commands. wget fails on any non-2xx answer; -Y off keeps proxy variables out of health checks.
probe() { # ADDRESS
	case $PROBE_KIND in
	tcp)
		timeout "$TIMEOUT" nc -w "$TIMEOUT" "$1" "$PROBE_PORT" -e true
		;;
	http)
		case $1 in *:*) host="[$1]" ;; *) host=$1 ;; esac
		timeout "$TIMEOUT" wget -q -Y off -O /dev/null "http://$host:$PROBE_PORT$PROBE_PATH"
		;;
	esac
}

# Probe all nodes in parallel so one round takes at most TIMEOUT whatever the node count.
probe_round() {
	pids=""
	i=1
	while [ "$i" -le "$n_nodes" ]; do
		eval "ad=\$node_addr_$i"
		probe "$ad" >/dev/null 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	i=1
	for pid in $pids; do
		if wait "$pid"; then ok=1; else ok=0; fi
		eval "nm=\$node_name_$i ad=\$node_addr_$i u=\$up_$i f=\$fail_$i s=\$ok_$i"
		if [ "$ok" = 1 ]; then
			f=0
			[ "$s" -lt "$cap" ] && s=$((s + 1))
			if [ "$u" = 0 ] && [ "$s" -ge "$SUCCESSES" ]; then
				u=1
				log "state $nm $ad up ($s successes)"
			fi
		else
			s=0
			[ "$f" -lt "$cap" ] && f=$((f + 1))
			if [ "$u" = 1 ] && [ "$f" -ge "$FAILURES" ]; then
				u=0
				log "state $nm $ad down ($f failures)"
			fi
		fi
		eval "up_$i=\$u fail_$i=\$f ok_$i=\$s"
		i=$((i + 1))
	done
}

sleep_pid=""
# sh is PID 1 in the container and PID 1 ignores signals it has no handler for.
trap '[ -n "$sleep_pid" ] && kill "$sleep_pid" 2>/dev/null; exit 0' TERM INT

log "start zone $ZONE: $n_nodes nodes, $n_records records, probe $PROBE_KIND port $PROBE_PORT every ${INTERVAL}s, timeout ${TIMEOUT}s, down after $FAILURES failures, up after $SUCCESSES successes"

# Write (or keep) the zone before the first probe so CoreDNS has data as soon as possible.
written=""
if update_zone; then written=$(health); else log "zone $ZONE: write failed, retrying next round"; fi

while :; do
	probe_round
	now_health=$(health)
	if [ "$now_health" != "$written" ]; then
		if update_zone; then
			written=$now_health
		else
			log "zone $ZONE: write failed, retrying next round"
		fi
	fi
	# Sleep in the background and wait, so TERM interrupts the wait at once.
	sleep "$INTERVAL" &
	sleep_pid=$!
	wait "$sleep_pid"
	sleep_pid=""
done
