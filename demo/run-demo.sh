#!/usr/bin/env bash
# make demo: the gateway (embedded PostgreSQL under target/demo/data unless DATABASE_URL is
# set), the Node receiver of demo/receiver.js and the fleet of demo/fleet.js, which prints
# what was delivered, verified and retried. Everything it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null; then
  echo "make demo needs Node.js 18 or later (node) for its receiver and fleet" >&2
  exit 1
fi
events=${DEMO_EVENTS:-300}
work=target/demo
mkdir -p "$work"
rm -f "$work/receiver.port" "$work/gateway.log"
admin="adm_demo_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

node demo/receiver.js "$work/receiver.port" > "$work/receiver.log" 2>&1 &
pids+=($!)

GATEWAY_HTTP_PORT=0 GATEWAY_MANAGEMENT_PORT=0 GATEWAY_ADMIN_TOKEN="$admin" \
GATEWAY_ALLOW_HTTP_ENDPOINTS=true GATEWAY_ALLOWED_CIDRS=127.0.0.0/8 \
GATEWAY_RETRY_INITIAL_DELAY=${GATEWAY_RETRY_INITIAL_DELAY:-1s} \
GATEWAY_RETRY_MULTIPLIER=${GATEWAY_RETRY_MULTIPLIER:-2} \
GATEWAY_DATA_DIR="$work/data" \
  java -jar target/webhook-gateway.jar > "$work/gateway.log" 2>&1 &
pids+=($!)

echo "Starting the gateway (log: $work/gateway.log) ..."
port=""
for _ in $(seq 1 240); do
  port=$(sed -n 's/.*serves the API on port \([0-9]*\).*/\1/p' "$work/gateway.log" | head -n 1)
  [[ -n "$port" && -s "$work/receiver.port" ]] && break
  if ! kill -0 "${pids[1]}" 2>/dev/null; then
    echo "The gateway did not start:" >&2
    tail -n 20 "$work/gateway.log" >&2
    exit 1
  fi
  sleep 0.5
done
if [[ -z "$port" ]]; then
  echo "The gateway did not start within 2 minutes; see $work/gateway.log" >&2
  exit 1
fi
receiver_port=$(cat "$work/receiver.port")
echo "Gateway on port $port, receiver on port $receiver_port; pushing $events events"
node demo/fleet.js "http://127.0.0.1:$port" "$admin" "http://127.0.0.1:$receiver_port" "$events"
