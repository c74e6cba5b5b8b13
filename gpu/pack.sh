#!/usr/bin/env bash
# Packs what a bare GPU machine (no Java, no network, no CUDA toolkit; python3 with a CUDA PyTorch)
# needs to run our GPU tests and benchmarks into ONE ignored folder, gpu/bundle/:
#   runtime.tgz        a jlink'ed Java runtime (the modules jdeps says our jars need)
#   lib/               our module jars and their runtime dependencies for linux-x86_64 only
#                      (no OpenBLAS: the GPU run does not use it; no other platforms' natives)
#   junit/             the JUnit Platform console launcher (standalone jar, the repo's JUnit version)
#   test-classes/M/    compiled tests of eve-core, eve-cuda and eve-models (their resources and
#                      fixtures travel with the checkout itself: src/test/resources, shared/)
#   eve-original/      the ORIGINAL EVE model files the training-step peer imports (not in git)
#   MANIFEST.txt       what went in, sizes, the commit
# Fails if the folder exceeds the limit (default 60 MiB: the GPU machine takes 64 MiB of extra files).
#
#   gpu/pack.sh [--no-build] [--eve PATH] [--limit-mib N]
#     --no-build    use the jars and classes already under */target (default: mvn -o -DskipTests install)
#     --eve PATH    a checkout of github ssyze/EVE, or its bare git directory
#                   (default: $EVE_CHECKOUT, /tmp/eve-checkout, /work/.mirror/ssyze+EVE/repo)
# Then run on the GPU machine, from the repository root: gpu/run-on-gpu.sh (see its header).
set -euo pipefail
cd "$(dirname "$0")/.."

JDK=${EVE_PACK_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
LIMIT_MIB=60
BUILD=1
EVE_SRC=${EVE_CHECKOUT:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --eve) EVE_SRC=${2:?--eve needs a path}; shift ;;
    --limit-mib) LIMIT_MIB=${2:?--limit-mib needs a number}; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument $1 (use --no-build, --eve PATH, --limit-mib N)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$EVE_SRC" ]; then
  for c in /tmp/eve-checkout /work/.mirror/ssyze+EVE/repo; do
    if [ -d "$c" ]; then EVE_SRC=$c; break; fi
  done
fi

export JAVA_HOME=$JDK
export MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}
MVN=(mvn -B -q -o -Dstyle.color=never)
BUNDLE=gpu/bundle
VERSION=0.1.0-SNAPSHOT

if [ "$BUILD" = 1 ]; then
  echo "== building (mvn -o -DskipTests install)"
  "${MVN[@]}" -DskipTests install
fi

for m in eve-core eve-cuda eve-models eve-bench; do
  [ -f "$m/target/$m-$VERSION.jar" ] || { echo "pack.sh: $m/target/$m-$VERSION.jar missing: build first (drop --no-build)" >&2; exit 1; }
done
for m in eve-core eve-models; do
  [ -d "$m/target/test-classes" ] || { echo "pack.sh: $m/target/test-classes missing: build first (drop --no-build)" >&2; exit 1; }
done

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/lib" "$BUNDLE/junit" "$BUNDLE/test-classes" "$BUNDLE/eve-original"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== jars"
for m in eve-core eve-cuda eve-models eve-bench; do cp "$m/target/$m-$VERSION.jar" "$BUNDLE/lib/"; done
# Runtime dependencies of the benchmarks and the test-scope ones of the GPU tests, resolved by Maven
# (nothing is built here), then trimmed to what the GPU machine uses.
for m in eve-bench eve-cuda eve-models; do
  "${MVN[@]}" dependency:copy-dependencies -pl "$m" -DincludeScope=test -DexcludeGroupIds=dev.eve \
    -DoutputDirectory="$TMP/deps" -Dmdep.useRepositoryLayout=false
