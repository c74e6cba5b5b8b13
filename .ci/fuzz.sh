#!/usr/bin/env bash
# Bounded coverage-guided fuzzing of every file loader with Jazzer (see the README, "Hostile inputs").
#
#   .ci/fuzz.sh [target ...]     targets are fuzz test class names (simple or qualified); default: all
#
# Each target runs in its own JVM (Jazzer fuzzes one @FuzzTest per JVM) for FUZZ_SECONDS seconds
# (default 20). Any finding (an exception other than the loader's own error type, a multi-line
# message, an allocation beyond the file's budget, a per-input timeout) fails the script; Jazzer
# saves the input under <module>/src/test/resources/<package>/<Class>Inputs/<method>/, where the
# ordinary test run replays it from then on (commit it together with the fix).
#
# Environment: FUZZ_SECONDS (per target, default 20), FUZZ_JOBS (targets at a time; default 2 on 4+
# cores, else 1), FUZZ_NO_BUILD=1 (reuse the last build of this script), FUZZ_CORPUS (keep the
# generated corpus there instead of a temporary folder), FUZZ_KEEP_LOGS=1, MVN_ARGS (e.g. -o).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"

# module  class  extra packages to instrument for coverage (besides dev.eve.**)
TARGETS=(
  "eve-core   dev.eve.core.io.fuzz.SafeTensorsFuzzTest         -"
  "eve-core   dev.eve.core.io.fuzz.TorchCheckpointFuzzTest     -"
  "eve-core   dev.eve.core.io.fuzz.PickleFuzzTest              -"
  "eve-models dev.eve.models.fuzz.SentencePieceFuzzTest        com.google.protobuf.**"
  "eve-models dev.eve.models.fuzz.TokenizerJsonFuzzTest        -"
  "eve-models dev.eve.models.fuzz.EveConfigFuzzTest            -"
  "eve-models dev.eve.models.fuzz.TaskConfigFuzzTest           -"
  "eve-models dev.eve.models.fuzz.AnnotationsFuzzTest          -"
  "eve-models dev.eve.models.fuzz.ImageDecoderFuzzTest         com.twelvemonkeys.**"
)

# --- JDK: $JAVA_HOME when it is 21 or newer, else the newest under /usr/lib/jvm
java_major() { "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {v=$2; sub(/^1\./, "", v); sub(/[.+-].*/, "", v); print v; exit}'; }
JDK=""
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && "$(java_major "$JAVA_HOME")" -ge 21 ]]; then
  JDK="$JAVA_HOME"
