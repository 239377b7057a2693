#!/usr/bin/env bash
# ldap-compare.sh -- live-LDAP throughput and peak memory of `resetgap scan --ldap` against
# `ldapsearch -E pr=1000/noprompt` dumping the same entries to /dev/null (target: <= 1.5x time).
#
#   benches/ldap-compare.sh [N]      N generated users (default 100000), loaded offline into a
#                                    throwaway slapd on 127.0.0.1 (tests/ldap/start-slapd.sh)
#   RESETGAP=path/to/resetgap        binary to measure (default: target/release/resetgap if it has
#                                    --ldap, else target/debug/resetgap)
#   RUNS=5                           runs per tool, the tools taking turns; medians are reported:
#                                    wall time, CPU time (user + system), peak RSS, slapd's CPU time
#                                    during the run, and the load average (1 min) before it; then
#                                    the wall-time ratio of each pair of turns and its median
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${RUNS:-5}
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

# slapd's CPU time so far, in clock ticks (the server's share of each tool's read)
slapd_ticks() { awk '{print $14 + $15}' "/proc/$SLAPD_PID/stat"; }

# run_once NAME CMD...: one run, appended to $W/runs-NAME as its wall time (s), CPU time
# (user + system, s), peak RSS (KiB), slapd's CPU time (s) and the one-minute load average before it
run_once() {
  local name=$1; shift
  local load s0 s1
  load=$(cut -d' ' -f1 /proc/loadavg)
  s0=$(slapd_ticks)
  /usr/bin/time -f '%e %U %S %M' -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
    rc=$?; [ "$name" = resetgap ] && [ $rc -le 1 ] || { cat "$W/err" >&2; echo "$name failed (rc=$rc)" >&2; exit 1; }; }
  s1=$(slapd_ticks)
  read -r secs user sys kib < <(tail -1 "$W/time")
  echo "$secs $(awk -v u="$user" -v s="$sys" 'BEGIN{print u + s}') $kib $(awk -v a="$s0" -v b="$s1" -v hz="$(getconf CLK_TCK)" 'BEGIN{print (b - a) / hz}') $load" >> "$W/runs-$name"
}

# median NAME: the medians of each column of $W/runs-NAME
median() {
  med() { cut -d' ' -f"$1" "$W/runs-$2" | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
  printf '%s %s %s %s %s %s\n' "$1" "$(med 1 "$1")" "$(med 2 "$1")" "$(med 3 "$1")" "$(med 4 "$1")" "$(med 5 "$1")"
}

# The two tools take turns, so both meet the same machine: on a shared VM, ldapsearch's time
# (a ping-pong with slapd on one connection) swings between runs minutes apart.
: > "$W/runs-resetgap"; : > "$W/runs-ldapsearch"
for _ in $(seq 1 "$RUNS"); do
  run_once resetgap "$RESETGAP" scan --ldap "$LDAP_URI" --base "$LDAP_BASE" --bind-dn "$LDAP_BINDDN" \
      --bind-password-file "$W/pw" --no-progress --format sarif -o /dev/null --save-ldif "$W/saved.ldif" --fail-on none
  run_once ldapsearch ldapsearch -x -LLL -o ldif_wrap=no -H "$LDAP_URI" -D "$LDAP_BINDDN" -y "$W/pw" \
      -b "$LDAP_BASE" -E pr=1000/noprompt '(objectClass=*)' '*' '+'
done
R=$(median resetgap)
L=$(median ldapsearch)
# The ratio of each pair of turns, and their median.
PAIRS=$(paste -d' ' <(cut -d' ' -f1 "$W/runs-resetgap") <(cut -d' ' -f1 "$W/runs-ldapsearch") \
  | awk '{printf "%.2f\n", $1 / ($2 > 0 ? $2 : 0.01)}' | sort -g)
PAIR_MEDIAN=$(awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}' <<<"$PAIRS")
SAVED=$(grep -c '^dn' "$W/saved.ldif")
[ "$SAVED" = "$ENTRIES" ] || { echo "resetgap saved $SAVED entries, the directory has $ENTRIES" >&2; exit 1; }
read -r _ rt rc rk rs rl <<<"$R"; read -r _ lt lc lk ls ll <<<"$L"
awk -v n="$ENTRIES" -v rt="$rt" -v rc="$rc" -v rk="$rk" -v rs="$rs" -v rl="$rl" \
    -v lt="$lt" -v lc="$lc" -v lk="$lk" -v ls="$ls" -v ll="$ll" -v bin="$RESETGAP" -v runs="$RUNS" 'BEGIN {
  printf "entries: %d (paged, 1000 per page), binary %s, medians of %d runs\n", n, bin, runs
  printf "%-34s %7s %7s %10s %9s %9s %6s\n", "tool", "wall s", "CPU s", "entries/s", "RSS MiB", "slapd s", "load"
  printf "%-34s %7.2f %7.2f %10.0f %9.1f %9.2f %6.2f\n", "resetgap scan --ldap (saves LDIF)", rt, rc, n / (rt > 0 ? rt : 0.01), rk / 1024, rs, rl
  printf "%-34s %7.2f %7.2f %10.0f %9.1f %9.2f %6.2f\n", "ldapsearch * + > /dev/null", lt, lc, n / (lt > 0 ? lt : 0.01), lk / 1024, ls, ll
  printf "ratio resetgap/ldapsearch: wall %.2fx (target <= 1.5x), CPU with slapd %.2fx, memory %.2fx\n", rt / (lt > 0 ? lt : 0.01), (rc + rs) / (lc + ls > 0 ? lc + ls : 0.01), rk / (lk > 0 ? lk : 1)
}'
echo "wall ratio of each pair of turns (sorted): $(tr '\n' ' ' <<<"$PAIRS")(median ${PAIR_MEDIAN}x)"
echo "wall times, resetgap: $(cut -d' ' -f1 "$W/runs-resetgap" | tr '\n' ' ')"
echo "wall times, ldapsearch: $(cut -d' ' -f1 "$W/runs-ldapsearch" | tr '\n' ' ')"
