// OuViTel webhooks dashboard: vanilla JavaScript, no build step, no third-party code.
// Every text that comes from the API is written with textContent, never as HTML.
'use strict';

const KEY_STORAGE = 'ouvitel.apiKey';
const WEBHOOK_REFRESH_MS = 15000;
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

const state = {
  webhooks: [],
  logCursor: null,
  logPageStarts: [],
  deliveryId: null,
};

// ---- API ----

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(KEY_STORAGE) };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) {
    return null;
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error || {};
    throw new ApiFailure(response.status, error.code || 'http_' + response.status,
      error.message || 'the gateway answered ' + response.status);
  }
  return data;
}

// ---- small DOM helpers ----

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => {
    if (name === 'onclick') {
      node.addEventListener('click', value);
    } else if (value !== undefined && value !== null) {
      node.setAttribute(name, value);
    }
  });
  children.flat().forEach((child) => {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  });
  return node;
}

function badge(word) {
  return element('span', { class: 'badge ' + word }, word);
}

function say(message, kind) {
  const status = $('status');
  status.replaceChildren(element('p', { class: kind || 'ok' }, message));
}

function sayError(error) {
  say(error instanceof ApiFailure ? error.message + ' (' + error.code + ')'
    : 'Something went wrong: ' + error.message, 'error');
}

function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—';
}

async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) {
      signOut('That API key was refused; enter a valid one.');
      return;
    }
    sayError(error);
  }
}

// ---- sign-in ----

function showSignedIn(signedIn) {
  $('sign-in').hidden = signedIn;
  $('app').hidden = !signedIn;
  $('session').hidden = !signedIn;
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  showSignedIn(false);
  $('api-key').value = '';
  $('api-key').focus();
  if (message) {
    say(message, 'error');
  }
}

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
  await guarded(async () => {
    await loadWebhooks();
    showSignedIn(true);
    say('Signed in.');
    await Promise.all([loadStats(), loadLog()]);
  });
}

// ---- webhooks ----

async function loadWebhooks() {
  const page = await api('GET', '/v1/webhooks?limit=500');
  state.webhooks = page.data;
  renderWebhooks();
  renderWebhookChoices();
}

function webhookStatus(webhook) {
  const status = webhook.enabled ? [badge('enabled')] : [badge('disabled'),
    element('span', { class: 'reason' }, webhook.disabledReason || 'disabled by you')];
  return status.concat(circuitStatus(webhook.circuit));
}

// An open circuit holds deliveries without spending their attempts; say until when.
function circuitStatus(circuit) {
  if (!circuit || circuit.state === 'closed') {
    return [];
  }
  const failures = circuit.failuresInARow + ' failures in a row';
  const reason = circuit.state === 'open'
    ? failures + '; deliveries wait until ' + when(circuit.openUntil) + ' UTC'
    : failures + '; one probe attempt decides';
  const label = circuit.state === 'open' ? 'circuit open' : 'circuit half-open';
  const attributes = { class: 'badge circuit-' + circuit.state, 'data-circuit': circuit.state };
  return [element('span', attributes, label), element('span', { class: 'reason' }, reason)];
}

function renderWebhooks() {
  const rows = state.webhooks.map((webhook) => {
    const name = webhook.description || webhook.url;
    const button = (label, handler, kind) => element('button', {
      type: 'button', class: kind || 'secondary', 'aria-label': label + ': ' + name,
      'data-action': label, onclick: () => guarded(() => handler(webhook)),
    }, label);
    return element('tr', { 'data-webhook': webhook.id },
      element('td', { class: 'url' }, webhook.url,
        webhook.description ? element('span', { class: 'reason' }, webhook.description)
          : null),
      element('td', {}, webhook.events.join(', ')),
      element('td', {}, webhookStatus(webhook)),
      element('td', {}, element('div', { class: 'actions' },
        button('Send test event', sendTest, 'primary'),
        button('Edit', editWebhook),
        button('Reveal secret', revealSecret),
        button('Rotate secret', rotateSecret),
        button('Deliveries', showDeliveriesOf),
        button('Delete', deleteWebhook, 'danger'))));
  });
  $('webhooks').querySelector('tbody').replaceChildren(...rows);
  $('webhooks').hidden = rows.length === 0;
  $('no-webhooks').hidden = rows.length > 0;
}

