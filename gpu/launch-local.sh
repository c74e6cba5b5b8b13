#!/usr/bin/env bash
# torchrun --standalone for one machine: starts NPROC copies of COMMAND, one per GPU, with the
# variables dev.eve.cuda.dist.DistEnv reads (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1,
# MASTER_PORT, default 29500). Each rank's output is prefixed with its rank. Exits non-zero if any
# rank did (a rank that never joins makes the others fail at the rendezvous timeout).
#
#   gpu/launch-local.sh NPROC COMMAND [ARGS...]
#   e.g. gpu/launch-local.sh 8 java -cp 'gpu/bundle/lib/*' dev.eve.cuda.dist.NcclSmoke
set -u
if [ $# -lt 2 ]; then
  echo "usage: gpu/launch-local.sh NPROC COMMAND [ARGS...]" >&2
  exit 2
fi
NPROC=$1
shift
case "$NPROC" in
  ''|*[!0-9]*|0) echo "launch-local.sh: NPROC must be a positive integer, got '$NPROC'" >&2; exit 2 ;;
esac
PORT=${MASTER_PORT:-29500}
PIDS=()
for ((r = 0; r < NPROC; r++)); do
  (set -o pipefail; RANK=$r LOCAL_RANK=$r WORLD_SIZE=$NPROC MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT "$@" 2>&1 | sed -u "s/^/[rank $r] /") &
  PIDS+=($!)
done
STATUS=0
for p in "${PIDS[@]}"; do
  if ! wait "$p"; then
    STATUS=1
  fi
done
exit $STATUS
