#!/usr/bin/env bash
# The benchmark: PostgreSQL, the gateway as its own process, a signature-checking receiver
# and a load generator; see bench/README.md. `--smoke` runs every scenario for about a
# second and checks the results instead of measuring. Writes target/bench/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f target/webhook-gateway.jar ]]; then
  echo "target/webhook-gateway.jar is missing: run 'make bench' (it builds first)" >&2
  exit 2
fi
# The bench code lives with the tests, out of the production jar; compile it if needed.
# (Maven 3.8 writes colour resets even in batch mode: dropped, errors kept.)
mvn -B -q test-compile 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
mkdir -p target/bench

exec java -Xms512m -Xmx2g -XX:+UseZGC \
  -Xlog:gc,safepoint:file=target/bench/load-generator-pauses.log:time \
  -cp target/test-classes:target/webhook-gateway.jar \
  com.ouvitel.gateway.bench.BenchMain "$@"
