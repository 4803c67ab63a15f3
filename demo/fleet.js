// A small print fleet: it sets up an account with three webhooks pointing at the demo
// receiver, pushes a few hundred mixed events, waits for the deliveries to settle and
// prints what was delivered, verified and retried. Exits 1 when anything is missing.
//
//   node demo/fleet.js GATEWAY_URL ADMIN_TOKEN RECEIVER_URL [EVENTS]
'use strict';

const [gateway, adminToken, receiver, eventsArg] = process.argv.slice(2);
const eventCount = Number(eventsArg || 300);
const settleSeconds = Number(process.env.DEMO_SETTLE_SECONDS || 90);

async function call(method, path, token, body, headers = {}) {
  const response = await fetch(gateway + path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function expect(status, method, path, token, body, headers) {
  const answer = await call(method, path, token, body, headers);
  if (answer.status !== status) {
    throw new Error(`${method} ${path} answered ${answer.status}, not ${status}: `
      + JSON.stringify(answer.json));
  }
  return answer.json;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fleetEvent(i, printers) {
  const printerToken = printers[i % printers.length];
  const timestamp = new Date(Date.UTC(2026, 0, 6, 12, 0, 0) + i * 1000).toISOString()
    .replace('.000Z', 'Z');
  const kind = i % 10;
  if (kind < 6) {
    return { event: 'print.success', payload: { jobId: `job_${i}`, printerToken, timestamp } };
  }
  if (kind < 8) {
    return {
      event: 'print.failure',
      payload: { jobId: `job_${i}`, printerToken, timestamp, reason: 'paper jam' },
    };
  }
  const event = kind === 8 ? 'printer.offline' : 'printer.online';
  return { event, payload: { printerToken, timestamp } };
}

async function setUp() {
  const account = await expect(201, 'POST', '/v1/accounts', adminToken,
    { name: 'Demo Print Shop', license: 'premium' });
  const subscriptions = {
    '/hooks/everything': ['all'],
    '/hooks/jobs': ['print.success', 'print.failure'],
    '/hooks/printers': ['printer.offline', 'printer.online'],
  };
  const secrets = {};
  for (const [path, events] of Object.entries(subscriptions)) {
    const webhook = await expect(201, 'POST', '/v1/webhooks', account.apiKey,
      { url: receiver + path, events, description: `demo ${path}` });
    secrets[path] = webhook.secret;
  }
  const told = await fetch(`${receiver}/_secrets`, {
    method: 'POST', body: JSON.stringify(secrets),
  });
  if (told.status !== 204) {
    throw new Error(`the receiver refused the secrets: ${told.status}`);
  }
  const bestEffort = await expect(201, 'POST', '/v1/accounts', adminToken,
    { name: 'Demo Best Effort', license: 'best_effort' });
  return { account, bestEffort };
}

async function pushEvents(apiKey) {
  const printers = Array.from({ length: 25 }, (_, i) => `printer_${String(i).padStart(3, '0')}`);
  const events = Array.from({ length: eventCount }, (_, i) => fleetEvent(i, printers));
  const singles = events.slice(0, Math.ceil(events.length / 2));
  const batched = events.slice(singles.length);
  let expected = 0;
  for (let start = 0; start < singles.length; start += 8) {
    const answers = await Promise.all(singles.slice(start, start + 8).map(
      (event) => expect(202, 'POST', '/v1/events', apiKey, event)));
    expected += answers.reduce((sum, answer) => sum + answer.deliveries, 0);
  }
  for (let start = 0; start < batched.length; start += 50) {
    const answer = await expect(202, 'POST', '/v1/events/batch', apiKey,
      { events: batched.slice(start, start + 50) });
    for (const result of answer.results) {
      if (result.error) {
        throw new Error(`a batch item was refused: ${JSON.stringify(result.error)}`);
      }
      expected += result.deliveries;
    }
  }
  return expected;
}

async function showIdempotency(apiKey) {
  const event = fleetEvent(0, ['printer_idem']);
  const headers = { 'Idempotency-Key': `demo-${Date.now()}` };
  const first = await expect(202, 'POST', '/v1/events', apiKey, event, headers);
  const again = await expect(202, 'POST', '/v1/events', apiKey, event, headers);
  if (first.id !== again.id) {
    throw new Error('a repeated Idempotency-Key produced a second event');
  }
  return first.deliveries;
}

async function receiverSummary() {
  return (await fetch(`${receiver}/_summary`)).json();
}

async function waitForDeliveries(expected) {
  const deadline = Date.now() + settleSeconds * 1000;
  let summary = await receiverSummary();
  while (summary.delivered < expected && Date.now() < deadline) {
    await sleep(500);
    summary = await receiverSummary();
  }
  return summary;
}

async function countByStatus(apiKey) {
  const counts = {};
  let cursor = null;
  do {
    const query = cursor ? `?limit=500&cursor=${encodeURIComponent(cursor)}` : '?limit=500';
    const page = await expect(200, 'GET', `/v1/deliveries${query}`, apiKey);
    for (const delivery of page.data) {
      counts[delivery.status] = (counts[delivery.status] || 0) + 1;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}

// The receiver may have answered a delivery a moment before the gateway wrote its outcome.
async function waitForLog(apiKey, expected) {
  const deadline = Date.now() + 30_000;
  let statuses = await countByStatus(apiKey);
  while ((statuses.succeeded || 0) < expected && Date.now() < deadline) {
    await sleep(250);
    statuses = await countByStatus(apiKey);
  }
  return statuses;
}

async function main() {
  const { account, bestEffort } = await setUp();
  const started = Date.now();
  let expected = await pushEvents(account.apiKey);
  expected += await showIdempotency(account.apiKey);
  const ignored = await expect(202, 'POST', '/v1/events', bestEffort.apiKey,
    fleetEvent(1, ['printer_be']));
  const gated = await call('GET', '/v1/webhooks', bestEffort.apiKey);
  const pushedIn = (Date.now() - started) / 1000;

  const summary = await waitForDeliveries(expected);
  const statuses = await waitForLog(account.apiKey, expected);
  const settledIn = (Date.now() - started) / 1000;

  const rows = [
    ['events pushed (singles and batches)', eventCount + 2],
    ['deliveries the gateway fanned out', expected],
    ['deliveries received with status 200', summary.delivered],
    ['requests verified (JSON.stringify recipe)', summary.verifiedSpecRecipe],
    ['requests verified (raw body)', summary.verifiedRawBody],
    ['requests with a bad signature', summary.rejected],
    ['first attempts failed on purpose (500)', summary.failedOnPurpose],
    ['deliveries that needed a retry', summary.retried],
    ['duplicate deliveries seen', summary.duplicates],
    ['delivery log: succeeded / pending / failed',
      `${statuses.succeeded || 0} / ${statuses.pending || 0} / ${statuses.failed || 0}`],
    ['best-effort event: deliveries', ignored.deliveries],
    ['best-effort GET /v1/webhooks', `${gated.status} ${gated.json.error.code}`],
    ['seconds to push / to settle', `${pushedIn.toFixed(1)} / ${settledIn.toFixed(1)}`],
  ];
  console.log('\nOuViTel webhook demo');
  for (const [label, value] of rows) {
    console.log(`  ${label.padEnd(44)} ${value}`);
  }
  console.log('  by event type:', JSON.stringify(summary.byEvent));
  const ok = summary.delivered === expected && summary.rejected === 0
    && summary.retried === summary.failedOnPurpose && (statuses.succeeded || 0) === expected;
  console.log(ok ? '\nEvery delivery arrived, verified, retries included.'
    : '\nSome deliveries are missing or did not verify: see above.');
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
