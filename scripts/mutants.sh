#!/usr/bin/env bash
# Seeded mutants: each patch in verify/mutants/ breaks an implementation on
# purpose (an ordering weakened, a wrap or availability check off by one, a
# gating sequence left out, a lost wake-up). For each, this script applies
# the patch to a scratch copy of the tree, builds it under the patch's
# checker, runs the model the patch names, and expects that model to fail.
#
# Header lines of a patch, before the diff:
#   mutant: <what it breaks>
#   model: <the test in verify/tests/<checker>.rs that must fail on it>
#   checker: loom | shuttle              (default loom)
#   branch-bound: <why>                  a failure by loom's branch bound
#                                        counts as a kill only with this line,
#                                        which says why the mutant really
#                                        stops progress (otherwise it may be
#                                        a model that is merely too long)
#   equivalent: <why>                    the mutant cannot change behaviour:
#                                        it is applied and built (and its
#                                        model, if named, must still pass),
#                                        and it is left out of the count
#
# Before any mutant, every model named by the patches to run is run once on
# the unmutated tree; if one fails there, a failure under a mutant would
# prove nothing, so the script stops. Then it prints the kill table
# (mutant, checker and model, verdict, caught by, seconds the model ran,
# builds not counted) and the count of kills, and exits non-zero if a
# mutant survives, is caught only by the branch bound without saying why
# that is right, does not build, no longer applies or runs past the time
# limit.
#
#   scripts/mutants.sh [NAME ...]    run all mutants, or only those named
#
#   LOOM_MAX_PREEMPTIONS   loom's preemption bound (default 2)
#   MUTANT_TIMEOUT         seconds one model run may take (default 1800)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
# Each mutant rebuilds impls, harness and verify; without LTO and with more
# codegen units that takes about half as long, and the models run about as
# fast.
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-off}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}"
# No debug info either: the kill table reads panic messages, not backtraces.
export CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-0}"
limit="${MUTANT_TIMEOUT:-1800}"
scratch="$root/target/mutants-tree"
target="$root/target/mutants"
script_start=$(date +%s)

