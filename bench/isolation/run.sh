#!/usr/bin/env bash
# The isolation benchmark of issue 4: a healthy endpoint's delivery latency alone and beside
# an endpoint that never answers (5,000 deliveries queued for it, more arriving), in-JVM on
# the PostgreSQL at 127.0.0.1:5432. Prints p50/p95/p99 and the p99 ratio; also written to
# target/bench/isolation.txt. Knobs: -Dbench.events=600 -Dbench.rate=50 -Dbench.backlog=5000
# passed as arguments, e.g. bench/isolation/run.sh -Dbench.rate=100
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q test -Dtest=IsolationBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -DargLine="$*" >/dev/null
cat target/bench/isolation.txt