done
skip() {
  case "$1" in
    openblas-*|jazzer*|jqwik*|jmh-*|commons-math3-*|jopt-simple-*) return 0 ;;  # not used by the GPU run (OpenBLAS, fuzzing, JMH)
    junit-*|opentest4j-*|apiguardian-*) return 0 ;;  # inside the console launcher's standalone jar
    *-android-*|*-ios-*|*-macosx-*|*-windows-*|*-linux-arm*|*-linux-ppc64le*|*-linux-aarch64*|*-linux-x86.jar) return 0 ;;  # other platforms
    *) return 1 ;;
  esac
}
for j in "$TMP"/deps/*.jar; do
  b=$(basename "$j")
  if skip "$b"; then echo "   skipped $b"; else cp "$j" "$BUNDLE/lib/"; fi
done

echo "== JUnit console launcher"
JUNIT=$(sed -n 's|.*<junit.version>\(.*\)</junit.version>.*|\1|p' pom.xml | head -1)
case "$JUNIT" in
  5.*) PLATFORM="1.${JUNIT#5.}" ;;   # JUnit 5.x.y ships the platform 1.x.y
  *) PLATFORM=$JUNIT ;;              # JUnit 6 versions them together
esac
"${MVN[@]}" dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$PLATFORM" \
  -DoutputDirectory="$BUNDLE/junit" \
  || { echo "pack.sh: junit-platform-console-standalone $PLATFORM is not in ~/.m2; fetch it once with" \
            "mvn dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:$PLATFORM" >&2; exit 1; }

echo "== test classes (resources travel with the checkout)"
TRACKED="$TMP/tracked"
git ls-files > "$TRACKED"
for m in eve-core eve-cuda eve-models; do
  src="$m/target/test-classes"
  [ -d "$src" ] || { echo "   $m: no test classes"; continue; }
  dst="$BUNDLE/test-classes/$m"
  mkdir -p "$dst"
  (cd "$src" && find . -type f) | while IFS= read -r f; do
    f=${f#./}
    case "$f" in
      *.class) ;;
      *)
        # A resource travels with the checkout when git tracks it; one that is not under
        # src/test/resources at all is a leftover of an older build (or compiler metadata).
        if [ ! -f "$m/src/test/resources/$f" ] || grep -qxF "$m/src/test/resources/$f" "$TRACKED"; then continue; fi ;;
    esac
    mkdir -p "$dst/$(dirname "$f")"
    cp "$src/$f" "$dst/$f"
  done
done

echo "== original EVE model files from ${EVE_SRC:-nowhere}"
ORIG_FILES="models/multiway_transformer.py models/layer.py models/sharded_moe.py models/experts.py models/vit.py configs/config_vlmoB_base64k.json"
if [ -z "$EVE_SRC" ]; then
  echo "   none found: the training-step peer will report 'no checkout' (pass --eve PATH)"
elif [ -d "$EVE_SRC/models" ]; then
  for f in $ORIG_FILES; do mkdir -p "$BUNDLE/eve-original/$(dirname "$f")"; cp "$EVE_SRC/$f" "$BUNDLE/eve-original/$f"; done
  [ -f "$EVE_SRC/LICENSE" ] && cp "$EVE_SRC/LICENSE" "$BUNDLE/eve-original/"
  (git -C "$EVE_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown) > "$BUNDLE/eve-original/COMMIT"
else
  # shellcheck disable=SC2086 # the file list is split on purpose
  git --git-dir="$EVE_SRC" archive HEAD $ORIG_FILES | tar -x -C "$BUNDLE/eve-original"
  git --git-dir="$EVE_SRC" archive HEAD LICENSE 2>/dev/null | tar -x -C "$BUNDLE/eve-original" || true
  git --git-dir="$EVE_SRC" rev-parse --short HEAD > "$BUNDLE/eve-original/COMMIT"
fi

echo "== Java runtime (jlink)"
# jlink's own --compress is left at zip-0: gzip over the whole image packs it smaller (33 MB instead
# of 40 MB for these modules) and the JVM maps an uncompressed modules file faster.
CP=$(find "$BUNDLE/lib" "$BUNDLE/junit" -name '*.jar' | sort | tr '\n' ':')
DEPS=$("$JDK/bin/jdeps" --ignore-missing-deps --multi-release 21 --print-module-deps -q \
        --class-path "$CP" "$BUNDLE"/lib/eve-*.jar "$BUNDLE"/junit/*.jar "$BUNDLE"/test-classes/* 2>/dev/null || true)
[ -n "$DEPS" ] || { echo "pack.sh: jdeps found no modules" >&2; exit 1; }
# jdk.zipfs: the JUnit launcher scans jars through the zip file system ("Provider jar not found" without it).
MODULES="java.base,java.logging,java.management,jdk.unsupported,jdk.incubator.vector,jdk.zipfs,$DEPS"
MODULES=$(echo "$MODULES" | tr ',' '\n' | sort -u | paste -sd, -)
echo "   modules: $MODULES"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=zip-0 \
  --output "$TMP/jre"
tar -C "$TMP" -cf - jre | gzip -9 > "$BUNDLE/runtime.tgz"

{
  echo "EVE for Java GPU bundle, commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!gpu/bundle' || echo ' + uncommitted changes'), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "runtime: $("$TMP/jre/bin/java" -version 2>&1 | head -1), modules $MODULES"
  echo "junit console: $PLATFORM"
  echo "original EVE: $(cat "$BUNDLE/eve-original/COMMIT" 2>/dev/null || echo none)"
  echo
  (cd "$BUNDLE" && find . -type f ! -name MANIFEST.txt -printf '%10s  %p\n' | sort -k2)
} > "$BUNDLE/MANIFEST.txt"

BYTES=$(du -sb "$BUNDLE" | cut -f1)
MIB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "== $BUNDLE: $MIB MiB (runtime.tgz $(du -h "$BUNDLE/runtime.tgz" | cut -f1), lib $(du -sh "$BUNDLE/lib" | cut -f1), limit $LIMIT_MIB MiB)"
if [ "$BYTES" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "pack.sh: $BUNDLE is $MIB MiB, over the $LIMIT_MIB MiB limit" >&2
  exit 1
fi
