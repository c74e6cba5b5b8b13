#!/usr/bin/env bash
# Runs our GPU tests and GPU benchmarks on a bare GPU machine (no Java, no network, no CUDA toolkit;
# python3 with a CUDA build of PyTorch whose site-packages/nvidia/*/lib hold libcudart, libcublas(Lt),
# libnvrtc, libcudnn and libnccl), from the repository root, with gpu/bundle/ made by gpu/pack.sh.
#
#   OUT=DIR gpu/run-on-gpu.sh [--device cuda|cuda:N|cpu] [--skip-tests] [--skip-bench] [-- GPU_REPORT_ARGS...]
#
# Everything it writes goes under $OUT (default ./gpu-out):
#   env.txt                       nvidia-smi, the library folders found, java -version
#   junit/TEST-*.xml              JUnit reports: dev.eve.cuda.* and EveFixtureTest on the device; with
#                                 two GPUs or more they include NcclLocalGroupsGpuTest, the NCCL groups
#                                 of one process driving every GPU (what eve run --dist all uses)
#   nccl.log                      NCCL across this machine's GPUs (dev.eve.cuda.dist.NcclSmoke, one
#                                 process per GPU through gpu/launch-local.sh: collectives, gradients
#                                 averaged during backward, bandwidth); not with --device cpu
#   tests.log, bench.log          the other phases' output
#   gpu-bench.json, gpu-bench.md  ours next to PyTorch (dev.eve.bench.gpu.GpuReport), + spec and peer log
# Each phase runs under its own `timeout` (total under 9 minutes); every phase runs even when an
# earlier one failed, and the exit status (non-zero if any phase failed) comes at the end.
# The CPU dry run of this script, on a machine without a GPU:
#   OUT=/tmp/gpu-dry gpu/run-on-gpu.sh --device cpu -- --tiny
set -u

OUT=${OUT:-./gpu-out}
BUNDLE=${EVE_BUNDLE:-gpu/bundle}
DEVICE=cuda
RUN_TESTS=1
RUN_BENCH=1
T_UNPACK=${EVE_T_UNPACK:-45}
T_TESTS=${EVE_T_TESTS:-170}
T_NCCL=${EVE_T_NCCL:-45}
T_BENCH=${EVE_T_BENCH:-240}
BENCH_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE=${2:?--device needs a value}; shift ;;
    --skip-tests) RUN_TESTS=0 ;;
    --skip-bench) RUN_BENCH=0 ;;
    --) shift; BENCH_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run-on-gpu.sh: unknown argument $1 (use --device, --skip-tests, --skip-bench, -- GpuReport args)" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
FAILED=()
STARTED=$(date +%s)

# phase NAME LIMIT_SECONDS LOG COMMAND...: runs the command under timeout, output to the terminal and LOG.
phase() {
  local name=$1 limit=$2 log=$3 start rc
  shift 3
  echo "== $name (limit ${limit}s)"
  start=$(date +%s)
  timeout --kill-after=15 "$limit" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  echo "== $name: exit $rc after $(($(date +%s) - start))s$([ "$rc" = 124 ] && echo ' (timed out)')"
  if [ "$rc" != 0 ]; then FAILED+=("$name (exit $rc)"); fi
  return 0
}

# ------------------------------------------------------------------ Java runtime
WORK=${EVE_GPU_WORK:-${TMPDIR:-/tmp}/eve-gpu-run}
JAVA=""
if [ ! -f "$BUNDLE/runtime.tgz" ]; then
  echo "run-on-gpu.sh: $BUNDLE/runtime.tgz missing: run gpu/pack.sh on the build machine and carry $BUNDLE" >&2
  FAILED+=("unpack (no bundle)")
else
  rm -rf "$WORK" && mkdir -p "$WORK"
  phase unpack "$T_UNPACK" "$OUT/unpack.log" tar -xzf "$BUNDLE/runtime.tgz" -C "$WORK"
  if [ -x "$WORK/jre/bin/java" ]; then JAVA="$WORK/jre/bin/java"; fi
fi

# ------------------------------------------------------------------ CUDA libraries from PyTorch's wheels
PYTHON=${EVE_PYTHON:-python3}
SITE=$(timeout 60 "$PYTHON" -c 'import nvidia, os; print(os.path.dirname(list(nvidia.__path__)[0]))' 2>/dev/null || true)
if [ -z "$SITE" ]; then
  SITE=$(timeout 60 "$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
fi
LIBDIRS=""
if [ -n "$SITE" ] && [ -d "$SITE/nvidia" ]; then
  for d in "$SITE"/nvidia/*/lib "$SITE"/nvidia/cu*/lib; do
    if [ -d "$d" ]; then
      case ":$LIBDIRS:" in *":$d:"*) ;; *) LIBDIRS=${LIBDIRS:+$LIBDIRS:}$d ;; esac
    fi
  done