else
  best=0
  for h in /usr/lib/jvm/*; do
    [[ -x "$h/bin/java" ]] || continue
    v="$(java_major "$h")"
    [[ "$v" =~ ^[0-9]+$ && "$v" -ge 21 && "$v" -gt "$best" ]] && { JDK="$h"; best="$v"; }
  done
fi
[[ -n "$JDK" ]] || { echo "fuzz.sh: no JDK 21 or newer found" >&2; exit 1; }
export JAVA_HOME="$JDK"
if [[ "$(java_major "$JDK")" -ge 24 ]]; then export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"; fi

WORK="$(mktemp -d /tmp/eve-fuzz.XXXXXX)"
trap '[[ -n "${FUZZ_KEEP_LOGS:-}" ]] || rm -rf "$WORK"' EXIT
CORPUS="${FUZZ_CORPUS:-$WORK/corpus}"
JOBS="${FUZZ_JOBS:-$(( $(nproc) >= 4 ? 2 : 1 ))}"

if [[ "${FUZZ_NO_BUILD:-}" != "1" || ! -f eve-core/target/fuzz.cp || ! -f eve-models/target/fuzz.cp ]]; then
  echo "== build (package, test class paths)"
  mvn -B -q -Dstyle.color=never ${MVN_ARGS:-} -pl eve-core,eve-models -am package -DskipTests \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz.cp
fi

# --- which targets
selected=()
for t in "${TARGETS[@]}"; do
  read -r module cls extra <<<"$t"
  if [[ $# -eq 0 ]]; then selected+=("$t"); continue; fi
  for want in "$@"; do [[ "$cls" == "$want" || "${cls##*.}" == "$want" ]] && selected+=("$t"); done
done
[[ ${#selected[@]} -gt 0 ]] || { echo "fuzz.sh: no target matches: $*" >&2; exit 2; }

# Sanitizers that cannot apply to file loaders (SQL, LDAP, JNDI, EL, XPath, templates, SSRF) cost
# startup time; regex and path-traversal findings are by design here (tokenizer.json holds regexes,
# configs name other files), so those hooks are off too. Command injection, deserialization and
# reflective-call detection stay on.
S=com.code_intelligence.jazzer.sanitizers
DISABLED_HOOKS="$S.ClojureLangHooks:$S.ExpressionLanguageInjection:$S.LdapInjection:$S.NamingContextLookup"
DISABLED_HOOKS+=":$S.ScriptEngineInjection:$S.ServerSideRequestForgery:$S.SqlInjection:$S.TemplateInjection"
DISABLED_HOOKS+=":$S.XPathInjection:$S.XmlParserSsrfGuidance:$S.FilePathTraversal:$S.RegexInjection:$S.BigDecimal"

run_target() {  # module class extra -> writes $WORK/<name>.log and $WORK/<name>.rc
  local module="$1" cls="$2" extra="$3" name="${2##*.}" instrument="dev.eve.**" start rc
  [[ "$extra" != "-" ]] && instrument="$instrument,$extra"
  local cp="$ROOT/$module/target/test-classes:$ROOT/$module/target/classes:$(cat "$ROOT/$module/target/fuzz.cp")"
  mkdir -p "$CORPUS/$cls"
  start=$(date +%s)
  set +e
  (cd "$ROOT/$module" && JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${SECONDS_PER_TARGET}s" \
    timeout -k 10 $((SECONDS_PER_TARGET + 180)) "$JDK/bin/java" \
      --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx3g \
      -XX:+EnableDynamicAgentLoading -Djava.awt.headless=true \
      -Djazzer.instrument="$instrument" -Djazzer.disabled_hooks="$DISABLED_HOOKS" \
      -cp "$cp" dev.eve.core.io.fuzz.FuzzMain "$cls" "$CORPUS/$cls") >"$WORK/$name.log" 2>&1
  rc=$?
  set -e
  echo "$rc $(( $(date +%s) - start ))" >"$WORK/$name.rc"
}

report() {  # name -> prints the outcome, returns non-zero on failure
  local name="$1" rc secs stats
  read -r rc secs <"$WORK/$name.rc"
  stats="$(grep -Eo '^Done [0-9]+ runs in [0-9]+ second\(s\)' "$WORK/$name.log" | tail -1 || true)"
  if [[ "$rc" -eq 0 ]]; then
    echo "== $name: ok in ${secs}s${stats:+ ($stats)}"
    return 0
  fi
  echo "== $name: FAILED (exit $rc after ${secs}s); the end of its log:"
  grep -v -E '^INFO: (Instrumented|Loaded [0-9]+ hooks)|^#[0-9]+ +(NEW|REDUCE|pulse)' "$WORK/$name.log" | tail -60 | sed 's/^/   | /'
  return 1
}

echo "== fuzzing ${#selected[@]} targets for ${SECONDS_PER_TARGET}s each, $JOBS at a time"
failed=()
pending=()
for t in "${selected[@]}"; do
  read -r module cls extra <<<"$t"
  run_target "$module" "$cls" "$extra" &
  pending+=("$!:${cls##*.}")
  if [[ ${#pending[@]} -ge $JOBS ]]; then
    first="${pending[0]}"; pending=("${pending[@]:1}")
    wait "${first%%:*}" || true
    report "${first#*:}" || failed+=("${first#*:}")
  fi
done
for p in "${pending[@]}"; do
  wait "${p%%:*}" || true
  report "${p#*:}" || failed+=("${p#*:}")
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (crashing inputs are saved under <module>/src/test/resources/**/<Class>Inputs/<method>/)" >&2
  exit 1
fi
echo "fuzz.sh: ${#selected[@]} targets, no findings"