function renderWebhookChoices() {
  const statsChoice = $('stats-webhook').value;
  const logChoice = $('log-webhook').value;
  const options = () => state.webhooks.map((webhook) =>
    element('option', { value: webhook.id }, webhook.description || webhook.url));
  $('stats-webhook').replaceChildren(...options());
  $('log-webhook').replaceChildren(element('option', { value: '' }, 'any'), ...options());
  if (state.webhooks.some((webhook) => webhook.id === statsChoice)) {
    $('stats-webhook').value = statsChoice;
  }
  if (state.webhooks.some((webhook) => webhook.id === logChoice)) {
    $('log-webhook').value = logChoice;
  }
}

function openWebhookForm(webhook) {
  const form = $('webhook-form');
  form.hidden = false;
  $('webhook-id').value = webhook ? webhook.id : '';
  $('webhook-url').value = webhook ? webhook.url : '';
  $('webhook-description').value = webhook ? webhook.description : '';
  $('webhook-enabled-label').hidden = !webhook;
  $('webhook-enabled').checked = webhook ? webhook.enabled : true;
  form.querySelectorAll('input[name="events"]').forEach((box) => {
    box.checked = webhook ? webhook.events.includes(box.value) : box.value === 'all';
  });
  $('webhook-form-title').textContent = webhook ? 'Edit webhook' : 'New webhook';
  $('webhook-save').textContent = webhook ? 'Save changes' : 'Create webhook';
  $('webhook-url').focus();
}

function editWebhook(webhook) {
  openWebhookForm(webhook);
}

async function saveWebhook(event) {
  event.preventDefault();
  const id = $('webhook-id').value;
  const body = {
    url: $('webhook-url').value.trim(),
    events: [...document.querySelectorAll('input[name="events"]:checked')]
      .map((box) => box.value),
    description: $('webhook-description').value,
  };
  await guarded(async () => {
    if (id) {
      body.enabled = $('webhook-enabled').checked;
      await api('PATCH', '/v1/webhooks/' + encodeURIComponent(id), body);
      say('Webhook saved.');
    } else {
      const created = await api('POST', '/v1/webhooks', body);
      showSecret(created.secret, 'The secret of the new webhook. Verify signatures with it; '
        + 'you can reveal it again later.');
      say('Webhook created.');
    }
    $('webhook-form').hidden = true;
    await loadWebhooks();
    await loadStats();
  });
}

async function deleteWebhook(webhook) {
  if (!window.confirm('Delete the webhook ' + webhook.url + '? Its pending deliveries are '
      + 'cancelled.')) {
    return;
  }
  await api('DELETE', '/v1/webhooks/' + encodeURIComponent(webhook.id));
  say('Webhook deleted; its pending deliveries were cancelled.');
  await loadWebhooks();
  await loadStats();
}

function showSecret(secret, note) {
  $('secret-box').hidden = false;
  $('secret-value').textContent = secret;
  $('secret-note').textContent = note;
  $('secret-hide').focus();
}

async function revealSecret(webhook) {
  const answer = await api('GET', '/v1/webhooks/' + encodeURIComponent(webhook.id)
    + '/secret');
  showSecret(answer.secret, 'The current secret of ' + webhook.url + '.');
}

async function rotateSecret(webhook) {
  const answer = await api('POST', '/v1/webhooks/' + encodeURIComponent(webhook.id)
    + '/rotate-secret', {});
  showSecret(answer.secret, 'The new secret of ' + webhook.url + '. The previous one keeps '
    + 'signing beside it until ' + when(answer.previousSecretExpiresAt) + ' UTC.');
  say('Secret rotated.');
}

async function sendTest(webhook) {
  const answer = await api('POST', '/v1/webhooks/' + encodeURIComponent(webhook.id)
    + '/test', {});
  say('Test event ' + answer.id + ' sent to ' + webhook.url + '.');
  $('log-webhook').value = webhook.id;
  await loadLog();
}

async function showDeliveriesOf(webhook) {
  $('log-webhook').value = webhook.id;
  $('stats-webhook').value = webhook.id;
  await Promise.all([loadLog(), loadStats()]);
  $('log-title').scrollIntoView();
}

// ---- statistics and chart ----

async function loadStats() {
  const id = $('stats-webhook').value;
  if (!id) {
    $('stats-numbers').replaceChildren();
    $('chart').replaceChildren(element('p', {}, 'Create a webhook to see its delivery rates.'));
    return;
  }
  const stats = await api('GET', '/v1/webhooks/' + encodeURIComponent(id) + '/stats?window='
    + encodeURIComponent($('stats-window').value));
  renderStats(stats);
  renderChart(stats.series, stats.window);
}

