#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/) for SECONDS each, or only the TARGETs named.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      # default: 5 seconds per target
#
# Corpora grow in .cache/fuzz/corpus/<target> (seeded from fuzz/seeds/<target>); crashes
# land in .cache/fuzz/artifacts/<target>/ and fail the run: copy the input into
# fuzz/regressions/<target>/ with the fix (the tests replay that directory). Each target's
# last libFuzzer stats (execs/s, coverage) are printed at the end.
#
# Only the stable toolchain is needed: RUSTC_BOOTSTRAP=1 unlocks the sanitizer-coverage
# flags. When cargo-fuzz cannot be installed (scripts/install-fuzz-deps.sh), the run is
# skipped with the reason, and the seeds and regressions still run in `cargo test`
# (crates/mcp-tasks-fuzz/tests/replay.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
shift || true
if ! bash scripts/install-fuzz-deps.sh >.cache/fuzz-install.log 2>&1; then
  echo "SKIP fuzzing: cargo-fuzz could not be installed (see .cache/fuzz-install.log):" >&2
  tail -n 5 .cache/fuzz-install.log >&2
  exit 0
fi
cargo_fuzz="$PWD/.cache/tools/bin/cargo-fuzz"
export RUSTC_BOOTSTRAP=1
if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cd fuzz && "$cargo_fuzz" list)
fi
# No sanitizer: the code under test is safe Rust (unsafe_code = "forbid"), so ASan would
# only cost speed; panics and failed assertions are what the checks report.
(cd fuzz && "$cargo_fuzz" build --sanitizer none)
failed=()
summary=()
for t in "${targets[@]}"; do
  corpus=".cache/fuzz/corpus/$t"
  artifacts=".cache/fuzz/artifacts/$t"
  log=".cache/fuzz/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  echo "== fuzzing $t for ${secs}s"
  # -rss_limit_mb bounds the target's memory (a leak or blow-up is a crash too);
  # -timeout flags one input that runs longer than 10 s (a hang).
  if (cd fuzz && "$cargo_fuzz" run --sanitizer none "$t" "../$corpus" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="../$artifacts/" -print_final_stats=1) >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  # The last status line: "#N DONE cov: C ft: F corp: … exec/s: E …"
  line=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE).*cov:' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  summary+=("$(printf '%-18s %-6s %10s runs %8s exec/s  cov %6s  ft %7s' "$t" "$status" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}")")
  if [[ $status == FAILED ]]; then
    echo "!! $t failed; log $log, inputs in $artifacts:" >&2
    tail -n 30 "$log" >&2
  fi
done
echo
echo "fuzz summary (${secs}s per target):"
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]} (reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 $cargo_fuzz run -s none TARGET ../.cache/fuzz/artifacts/TARGET/<file>)" >&2
  exit 1
fi
