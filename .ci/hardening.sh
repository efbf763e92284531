#!/usr/bin/env bash
# Hardening checks (issue 13): dependency hygiene with cargo-deny, a short coverage-guided
# fuzz run (cargo-fuzz / libFuzzer) of every dyad-core parser of outside input, and the API
# fuzz run from the OpenAPI document (.ci/api-fuzz.sh).
# Fails on any cargo-deny error and on any crash, panic, timeout or out-of-memory in a fuzz target.
#
#   .ci/hardening.sh                 # everything, FUZZ_SECONDS (default 15) per target
#   FUZZ_SECONDS=600 .ci/hardening.sh fuzz      # only fuzzing, longer
#   .ci/hardening.sh deny            # only cargo-deny
#   .ci/hardening.sh api             # only the API fuzz run (.ci/api-fuzz.sh, schemathesis)
#
# The longer, documented fuzz run is in THREAT_MODEL.md ("Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
ROOT="$PWD"

FUZZ_SECONDS="${FUZZ_SECONDS:-15}"
WHAT="${1:-all}"

log() { printf '\n== %s\n' "$*"; }

# cargo-fuzz drives libFuzzer through unstable rustc flags (-Z…); only the stable toolchain is
# installed, so allow them for the fuzz build alone.
fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }

install_if_missing() { # $1 = cargo subcommand, $2 = crate
  if ! cargo "$1" --version >/dev/null 2>&1; then
    log "installing $2"
    cargo install --locked "$2"
  fi
}

# Each run_* returns non-zero when a check failed, and goes on with the other checks.
run_deny() {
  install_if_missing deny cargo-deny || return 1
  local failed=0
  log "cargo deny check bans licenses sources"
  cargo deny --locked check bans licenses sources || failed=1
  # The RustSec advisory database is fetched from the network, which is not reachable from every
  # machine. Check advisories whenever it can be fetched, and say plainly when it could not.
  log "cargo deny check advisories"
  local fetch_log
  fetch_log="$(mktemp)"
  if cargo deny fetch db >"$fetch_log" 2>&1; then
    cargo deny --locked check advisories || failed=1
    echo "cargo deny: checked advisories, bans, licenses, sources"
  else
    echo "cargo deny: ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched"
    grep -E 'ERROR|fatal' "$fetch_log" | head -n 3 || true
    echo "cargo deny: checked bans, licenses, sources"
  fi
  rm -f "$fetch_log"
  [ "$failed" = 0 ] && echo "cargo deny: ok" || echo "cargo deny: FAILED" >&2
  return "$failed"
}

# target | seed directory (read-only; the working corpus is fuzz/corpus/<target>, and
# fuzz/regressions/<target> is added when present) | dictionary
TARGETS=(
  "form_parse|knowledge/forms|toml"
  "instrument_parse|knowledge/instruments|toml"
  "knowledge_parse|knowledge|toml"
  "protocol_parse|knowledge/protocols|toml"
  "checkin_parse|knowledge/aftercare|toml"
  "agreement_sections|fuzz/seeds/agreement_sections|json"
  "intake_answers|fuzz/seeds/intake_answers|json"
  "screen_duo|fuzz/seeds/screen_duo|json"
  "suggest|fuzz/seeds/suggest|"
)

run_fuzz() {
  install_if_missing fuzz cargo-fuzz || return 1
  cd "$ROOT/fuzz"
  local summary=() failed=0
  # The fuzz crate is outside the main workspace, so the root `cargo fmt --all` does not see it.
  log "cargo fmt --check (fuzz/)"
  cargo fmt --check || { echo "fuzz/: not formatted (run cargo fmt in fuzz/)" >&2; failed=1; }
  log "cargo fuzz build (sanitizer none: dyad-core forbids unsafe code)"
  if ! fuzz build -s none; then
    cd "$ROOT"
    return 1
  fi
  for spec in "${TARGETS[@]}"; do
    IFS='|' read -r target seeds dict <<<"$spec"
    log "fuzz $target for ${FUZZ_SECONDS}s"
    mkdir -p "corpus/$target"
    local args=(-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    [ -n "$dict" ] && args+=(-dict="dict/$dict.dict")
    local out="target/fuzz-$target.log"
    # Seeds, and the inputs that once crashed this target (libFuzzer runs them all first).
    local dirs=("$ROOT/$seeds")
    [ -d "regressions/$target" ] && dirs+=("regressions/$target")
    if fuzz run -s none "$target" "corpus/$target" "${dirs[@]}" -- "${args[@]}" >"$out" 2>&1; then
      local runs
      runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$out" | grep -Eo '[0-9]+$' || echo '?')"
      echo "$target: ok, $runs executions"
      summary+=("$target: $runs executions, no crash")
    else
      failed=1
      echo "$target: FAILED" >&2
      grep -E 'Running: |panicked at|attempt to|crates/dyad-core/src|ERROR: libFuzzer|Test unit written' "$out" \
        | head -n 12 >&2 || tail -n 40 "$out" >&2
      summary+=("$target: CRASH (see fuzz/$out and fuzz/artifacts/$target/)")
    fi
  done
  log "fuzz summary (${FUZZ_SECONDS}s per target)"
  printf '%s\n' "${summary[@]}"
  cd "$ROOT"
  return "$failed"
}

# Schemathesis against a seeded dyad, as anonymous, participant, staff and admin.
run_api_fuzz() { "$ROOT/.ci/api-fuzz.sh"; }

status=0
case "$WHAT" in
  all) run_deny || status=1; run_fuzz || status=1; run_api_fuzz || status=1 ;;
  deny) run_deny || status=1 ;;
  fuzz) run_fuzz || status=1 ;;
  api) run_api_fuzz || status=1 ;;
  *) echo "usage: $0 [all|deny|fuzz|api]" >&2; exit 2 ;;
esac
if [ "$status" = 0 ]; then echo "hardening: ok"; else echo "hardening: FAILED" >&2; fi
exit "$status"