function renderStats(stats) {
  const rate = stats.successRate === null ? '—' : (stats.successRate * 100).toFixed(1) + ' %';
  const latency = (value) => (value === null ? '—' : value + ' ms');
  const byResult = Object.entries(stats.attemptsByResult)
    .map(([result, count]) => result + ' ' + count).join(', ') || 'none';
  const facts = [
    ['Delivered', stats.delivered], ['Failed', stats.failed], ['Pending now', stats.pending],
    ['Success rate', rate], ['Latency p50', latency(stats.latencyMs.p50)],
    ['Latency p95', latency(stats.latencyMs.p95)], ['Latency p99', latency(stats.latencyMs.p99)],
    ['Attempts by result', byResult],
  ];
  $('stats-numbers').replaceChildren(...facts.map(([name, value]) =>
    element('div', {}, element('dt', {}, name), element('dd', {}, value))));
}

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
  children.forEach((child) => node.append(child instanceof Node ? child
    : document.createTextNode(String(child))));
  return node;
}

function bucketLabel(start, window) {
  const text = when(start);
  return window === '1h' || window === '24h' ? text.slice(11, 16) : text.slice(5, 10);
}

/** Stacked bars per interval: successful attempts below, failed (hatched) above. */
function renderChart(series, window) {
  const width = 900;
  const height = 220;
  const left = 44;
  const bottom = 28;
  const top = 10;
  const most = Math.max(1, ...series.map((point) => point.attempts));
  const slot = (width - left - 8) / Math.max(1, series.length);
  const scale = (value) => (value / most) * (height - top - bottom);
  const defs = svg('defs', {}, svg('pattern', { id: 'hatch', width: 6, height: 6,
    patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
  svg('rect', { width: 6, height: 6, fill: '#f6d5d1' }),
  svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#b42318', 'stroke-width': 4 })));
  const chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img',
    'aria-labelledby': 'chart-title chart-caption' },
  svg('title', { id: 'chart-title' }, 'Successful and failed attempts over the '
      + window + ' window'), defs,
  svg('line', { class: 'axis', x1: left, y1: height - bottom, x2: width - 4,
    y2: height - bottom }),
  svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: height - bottom }),
  svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end' }, most),
  svg('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end' }, 0));
  const labelEvery = Math.ceil(series.length / 12);
  series.forEach((point, index) => {
    const x = left + index * slot + slot * 0.15;
    const barWidth = Math.max(1, slot * 0.7);
    const ok = scale(point.successfulAttempts);
    const failed = scale(point.failedAttempts);
    const base = height - bottom;
    const tip = point.start + ': ' + point.successfulAttempts + ' succeeded, '
      + point.failedAttempts + ' failed';
    chart.append(svg('g', {}, svg('title', {}, tip),
      svg('rect', { class: 'ok', x, y: base - ok, width: barWidth, height: ok }),
      svg('rect', { class: 'fail', x, y: base - ok - failed, width: barWidth,
        height: failed })));
    if (index % labelEvery === 0) {
      chart.append(svg('text', { x: x + barWidth / 2, y: height - 10, 'text-anchor': 'middle' },
        bucketLabel(point.start, window)));
    }
  });
  $('chart').replaceChildren(chart);
}

// ---- delivery log ----

function logQuery(cursor) {
  const query = new URLSearchParams({ limit: '20' });
  const add = (name, value) => {
    if (value) {
      query.set(name, value);
    }
  };
  add('webhookId', $('log-webhook').value);
  add('status', $('log-status').value);
  add('event', $('log-event').value);
  add('since', $('log-since').value ? $('log-since').value + ':00Z' : '');
  add('until', $('log-until').value ? $('log-until').value + ':00Z' : '');
  add('cursor', cursor);
  return '/v1/deliveries?' + query.toString();
}

async function loadLog(cursor) {
  const page = await api('GET', logQuery(cursor));
  state.logCursor = page.nextCursor;
  renderLog(page.data);
}

