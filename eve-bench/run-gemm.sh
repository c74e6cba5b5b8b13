#!/usr/bin/env bash
# SGEMM benchmark: our pure-Java Sgemm vs OpenBLAS (cblas_sgemm), same thread count, at EVE-Base's shapes.
# Prints a GFLOP/s table and writes JSON lines (default eve-bench/target/gemm-report.jsonl).
#
#   eve-bench/run-gemm.sh                      # build (eve-core, eve-bench) and run the full sweep (~10 min)
#   SKIP_BUILD=1 eve-bench/run-gemm.sh -wi 2 -i 3 -p shape=2048x2048x2048 --out /tmp/g.jsonl
#   EVE_NUM_THREADS=1 eve-bench/run-gemm.sh    # single-threaded, both backends
#
# Arguments other than --out FILE go to JMH. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from the
# environment: they pin OpenBLAS to slower kernels than its CPU auto-detection picks.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}" \
    mvn -q -pl eve-core,eve-bench -am package -DskipTests
fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$JAVA_HOME/bin/java" \
  --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp eve-bench/target/benchmarks.jar dev.eve.bench.GemmReport "$@"
