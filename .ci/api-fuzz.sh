#!/usr/bin/env bash
# API fuzzing from the OpenAPI document (issue 13): schemathesis generates requests for every
# operation in /api/openapi.json — valid ones and deliberately broken ones — against a dyad on a
# free port with a fresh SQLite database, seeded with a participant pair, a staff member on their
# care team and the admin (.ci/api_fuzz_seed.py). It runs once per caller: anonymous,
# participant, staff and admin (bearer tokens). Fails on any 5xx, on an answer whose body breaks
# the documented schema, on an undocumented status code or content type, and on a crash.
#
#   .ci/api-fuzz.sh                        # API_FUZZ_SECONDS (default 45) per caller
#   API_FUZZ_SECONDS=600 .ci/api-fuzz.sh   # longer
#   API_FUZZ_SEED=123 .ci/api-fuzz.sh      # replay a run (the seed is printed)
#   API_FUZZ_NO_BUILD=1 .ci/api-fuzz.sh    # use target/debug/dyad as it is
#
# Reports (JUnit, and a reproducing pytest file on failure) land in target/api-fuzz/<caller>/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TERM_COLOR=never

SCHEMATHESIS_VERSION=4.32.5 # installs on the machine's CPython 3.11
API_FUZZ_SECONDS="${API_FUZZ_SECONDS:-45}"
API_FUZZ_SEED="${API_FUZZ_SEED:-$RANDOM$RANDOM}"
VENV="$ROOT/target/api-fuzz-venv"
OUT="$ROOT/target/api-fuzz"

log() { printf '\n== %s\n' "$*"; }

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into target/api-fuzz-venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -z "${API_FUZZ_NO_BUILD:-}" ]; then
  log "cargo build -p dyad"
  cargo build --quiet -p dyad --bin dyad
fi
BIN="$ROOT/target/debug/dyad"

WORK="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# dyad refuses unknown DYAD_* variables (CI sets DYAD_TEST_DATABASE_URL), so it gets a clean
# environment with only what it needs.
CLEAN_ENV=(env -i PATH="$PATH" HOME="${HOME:-/tmp}" DYAD_DATA_DIR="$WORK/data" DYAD_LOG=warn)

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
STAFF_EMAIL=mira@clinic.example
STAFF_PASSWORD="a staff member's long passphrase"
printf '%s\n' "$STAFF_PASSWORD" >"$WORK/staff-password"

log "starting dyad on $BASE"
"${CLEAN_ENV[@]}" DYAD_LISTEN="127.0.0.1:$PORT" "$BIN" serve >"$WORK/stdout" 2>"$WORK/stderr" &
PID=$!
for _ in $(seq 1 300); do
  grep -q '^dyad is running at' "$WORK/stdout" && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/stdout" "$WORK/stderr" >&2; exit 1; }
  sleep 0.1
done
grep -q '^dyad is running at' "$WORK/stdout" || { echo "dyad did not start" >&2; exit 1; }
ADMIN_PASSWORD="$(sed -n 's/^ *one-time password *//p' "$WORK/stdout")"
[ -n "$ADMIN_PASSWORD" ] || { echo "no one-time password printed:" >&2; cat "$WORK/stdout" >&2; exit 1; }
# After the first start (which creates the admin only in an empty database).
"${CLEAN_ENV[@]}" "$BIN" admin create --email "$STAFF_EMAIL" --name Mira \
  --role coordinator,clinician,facilitator --password-file "$WORK/staff-password" >/dev/null

log "seeding a participant pair, a staff member on their team and the admin"
python3 "$ROOT/.ci/api_fuzz_seed.py" --base "$BASE" --data "$WORK/data" \
  --admin-password "$ADMIN_PASSWORD" --staff-email "$STAFF_EMAIL" \
  --staff-password "$STAFF_PASSWORD" >"$WORK/seeded.env"
# shellcheck disable=SC1091
. "$WORK/seeded.env"

