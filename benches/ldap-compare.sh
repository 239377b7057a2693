#!/usr/bin/env bash
# ldap-compare.sh -- live-LDAP throughput and peak memory of `resetgap scan --ldap` against
# `ldapsearch -E pr=1000/noprompt` dumping the same entries to /dev/null (target: <= 1.5x time).
#
#   benches/ldap-compare.sh [N]      N generated users (default 100000), loaded offline into a
#                                    throwaway slapd on 127.0.0.1 (tests/ldap/start-slapd.sh)
#   RESETGAP=path/to/resetgap        binary to measure (default: target/release/resetgap if it has
#                                    --ldap, else target/debug/resetgap)
#   RUNS=3                           runs per tool; the best time and its peak RSS are reported
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${RUNS:-3}
if [ -z "${RESETGAP:-}" ]; then
  RESETGAP=target/debug/resetgap
  if [ -x target/release/resetgap ] && target/release/resetgap scan --help | grep -q -- '--ldap'; then
    RESETGAP=target/release/resetgap
  fi
fi
[ -x "$RESETGAP" ] || { echo "build resetgap first (cargo build)" >&2; exit 2; }
if [ ! -x /usr/bin/time ]; then
  [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null 2>&1 || true
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

t0=$(date +%s.%N)
ENV_FILE=$(SLAPD_BULK_USERS=$N tests/ldap/start-slapd.sh | tail -1)
# shellcheck disable=SC1090
. "$ENV_FILE"
trap 'tests/ldap/start-slapd.sh stop "$SLAPD_WORKDIR"' EXIT
echo "slapd with $N bulk users ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s" >&2
W=$(mktemp -d --tmpdir resetgap-bench.XXXXXX)
trap 'tests/ldap/start-slapd.sh stop "$SLAPD_WORKDIR"; rm -rf "$W"' EXIT
printf '%s' "$LDAP_BINDPW" > "$W/pw"; chmod 600 "$W/pw"
ENTRIES=$(ldapsearch -x -LLL -H "$LDAP_URI" -D "$LDAP_BINDDN" -y "$W/pw" -b "$LDAP_BASE" -E pr=1000/noprompt dn | grep -c '^dn:')

# measure NAME CMD...: best wall time (s) and the peak RSS (KiB) of that run
measure() {
  local name=$1; shift
  local best="" rss=""
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
      rc=$?; [ "$name" = resetgap ] && [ $rc -le 1 ] || { cat "$W/err" >&2; echo "$name failed (rc=$rc)" >&2; exit 1; }; }
    read -r secs kib < <(tail -1 "$W/time")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; rss=$kib; fi
  done
  printf '%s %s %s\n' "$name" "$best" "$rss"
}

R=$(measure resetgap "$RESETGAP" scan --ldap "$LDAP_URI" --base "$LDAP_BASE" --bind-dn "$LDAP_BINDDN" \
      --bind-password-file "$W/pw" --no-progress --format sarif -o /dev/null --save-ldif "$W/saved.ldif" --fail-on none)
L=$(measure ldapsearch ldapsearch -x -LLL -o ldif_wrap=no -H "$LDAP_URI" -D "$LDAP_BINDDN" -y "$W/pw" \
      -b "$LDAP_BASE" -E pr=1000/noprompt '(objectClass=*)' '*' '+')
SAVED=$(grep -c '^dn' "$W/saved.ldif")
[ "$SAVED" = "$ENTRIES" ] || { echo "resetgap saved $SAVED entries, the directory has $ENTRIES" >&2; exit 1; }
read -r _ rt rk <<<"$R"; read -r _ lt lk <<<"$L"
awk -v n="$ENTRIES" -v rt="$rt" -v rk="$rk" -v lt="$lt" -v lk="$lk" -v bin="$RESETGAP" 'BEGIN {
  printf "entries: %d (paged, 1000 per page, attributes * +), binary %s\n", n, bin
  printf "%-34s %8s %12s %12s\n", "tool", "time s", "entries/s", "peak RSS MiB"
  printf "%-34s %8.2f %12.0f %12.1f\n", "resetgap scan --ldap (saves LDIF)", rt, n / (rt > 0 ? rt : 0.01), rk / 1024
  printf "%-34s %8.2f %12.0f %12.1f\n", "ldapsearch -E pr=1000 > /dev/null", lt, n / (lt > 0 ? lt : 0.01), lk / 1024
  printf "ratio resetgap/ldapsearch: time %.2fx (target <= 1.5x), memory %.2fx\n", rt / (lt > 0 ? lt : 0.01), rk / (lk > 0 ? lk : 1)
}'