if [ $# -gt 0 ]; then
  patches=(); for name in "$@"; do patches+=("verify/mutants/$name.patch"); done
else
  patches=(verify/mutants/*.patch)
fi

# The value of header line `$2` of patch `$1` (empty when absent).
header() { sed -n "s/^$2: //p" "$1" | head -n 1; }

# A scratch copy of the tree as it is now (tracked files), so mutants follow
# the code.
fresh_tree() {
  rm -rf "$scratch"; mkdir -p "$scratch"
  git ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$scratch")
}

# Builds (`--no-run`) or runs the model test binary of checker `$1` in the
# scratch tree; the remaining arguments go to cargo test.
cargo_checker() {
  local checker=$1; shift
  (cd "$scratch" && RUSTFLAGS="${RUSTFLAGS:-} --cfg ringlab_$checker" \
    cargo test --release -p verify --test "$checker" --target-dir "$target-$checker" "$@")
}

# Builds the checker's models and runs model `$2` of checker `$1` into log
# `$3`, the run within the time limit; sets `built` and `ran` to the seconds
# each took. Status: 2 when the build fails, 3 when no test has that name,
# 124 past the limit, else that of the test.
run_model() {
  local checker=$1 model=$2 log=$3 status start
  start=$(date +%s); built=0; ran=0
  cargo_checker "$checker" --no-run > "$log" 2>&1 || return 2
  built=$(( $(date +%s) - start ))
  # The test binary itself, so that the limit applies to the model alone.
  local binary
  binary=$(sed -n "s/^ *Executable tests\/$checker.rs (\(.*\))$/\1/p" "$log" | tail -n 1)
  [ -n "$binary" ] || return 2
  case $binary in /*) ;; *) binary="$scratch/$binary" ;; esac
  # `exit` keeps the shell's note on a test that aborts in the log. A run
  # ended by a SIGTERM or SIGKILL that was not our time limit (a test ends
  # by a panic, or an abort, never so) came from outside, e.g. another
  # user's cleanup: it says nothing of the model, so it is run again.
  local attempt
  for attempt in 1 2 3; do
    start=$(date +%s)
    (cd "$scratch" && timeout "$limit" "$binary" "$model" --exact; exit $?) >> "$log" 2>&1
    status=$?
    ran=$(( $(date +%s) - start ))
    case $status in 137|143) ;; *) break ;; esac
    echo "   $model was killed from outside (status $status); running it again" | tee -a "$log" >&2
  done
  if [ "$status" -ne 124 ] && ! grep -q "^running 1 test" "$log"; then
    return 3
  fi
  return "$status"
}

# ---- Parse the patches.
declare -A model_of checker_of
for patch in "${patches[@]}"; do
  [ -f "$patch" ] || continue
  name=$(basename "$patch" .patch)
  model_of[$name]=$(header "$patch" model)
  checker=$(header "$patch" checker)
  checker_of[$name]=${checker:-loom}
done

# ---- Every named model must pass on the unmutated tree.
baseline=()
for name in "${!model_of[@]}"; do
  [ -n "${model_of[$name]}" ] && baseline+=("${checker_of[$name]} ${model_of[$name]}")
done
mapfile -t baseline < <(printf '%s\n' "${baseline[@]}" | sort -u | sed '/^$/d')
fresh_tree
echo "== the unmutated tree: ${#baseline[@]} models" >&2
for pair in "${baseline[@]}"; do
  read -r checker model <<< "$pair"
  log="$target.unmutated.$checker.$model.log"
  run_model "$checker" "$model" "$log"
  status=$?
  case $status in
    0) printf '   %-8s %-44s passes (%s s; %s s to build)\n' "$checker" "$model" "$ran" "$built" >&2 ;;
    2) echo "mutants.sh: the unmutated tree does not build under $checker (see $log)" >&2; exit 2 ;;
    3) echo "mutants.sh: no $checker model is named $model (see $log); fix the patch's model: line" >&2; exit 2 ;;
    124) echo "mutants.sh: model $checker $model runs past ${limit} s on the unmutated tree (see $log)" >&2; exit 2 ;;
    *) echo "mutants.sh: model $checker $model FAILS on the unmutated tree (see $log): a mutant it 'kills' proves nothing; fix the model or the code first" >&2; exit 2 ;;
  esac
done

# ---- The mutants.
rows=()
# Adds a row to the kill table and says it at once (a full run takes hours).
record() {
  rows+=("$1")
  local name what verdict how seconds
  IFS='|' read -r name what verdict how seconds <<< "$1"
  printf '   %s: %s (%s; %s s)\n' "$name" "$verdict" "$how" "$seconds" >&2
}
failures=0; killed=0; counted=0; equivalents=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  if [ ! -f "$patch" ]; then
    record "$name|-|NO SUCH PATCH|-|0"; failures=$((failures + 1)); counted=$((counted + 1)); continue
  fi
  model=${model_of[$name]}
  checker=${checker_of[$name]}
  equivalent=$(header "$patch" equivalent)
  branch_bound=$(header "$patch" branch-bound)
  [ -n "$equivalent" ] && equivalents=$((equivalents + 1)) || counted=$((counted + 1))
  what="$checker ${model:--}"
  fresh_tree
  if ! patch -s -p1 -d "$scratch" --dry-run < "$patch" > /dev/null 2>&1; then
    echo "== $name: the patch no longer applies; refresh it against the current code (edit the file by hand, then diff -u)" >&2
    record "$name|$what|PATCH DOES NOT APPLY|-|0"; failures=$((failures + 1)); continue
  fi
  patch -s -p1 -d "$scratch" < "$patch"
  echo "== $name: $(header "$patch" mutant)" >&2
  log="$target.$name.log"
  if [ -z "$model" ]; then
    if [ -z "$equivalent" ]; then
      record "$name|$what|NO MODEL NAMED|-|0"; failures=$((failures + 1)); continue
    fi
    if cargo_checker "$checker" --no-run > "$log" 2>&1; then
      record "$name|$what|equivalent|builds (no model to run)|-"
    else
      record "$name|$what|DOES NOT BUILD|see $log|-"; failures=$((failures + 1))
    fi
    continue
  fi
  run_model "$checker" "$model" "$log"
  status=$?
  seconds=$ran
  case $status in
    0)
      if [ -n "$equivalent" ]; then
        record "$name|$what|equivalent|model passes|$seconds"
      else
        record "$name|$what|SURVIVED|-|$seconds"; failures=$((failures + 1))
      fi
      continue ;;
    2) record "$name|$what|DOES NOT BUILD|see $log|$seconds"; failures=$((failures + 1)); continue ;;
    3) record "$name|$what|NO SUCH MODEL|see $log|$seconds"; failures=$((failures + 1)); continue ;;
    124) record "$name|$what|TIMED OUT|ran past ${limit} s|$seconds"; failures=$((failures + 1)); continue ;;
  esac
  verdict="killed"
  if grep -q "maximum number of branches" "$log"; then
    how="branch bound: no progress"
    [ -n "$branch_bound" ] || verdict="BRANCH BOUND?"
  elif grep -q "Causality violation" "$log"; then how="data race: no happens-before edge"
  elif grep -q "deadlock" "$log"; then how="deadlock: every thread parked"
  elif grep -q "oracle:" "$log"; then how="oracle: $(grep -o 'oracle: [^;(]*' "$log" | head -n 1 | cut -c9-60)"
  else how="panic: $(grep -m1 -A1 'panicked at' "$log" | tail -n 1 | cut -c1-50)"
  fi
  if [ -n "$equivalent" ]; then
    verdict="NOT EQUIVALENT"
  fi
  case $verdict in
    killed) killed=$((killed + 1)) ;;
    *) failures=$((failures + 1)) ;;
  esac
  record "$name|$what|$verdict|$how|$seconds"
done

printf '\n%-36s %-48s %-14s %-46s %s\n' "mutant" "checker and model" "verdict" "caught by" "seconds"
for row in "${rows[@]}"; do
  IFS='|' read -r name what verdict how seconds <<< "$row"
  printf '%-36s %-48s %-14s %-46s %s\n' "$name" "$what" "$verdict" "$how" "$seconds"
done
echo
summary="$killed / $counted mutants killed"
[ "$equivalents" -gt 0 ] && summary+=" ($equivalents equivalent, not counted)"
echo "$summary; $(( $(date +%s) - script_start )) s in all"
if [ "$failures" -gt 0 ]; then
  echo "$failures mutants were not killed (or could not be tried): the models have a hole"
  exit 1
fi
echo "every mutant was killed"
