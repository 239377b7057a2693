#!/usr/bin/env bash
# Compares resetgap's full scan with ripgrep searching the same secret patterns over the same
# synthetic estate (benches/corpus.rs). Re-runnable: an existing corpus with the same parameters
# is reused.
#
# usage: benches/compare-rg.sh [DIR] [HOSTS] [FILES_PER_HOST]
#   DIR             corpus directory (default: a temp dir, removed at exit)
#   HOSTS           host trees (default 250)
#   FILES_PER_HOST  files per host (default 200)   -> 250 x 200 = 50,002 files
# env: JOBS (default 2), RUNS (default 3), SEED (default: the bench's), KEEP=1 keeps a temp corpus,
#      MIX=1 generates the mixed corpus (adds shell histories, large logs, jars and executables,
#      .git directories, a large LDIF and JSON export),
#      RESETGAP_ARGS (extra scan arguments, e.g. "--select RG501"),
#      RESETGAP_BIN (a prebuilt resetgap binary to time instead of building target/release).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD

HOSTS=${2:-250}
FILES=${3:-200}
JOBS=${JOBS:-2}
RUNS=${RUNS:-3}
SEED=${SEED:-}
RESETGAP_ARGS=${RESETGAP_ARGS:-}
MIX=${MIX:-}

if [[ $# -ge 1 && -n $1 ]]; then
    DIR=${1%/}
    CLEANUP=
else
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/resetgap-corpus.XXXXXX")
    CLEANUP=$DIR
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/resetgap-compare.XXXXXX")
cleanup() {
    rm -rf "$WORK"
    if [[ -n $CLEANUP && -z ${KEEP:-} ]]; then rm -rf "$CLEANUP" "$CLEANUP.corpus-params" "$CLEANUP.planted"; fi
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }

# --- ripgrep ---------------------------------------------------------------------------------
if ! command -v rg >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing ripgrep (apt-get)..."
        apt-get install -y ripgrep >/dev/null || { apt-get update >/dev/null && apt-get install -y ripgrep >/dev/null; }
    else
        say "error: rg (ripgrep) is not installed and this is not root; install it (apt-get install ripgrep) and re-run"
        exit 2
    fi
fi

# --- corpus ----------------------------------------------------------------------------------
STAMP="$HOSTS $FILES ${SEED:-default}${MIX:+ mixed}"
STAMP_FILE="$DIR.corpus-params"
if [[ -d $DIR/hosts && -f $STAMP_FILE && $(head -n1 "$STAMP_FILE") == "$STAMP" ]]; then
    say "reusing corpus $DIR ($STAMP)"
else
    if [[ -e $DIR && -n $(ls -A "$DIR" 2>/dev/null) ]]; then
        say "error: $DIR exists, is not empty and was not generated with these parameters ($STAMP); remove it or pick another dir"
        exit 2
    fi
    mkdir -p "$DIR"
    say "generating corpus: $HOSTS hosts x $FILES files into $DIR"
    # shellcheck disable=SC2086
    COUNTS=$(cargo bench --quiet --bench scan -- --generate "$DIR" "$HOSTS" "$FILES" $SEED ${MIX:+--mixed})
    printf '%s\n%s\n' "$STAMP" "$COUNTS" >"$STAMP_FILE"
fi

NFILES=$(find "$DIR" -type f | wc -l)
NBYTES=$(find "$DIR" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')

# --- binaries --------------------------------------------------------------------------------
if [[ -n ${RESETGAP_BIN:-} ]]; then
    BIN=$RESETGAP_BIN
    say "using $BIN (RESETGAP_BIN; not rebuilt)"
else
    say "building target/release/resetgap..."
    cargo build --quiet --release --bin resetgap
    BIN=$REPO/target/release/resetgap
fi

PATTERNS=$WORK/patterns.txt
if "$BIN" rules patterns >"$WORK/raw-patterns.txt" 2>/dev/null && [[ -s $WORK/raw-patterns.txt ]]; then
    PATTERN_SOURCE="resetgap rules patterns"
else
    PATTERN_SOURCE="benches/rg-patterns.txt (fallback: \`resetgap rules patterns\` is missing)"
    cp benches/rg-patterns.txt "$WORK/raw-patterns.txt"
fi
# rg joins -f patterns with `|`: named groups would clash and inline flags would leak, so drop
# the names and wrap each pattern in its own group. rg matches line by line (no -U): a
# BEGIN...END private-key pattern is cut to its header line so rg still finds those files.
grep -v '^[[:space:]]*$' "$WORK/raw-patterns.txt" |
    sed -E 's/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/(?:/g; s/^(-----BEGIN [^-]*PRIVATE KEY-----).*$/\1/; s/^(.*)$/(?:\1)/' >"$PATTERNS"
NPATTERNS=$(wc -l <"$PATTERNS")

# shellcheck disable=SC2206
RG_SCAN=("$BIN" scan "$DIR" --format sarif -o /dev/null --no-progress --fail-on none -j"$JOBS" $RESETGAP_ARGS)
RG_GREP=(rg -uu -j"$JOBS" -c -f "$PATTERNS" "$DIR")

run_resetgap() {
    local rc=0
    "${RG_SCAN[@]}" 2>/dev/null || rc=$?
    # 3 = some input incomplete: still a full scan.
    [[ $rc -eq 0 || $rc -eq 3 ]] || { say "resetgap failed (exit $rc)"; return 1; }
}
run_rg() {
    local rc=0
    "${RG_GREP[@]}" >/dev/null || rc=$?
    [[ $rc -eq 0 || $rc -eq 1 ]] || { say "rg failed (exit $rc)"; return 1; }
}

say "warming the page cache (one untimed run of each)..."
run_resetgap
run_rg
MATCHING_FILES=$("${RG_GREP[@]}" | wc -l || true)

# median of RUNS wall-clock timings, in seconds
median_time() {
    local fn=$1 i t0 t1
    local -a times=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s.%N)
        "$fn"
        t1=$(date +%s.%N)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')")
    done
    say "  $fn runs: ${times[*]}"
    printf '%s\n' "${times[@]}" | sort -g | awk '{v[NR] = $1} END {printf "%.4f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

if command -v hyperfine >/dev/null 2>&1; then
    say "timing with hyperfine ($RUNS runs each)..."
    hyperfine --runs "$RUNS" --warmup 0 -N -i --export-json "$WORK/hf.json" \
        -n resetgap "${RG_SCAN[*]}" -n rg "${RG_GREP[*]}" >&2
    mapfile -t MEDIANS < <(grep -o '"median": *[0-9.e+-]*' "$WORK/hf.json" | awk -F: '{printf "%.4f\n", $2}')
    T_RESETGAP=${MEDIANS[0]}
    T_RG=${MEDIANS[1]}
else
    say "timing with date, $RUNS runs each (hyperfine not installed)..."
    T_RESETGAP=$(median_time run_resetgap)
    T_RG=$(median_time run_rg)
fi

# --- recall: every file with a planted secret must hold a credential the scan found ---------
RECALL="not checked (no $DIR.planted: regenerate the corpus)"
if [[ -f $DIR.planted ]]; then
    "$BIN" scan "$DIR" --format sarif -o /dev/null --no-progress --fail-on none -j"$JOBS" \
        --emit-inventory "$WORK/inventory.jsonl" 2>/dev/null || true
    grep '"record":"credential"' "$WORK/inventory.jsonl" | grep -o '"path":"[^"]*"' |
        sed 's/^"path":"//; s/"$//' | sort -u >"$WORK/found-paths"
    cut -f1 "$DIR.planted" | sort -u >"$WORK/planted-paths"
    PLANTED=$(wc -l <"$DIR.planted")
    MISSED=$(comm -23 "$WORK/planted-paths" "$WORK/found-paths" | wc -l)
    RECALL="$((PLANTED - MISSED))/$PLANTED planted secrets found"
    if [[ $MISSED -gt 0 ]]; then
        say "missed planted secrets:"
        comm -23 "$WORK/planted-paths" "$WORK/found-paths" | head -20 >&2
    fi
fi

report() {
    awk -v name="$1" -v t="$2" -v f="$NFILES" -v b="$NBYTES" 'BEGIN {
        printf "%-9s %9d files %9.1f MB %8.3f s %10.0f files/s %8.1f MB/s\n",
            name, f, b / 1e6, t, f / t, b / 1e6 / t }'
}

echo "corpus: $DIR ($HOSTS hosts x $FILES files/host; $MATCHING_FILES files with a pattern match)"
echo "generated: $(sed -n 2p "$STAMP_FILE")"
echo "patterns: $NPATTERNS from $PATTERN_SOURCE"
echo "resetgap: ${RG_SCAN[*]}"
echo "rg:       ${RG_GREP[*]} > /dev/null"
echo "jobs: $JOBS, median of $RUNS runs, warm page cache; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "recall: $RECALL"
report resetgap "$T_RESETGAP"
report rg "$T_RG"
awk -v a="$T_RESETGAP" -v b="$T_RG" 'BEGIN {printf "ratio: resetgap takes %.2fx the time of rg\n", a / b}'
