'use strict';
// A webhook receiver for the gateway's Java tests, run as a real Node process.
//
// Every delivery is checked three ways, with each secret the test gave for its path:
//   rawHmac       hex HMAC-SHA256 of the bytes received, against X-Ouvitel-Signature
//   stringifyHmac the customer description's recipe: HMAC over JSON.stringify(req.body)
//                 after express.json() parsed the body, against X-Ouvitel-Signature
//   standard      the standardwebhooks package's Webhook.verify over the raw body and the
//                 webhook-id, webhook-timestamp and webhook-signature headers
// The receiver answers 401 unless some secret passes all three, then the scripted failure
// status for the first failAttempts attempts of each delivery, then 200. Every delivery is
// recorded, and the Java test reads the records from GET /_control/results.
//
// It listens on 127.0.0.1 on a free port, prints "listening <port>" on stdout, and exits when
// its standard input closes, so it never outlives the test JVM that started it.

const crypto = require('crypto');
const express = require('express');
const { Webhook } = require('standardwebhooks');

const paths = new Map();
const results = [];

function sameText(a, b) {
  const left = Buffer.from(String(a), 'utf8');
  const right = Buffer.from(String(b), 'utf8');
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

function hexHmac(secret, data) {
  return crypto.createHmac('sha256', secret).update(data).digest('hex');
}

function checkWith(label, secret, req) {
  const signature = req.headers['x-ouvitel-signature'];
  const check = { label };
  check.rawHmac = sameText(signature, hexHmac(secret, req.rawBody));
  // The description's example, as customers copy it.
  const expected = crypto
    .createHmac('sha256', secret)
    .update(JSON.stringify(req.body))
    .digest('hex');
  check.stringifyHmac = signature === expected;
  try {
    new Webhook(secret).verify(req.rawBody, req.headers);
    check.standard = true;
  } catch (error) {
    check.standard = false;
    check.standardError = error.message;
  }
  check.all = check.rawHmac && check.stringifyHmac && check.standard;
  return check;
}

function record(req) {
  const raw = req.rawBody || Buffer.alloc(0);
  const text = raw.toString('utf8');
  const signatures = req.headers['webhook-signature'] || '';
  return {
    path: req.path,
    receivedAtMs: Date.now(),
    deliveryId: req.headers['x-ouvitel-delivery'] || null,
    attempt: Number(req.headers['x-ouvitel-attempt'] || 0),
    contentType: req.headers['content-type'] || null,
    ouvitelTimestamp: Number(req.headers['x-ouvitel-timestamp'] || 0),
    webhookId: req.headers['webhook-id'] || null,
    webhookTimestamp: Number(req.headers['webhook-timestamp'] || 0),
    signatureCount: signatures === '' ? 0 : signatures.split(' ').length,
    bodySha256: crypto.createHash('sha256').update(raw).digest('hex'),
    body: text,
    roundTrip: req.body !== undefined && JSON.stringify(req.body) === text,
  };
}

function receive(req, res) {
  const config = paths.get(req.path) || { secrets: [], failAttempts: 0, failStatus: 503 };
  const entry = record(req);
  entry.checks = config.secrets.map(({ label, secret }) => checkWith(label, secret, req));
  if (!entry.checks.some((check) => check.all)) {
    entry.status = 401;
  } else if (entry.attempt <= config.failAttempts) {
    entry.status = config.failStatus;
  } else {
    entry.status = 200;
  }
  results.push(entry);
  res.status(entry.status).send(entry.status === 401 ? 'invalid signature' : 'ok');
}

function configure(req, res) {
  const { path, secrets, failAttempts, failStatus } = req.body;
  paths.set(path, {
    secrets: secrets || [],
    failAttempts: failAttempts || 0,
    failStatus: failStatus || 503,
  });
  res.status(204).end();
}

function resultsOf(req, res) {
  const path = req.query.path;
  res.json({ results: results.filter((entry) => path === undefined || entry.path === path) });
}

const app = express();
// Gateway events may be up to 256 KiB; express.json() would refuse more than 100 kB.
app.use(express.json({
  limit: '1mb',
  verify: (req, res, buffer) => {
    req.rawBody = Buffer.from(buffer);
  },
}));
app.post('/_control/paths', configure);
app.get('/_control/results', resultsOf);
app.post('/{*path}', receive);

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