# schemathesis would otherwise try to sign itself up and in from the schema; the callers here
# are the seeded ones.
printf '[auth]\nauto-signup = false\n' >"$WORK/schemathesis.toml"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
rm -rf "$OUT"
status=0
summary=()
# caller | bearer token | operations left out for that caller, because they end its own
# session or account mid-run (what they answer is still fuzzed for the anonymous caller)
CALLERS=(
  "anonymous||"
  "participant|$PARTICIPANT_TOKEN|^/api/v1/(auth/logout|auth/logout-everywhere|me/password|duos/\\{id\\}/withdraw)$"
  "staff|$STAFF_TOKEN|^/api/v1/(auth/logout|auth/logout-everywhere|me/password|staff/\\{id\\})$"
  "admin|$ADMIN_TOKEN|^/api/v1/(auth/logout|auth/logout-everywhere|me/password|staff/\\{id\\})$"
)
for spec in "${CALLERS[@]}"; do
  IFS='|' read -r caller token exclude <<<"$spec"
  log "schemathesis as $caller for ${API_FUZZ_SECONDS}s (seed $API_FUZZ_SEED)"
  args=(--config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" --url "$BASE" --checks "$CHECKS"
    --max-time "$API_FUZZ_SECONDS" --seed "$API_FUZZ_SEED" --workers 2
    --phases examples,coverage,fuzzing --generation-database none
    --suppress-health-check all --request-timeout 20 --no-color
    --report junit,pytest --report-dir "$OUT/$caller")
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$exclude" ] && args+=(--exclude-path-regex "$exclude")
  if (cd "$WORK" && "$VENV/bin/schemathesis" "${args[@]}") >"$WORK/$caller.log" 2>&1; then
    result=ok
  elif ! grep -q '^=* FAILURES =*$' "$WORK/$caller.log" && grep -q 'Runtime Error' "$WORK/$caller.log"; then
    # No check failed, but schemathesis itself broke (seen: a CPython "AST constructor
    # recursion depth mismatch" inside its coverage phase). That says nothing about dyad, so
    # the caller runs once more; a second break, or any failed check, fails the run.
    echo "schemathesis broke without a finding as $caller; running it once more" >&2
    grep -A12 '^Runtime Error' "$WORK/$caller.log" | head -n 14 >&2 || true
    if (cd "$WORK" && "$VENV/bin/schemathesis" "${args[@]}") >"$WORK/$caller.log" 2>&1; then
      result="ok (second run)"
    else
      result=FAILED
      status=1
    fi
  else
    result=FAILED
    status=1
  fi
  mkdir -p "$OUT/$caller"
  cp "$WORK/$caller.log" "$OUT/$caller/output.log"
  # The run's own count ("Test cases:" then "N generated, …" on the next line).
  cases="$(grep -A1 '^Test cases:' "$WORK/$caller.log" | grep -Eo '[0-9]+ generated' | grep -Eo '[0-9]+' || true)"
  summary+=("$caller: $result, ${cases:-?} test cases")
  if [ "$result" = FAILED ]; then
    sed -n '/FAILURES/,$p' "$WORK/$caller.log" | head -n 80 >&2
    grep -A12 '^Runtime Error' "$WORK/$caller.log" | head -n 14 >&2 || true
  fi
done
if ! kill -0 "$PID" 2>/dev/null; then
  echo "dyad died during the run:" >&2
  tail -n 40 "$WORK/stderr" >&2
  status=1
fi
if grep -q 'panicked at' "$WORK/stderr"; then
  echo "dyad panicked during the run:" >&2
  grep -A3 'panicked at' "$WORK/stderr" | head -n 20 >&2
  status=1
fi

log "API fuzz summary (${API_FUZZ_SECONDS}s per caller, seed $API_FUZZ_SEED; reports in target/api-fuzz/)"
printf '%s\n' "${summary[@]}"
if [ "$status" = 0 ]; then echo "api fuzz: ok"; else echo "api fuzz: FAILED" >&2; fi
exit "$status"