fi
export LD_LIBRARY_PATH=${LIBDIRS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "bundle: $(head -1 "$BUNDLE/MANIFEST.txt" 2>/dev/null || echo 'no MANIFEST.txt')"
  echo "device: $DEVICE"
  echo "--- nvidia-smi"
  if command -v nvidia-smi > /dev/null; then timeout 30 nvidia-smi || true; else echo "nvidia-smi not found"; fi
  echo "--- python: $PYTHON, site-packages: ${SITE:-not found}"
  timeout 60 "$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 || echo "no torch"
  echo "--- CUDA library folders (LD_LIBRARY_PATH):"
  if [ -n "$LIBDIRS" ]; then
    echo "$LIBDIRS" | tr ':' '\n' | while IFS= read -r d; do
      echo "$d: $(cd "$d" && find . -maxdepth 1 -name '*.so*' | sed 's|^\./||' | sort | tr '\n' ' ')"
    done
  else
    echo "none found (no nvidia/*/lib under the python's site-packages)"
  fi
  echo "--- java: ${JAVA:-none}"
  if [ -n "$JAVA" ]; then "$JAVA" -version 2>&1; fi
} 2>&1 | tee "$OUT/env.txt"

# ------------------------------------------------------------------ class paths
join() { local IFS=:; echo "$*"; }
LIBS=()
for j in "$BUNDLE"/lib/*.jar; do if [ -f "$j" ]; then LIBS+=("$j"); fi; done
TEST_CP=()
for m in eve-cuda eve-models eve-core; do
  if [ -d "$BUNDLE/test-classes/$m" ]; then TEST_CP+=("$BUNDLE/test-classes/$m"); fi
  if [ -d "$m/src/test/resources" ]; then TEST_CP+=("$m/src/test/resources"); fi
done
JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
  -Xss8m -Xmx24g "-Dorg.bytedeco.javacpp.cachedir=$WORK/javacpp-cache" "-Djava.io.tmpdir=$WORK")

# ------------------------------------------------------------------ tests
if [ "$RUN_TESTS" = 1 ] && [ -n "$JAVA" ]; then
  CONSOLE=$(find "$BUNDLE/junit" -name 'junit-platform-console-standalone-*.jar' | head -1)
  if [ -z "$CONSOLE" ]; then
    echo "run-on-gpu.sh: no JUnit console launcher in $BUNDLE/junit" >&2
    FAILED+=("tests (no console launcher)")
  else
    # The GPU tests of eve-cuda, and EVE's fixture parity tests (forward, routing, heads, every
    # gradient) with the model and inputs moved to the device by -Deve.test.device.
    phase tests "$T_TESTS" "$OUT/tests.log" "$JAVA" "${JVM_FLAGS[@]}" "-Deve.test.device=$DEVICE" \
      -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii \
      --class-path "$(join "${TEST_CP[@]}" "${LIBS[@]}")" \
      --select-package dev.eve.cuda --select-class dev.eve.models.eve.EveFixtureTest \
      --reports-dir "$OUT/junit"
  fi
fi

# ------------------------------------------------------------------ NCCL, one process per GPU
# (the in-process groups, one process for every GPU, are NcclLocalGroupsGpuTest in the tests phase)
if [ "$DEVICE" != cpu ] && [ -n "$JAVA" ]; then
  NGPU=1
  if command -v nvidia-smi > /dev/null; then
    NGPU=$(timeout 30 nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
    if [ -z "$NGPU" ] || [ "$NGPU" -lt 1 ]; then NGPU=1; fi
  fi
  phase "nccl ($NGPU GPU)" "$T_NCCL" "$OUT/nccl.log" gpu/launch-local.sh "$NGPU" \
    "$JAVA" "${JVM_FLAGS[@]}" -Xmx4g -cp "$(join "${LIBS[@]}")" dev.eve.cuda.dist.NcclSmoke
fi

# ------------------------------------------------------------------ benchmarks
if [ "$RUN_BENCH" = 1 ] && [ -n "$JAVA" ]; then
  EVE_ORIGINAL=()
  if [ -d "$BUNDLE/eve-original/models" ]; then EVE_ORIGINAL=(--eve "$(cd "$BUNDLE/eve-original" && pwd)"); fi
  phase bench "$T_BENCH" "$OUT/bench.log" "$JAVA" "${JVM_FLAGS[@]}" -cp "$(join "${LIBS[@]}")" \
    dev.eve.bench.gpu.GpuReport --device "$DEVICE" --out "$OUT" --python "$PYTHON" --budget-s $((T_BENCH - 25)) \
    ${EVE_ORIGINAL[@]+"${EVE_ORIGINAL[@]}"} ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
fi

echo "== done after $(($(date +%s) - STARTED))s; results in $OUT"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "failed: ${FAILED[*]}"
  exit 1
fi
exit 0
