#!/usr/bin/env bash
# Makes the screenshots of docs/observability.md from a running system: starts the whole system locally (in
# its own MESH_HOME, ports moved by MESH_PORT_OFFSET), starts Debian's prometheus with the configuration the
# start wrote (.mesh/prometheus.yml: every replica through the registry's service discovery), places orders
# for a while (every seventh with a card that is declined), then renders Prometheus's graph, alerts and
# targets pages in headless Chromium into PNG files (Debian's prometheus serves the classic UI, under
# /classic). Stops everything it started.
#
#   scripts/observability-screenshots.sh [OUT_DIR]          (default docs/img)
#   RABBITMQ_URL=amqp://…  also shows the broker (its rabbitmq_prometheus plugin on :15692, or
#                          MESH_RABBITMQ_METRICS_URL) and one malformed event in analytics' dead-letter queue
#                          (ANALYTICS_QUEUE, default analytics-agent.order-events: on a shared broker, name
#                          your own and delete it and its .dlq afterwards)
#   SCREENSHOT_TRAFFIC_SECONDS=120   how long orders flow before the pictures are taken
#
# Needs a build (pnpm build), prometheus and chromium (Debian packages), curl and node.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_build

out=$(cd "$MESH_ROOT" && mkdir -p "${1:-docs/img}" && cd "${1:-docs/img}" && pwd -P)
traffic_seconds=${SCREENSHOT_TRAFFIC_SECONDS:-120}
for tool in prometheus chromium curl node; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install prometheus chromium curl)"
done

new_system_home screenshots 25000
prometheus_pid=
cleanup() {
  [ -n "$prometheus_pid" ] && kill "$prometheus_pid" 2>/dev/null && wait "$prometheus_pid" 2>/dev/null
  stop_system_in_home
}
trap cleanup EXIT
start_system_in_home

echo "== starting prometheus"
port=$((9090 + MESH_PORT_OFFSET))
# Scrape every 2 s rather than 10 s, so a few minutes draw a curve; the alert rules from a copy beside the
# configuration (the alerts page names their file); on a broker other systems share (ANALYTICS_QUEUE set),
# only this system's queues.
cp "$MESH_ROOT/deploy/prometheus/alerts.yml" "$home/alerts.yml"
# shellcheck disable=SC2016 # JavaScript, not shell, in single quotes
(cd "$MESH_ROOT/packages/meshctl" && node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parse, stringify } from "yaml";
  const [home, queue] = process.argv.slice(1);
  const config = parse(readFileSync(`${home}/prometheus.yml`, "utf8"));
  config.global = { scrape_interval: "2s", evaluation_interval: "2s" };
  config.rule_files = ["alerts.yml"];
  for (const job of config.scrape_configs) {
    for (const sd of job.http_sd_configs ?? []) sd.refresh_interval = "2s";
    if (job.job_name === "rabbitmq-queues" && queue !== "")
      job.metric_relabel_configs = [{ source_labels: ["queue"], regex: `${queue.replace(/\./g, "\\.")}(\\.dlq)?`, action: "keep" }];
  }
  writeFileSync(`${home}/prometheus-fast.yml`, stringify(config));' "$home" "${ANALYTICS_QUEUE:-}")
prometheus --config.file="$home/prometheus-fast.yml" --storage.tsdb.path="$home/prometheus" \
  --web.listen-address="127.0.0.1:$port" --enable-feature=exemplar-storage --log.level=warn \
  >"$home/prometheus.log" 2>&1 &
prometheus_pid=$!
prom=http://127.0.0.1:$port
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$prom/-/ready" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$prom/-/ready" || { cat "$home/prometheus.log"; die "prometheus did not start"; }

echo "== placing orders for ${traffic_seconds} s"
token=$(demo_token)
if [ -n "${RABBITMQ_URL:-}" ]; then
  # One malformed event for analytics' queue: it goes to the dead-letter queue (and the alert about it).
  # amqplib is a dependency of packages/e2e.
  (cd "$MESH_ROOT/packages/e2e" && node --input-type=module -e '
    import amqp from "amqplib";
    const [url, queue] = process.argv.slice(1);
    const connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, Buffer.from("not json"), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();' "$RABBITMQ_URL" "${ANALYTICS_QUEUE:-analytics-agent.order-events}")
fi
# The first seconds (cold connections and caches) are left out of the graphs: 15 s of warm-up first.
started_graphs=$((SECONDS + 15))
deadline=$((started_graphs + traffic_seconds))
n=0
while [ "$SECONDS" -lt "$deadline" ]; do
  n=$((n + 1))
  place_demo_order "shot-$$-$n" "$n" "$token"
  sleep 0.$((RANDOM % 4 + 2))
done
echo "   $n orders placed"
sleep 4

# shot NAME PATH: renders $prom$PATH into $out/NAME.png.
shot() {
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1080 \
    --virtual-time-budget=15000 --screenshot="$out/$1.png" "$prom$2" >/dev/null 2>&1
  echo "   $out/$1.png ($(($(stat -c %s "$out/$1.png") / 1024)) KB)"
}
# graph EXPR: the graph page's query string for one expression over the traffic after the warm-up.
graph() {
  # shellcheck disable=SC2016 # JavaScript, not shell, in single quotes
  node -e '
    const [expr, seconds] = process.argv.slice(1);
    const q = new URLSearchParams({ "g0.expr": expr, "g0.tab": "0", "g0.range_input": `${seconds}s`,
      "g0.stacked": "0" });
    console.log(`/classic/graph?${q}`);' "$1" "$((SECONDS - started_graphs))"
}

echo "== screenshots"
shot gateway-requests "$(graph 'sum by (route, status) (rate(gateway_http_requests_total{route!~"/metrics|/ready"}[30s]))')"
shot gateway-latency "$(graph 'histogram_quantile(0.95, sum by (le, route) (rate(gateway_http_request_duration_seconds_bucket{route!~"/metrics|/ready"}[30s])))')"
shot order-outcomes "$(graph 'sum by (outcome, code) (rate(order_outcomes_total[30s])) * 60')"
shot tool-error-ratio "$(graph '(sum by (agent) (rate(mesh_tool_calls_total{outcome!="ok"}[30s])) or sum by (agent) (rate(mesh_tool_calls_total[30s])) * 0) / sum by (agent) (rate(mesh_tool_calls_total[30s]))')"
if [ -n "${RABBITMQ_URL:-}" ]; then
  shot broker-queues "$(graph "sum by (queue) (rabbitmq_detailed_queue_messages{queue=~\"${ANALYTICS_QUEUE:-analytics-agent.order-events}.*\"})")"
fi
shot alerts "/classic/alerts"
shot targets "/classic/targets"