function renderLog(deliveries) {
  const rows = deliveries.map((delivery) => element('tr', { 'data-delivery': delivery.id },
    element('td', {}, when(delivery.createdAt)),
    element('td', {}, delivery.event),
    element('td', {}, badge(delivery.status)),
    element('td', {}, delivery.attemptCount),
    element('td', {}, delivery.lastResult
      ? delivery.lastResult + (delivery.lastStatusCode ? ' ' + delivery.lastStatusCode : '')
      : '—'),
    element('td', {}, element('button', { type: 'button', class: 'secondary',
      'aria-label': 'Open delivery ' + delivery.id,
      onclick: () => guarded(() => openDelivery(delivery.id)) }, 'Open'))));
  $('deliveries').querySelector('tbody').replaceChildren(...rows);
  $('no-deliveries').hidden = rows.length > 0;
  $('log-next').disabled = !state.logCursor;
}

async function openDelivery(id) {
  const delivery = await api('GET', '/v1/deliveries/' + encodeURIComponent(id));
  state.deliveryId = id;
  const facts = [['Id', delivery.id], ['Webhook', delivery.webhookId],
    ['Event', delivery.event + ' (' + delivery.eventId + ')'], ['Status', delivery.status],
    ['Attempts', delivery.attemptCount], ['Created', when(delivery.createdAt) + ' UTC'],
    ['Next attempt', delivery.nextAttemptAt ? when(delivery.nextAttemptAt) + ' UTC' : '—'],
    ['Completed', delivery.completedAt ? when(delivery.completedAt) + ' UTC' : '—']];
  if (delivery.statusReason) {
    facts.push(['Reason', delivery.statusReason]);
  }
  $('delivery-facts').replaceChildren(...facts.flatMap(([name, value]) =>
    [element('dt', {}, name), element('dd', {}, value)]));
  $('attempts').querySelector('tbody').replaceChildren(...delivery.attempts.map((attempt) =>
    element('tr', {},
      element('td', {}, attempt.number),
      element('td', {}, when(attempt.startedAt)),
      element('td', {}, attempt.durationMs + ' ms'),
      element('td', {}, badge(attempt.result)),
      element('td', {}, attempt.statusCode === null ? '—' : attempt.statusCode),
      element('td', {}, attempt.error || attempt.responseSnippet || '—'))));
  $('delivery-body').textContent = delivery.body;
  $('delivery-title').textContent = 'Delivery ' + delivery.id;
  $('delivery').hidden = false;
  $('delivery').focus();
}

async function retryDelivery() {
  await api('POST', '/v1/deliveries/' + encodeURIComponent(state.deliveryId) + '/retry', {});
  say('Retry of ' + state.deliveryId + ' scheduled now.');
  await openDelivery(state.deliveryId);
  await loadLog();
}

// ---- wiring ----

function wire() {
  $('key-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  $('new-webhook').addEventListener('click', () => openWebhookForm(null));
  $('webhooks-refresh').addEventListener('click', () => guarded(loadWebhooks));
  // Webhook status (a circuit opening or closing) changes on its own: look again now and
  // then while the page is in view.
  setInterval(() => {
    if (!$('app').hidden && document.visibilityState === 'visible') {
      guarded(loadWebhooks);
    }
  }, WEBHOOK_REFRESH_MS);
  $('webhook-form').addEventListener('submit', saveWebhook);
  $('webhook-cancel').addEventListener('click', () => {
    $('webhook-form').hidden = true;
    $('new-webhook').focus();
  });
  $('secret-hide').addEventListener('click', () => {
    $('secret-box').hidden = true;
    $('secret-value').textContent = '';
  });
  $('stats-webhook').addEventListener('change', () => guarded(loadStats));
  $('stats-window').addEventListener('change', () => guarded(loadStats));
  $('stats-refresh').addEventListener('click', () => guarded(loadStats));
  $('log-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    guarded(() => loadLog());
  });
  $('log-first').addEventListener('click', () => guarded(() => loadLog()));
  $('log-next').addEventListener('click', () => guarded(() => loadLog(state.logCursor)));
  $('delivery-retry').addEventListener('click', () => guarded(retryDelivery));
  $('delivery-reload').addEventListener('click',
    () => guarded(() => Promise.all([openDelivery(state.deliveryId), loadLog()])));
  $('delivery-close').addEventListener('click', () => {
    $('delivery').hidden = true;
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !$('delivery').hidden) {
      $('delivery').hidden = true;
    }
  });
}

async function resume() {
  if (!sessionStorage.getItem(KEY_STORAGE)) {
    showSignedIn(false);
    return;
  }
  await guarded(async () => {
    await loadWebhooks();
    showSignedIn(true);
    await Promise.all([loadStats(), loadLog()]);
  });
}

wire();
resume();
