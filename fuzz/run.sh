#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 3600) with the settings the closing notes report:
# the committed seeds plus a growing corpus kept outside the repository, ASan, a 30 s per-input
# timeout (a hang is a finding), a 2 GiB RSS limit (unbounded memory is a finding), inputs up to
# 64 KiB. Crashes land in $FUZZ_WORK/artifacts/TARGET/, the log in $FUZZ_WORK/logs/TARGET.log.
#   fuzz/run.sh sudoers 3600
# Needs cargo-fuzz and the nightly toolchain (cargo install cargo-fuzz).
set -euo pipefail
target=${1:?usage: fuzz/run.sh TARGET [SECONDS]}
seconds=${2:-3600}
here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-$here/../target/fuzz-work}
bin=${FUZZ_BIN:-$here/target/x86_64-unknown-linux-gnu/release/$target}
if [ ! -x "$bin" ]; then
  (cd "$here" && cargo +nightly fuzz build -O "$target")
fi
mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
exec "$bin" "$work/corpus/$target" "$here/seeds/$target" \
  -max_total_time="$seconds" -max_len=65536 -timeout=30 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/$target/" \
  > "$work/logs/$target.log" 2>&1
