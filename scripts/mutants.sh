#!/usr/bin/env bash
# Seeded mutants: each patch in verify/mutants/ breaks an implementation on
# purpose (an ordering weakened, a wrap or availability check off by one, a
# gating sequence left out, a lost wake-up). For each, this script applies
# the patch to a scratch copy of the tree, builds it under loom, runs the
# model the patch names, and expects that model to fail. It prints the kill
# table (mutant, model, verdict, seconds) and exits non-zero if a mutant
# survives, does not build, or no longer applies.
#
#   scripts/mutants.sh [NAME ...]    run all mutants, or only those named
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
scratch="$root/target/mutants-tree"
target="$root/target/mutants"

if [ $# -gt 0 ]; then
  patches=(); for name in "$@"; do patches+=("verify/mutants/$name.patch"); done
else
  patches=(verify/mutants/*.patch)
fi

rows=()
failures=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  if [ ! -f "$patch" ]; then
    rows+=("$name|-|NO SUCH PATCH|-|0"); failures=$((failures + 1)); continue
  fi
  model=$(sed -n 's/^model: //p' "$patch" | head -n 1)
  checker=$(sed -n 's/^checker: //p' "$patch" | head -n 1)
  checker=${checker:-loom}
  rm -rf "$scratch"; mkdir -p "$scratch"
  # The tree as it is now (tracked files), so mutants follow the code.
  git ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$scratch")
  if ! patch -s -p1 -d "$scratch" --dry-run < "$patch" > /dev/null 2>&1; then
    echo "== $name: the patch no longer applies; refresh it against the current code (edit the file by hand, then diff -u)" >&2
    rows+=("$name|$checker $model|PATCH DOES NOT APPLY|-|0"); failures=$((failures + 1)); continue
  fi
  patch -s -p1 -d "$scratch" < "$patch"
  echo "== $name: $(sed -n 's/^mutant: //p' "$patch" | head -n 1)" >&2
  start=$(date +%s)
  build() {
    (cd "$scratch" && RUSTFLAGS="${RUSTFLAGS:-} --cfg ringlab_$checker" \
      cargo test --release -p verify --test "$checker" --target-dir "$target-$checker" "$@")
  }
  if ! build --no-run > "$target.build.log" 2>&1; then
    rows+=("$name|$checker $model|DOES NOT BUILD|see $target.build.log|$(( $(date +%s) - start ))")
    failures=$((failures + 1)); continue
  fi
  start=$(date +%s)
  log="$target.$name.log"
  if build "$model" -- --exact > "$log" 2>&1; then
    verdict="SURVIVED"; how="-"; failures=$((failures + 1))
  else
    verdict="killed"
    if grep -q "Causality violation" "$log"; then how="data race on a slot"
    elif grep -q "deadlock" "$log"; then how="deadlock: every thread parked"
    elif grep -q "maximum number of branches" "$log"; then how="no progress (branch bound)"
    elif grep -q "oracle:" "$log"; then how="oracle: $(grep -o 'oracle: [^;(]*' "$log" | head -n 1 | cut -c9-60)"
    else how="panic: $(grep -m1 -A1 'panicked at' "$log" | tail -n 1 | cut -c1-50)"
    fi
  fi
  rows+=("$name|$checker $model|$verdict|$how|$(( $(date +%s) - start ))")
done

printf '\n%-26s %-42s %-9s %-46s %s\n' "mutant" "checker and model" "verdict" "caught by" "seconds"
for row in "${rows[@]}"; do
  IFS='|' read -r name model verdict how seconds <<< "$row"
  printf '%-26s %-42s %-9s %-46s %s\n' "$name" "$model" "$verdict" "$how" "$seconds"
done
echo
if [ "$failures" -gt 0 ]; then
  echo "$failures mutants were not killed (or could not be tried): the models have a hole"
  exit 1
fi
echo "every mutant was killed"
