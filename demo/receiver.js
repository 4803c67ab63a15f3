// A webhook receiver written the way the OuViTel description tells customers to: it parses
// the JSON body and checks X-Ouvitel-Signature against an HMAC of JSON.stringify(body).
// It also checks the HMAC of the raw bytes, and fails the first attempt of some deliveries
// on purpose so that the demo shows retries.
//
//   node demo/receiver.js PORT_FILE     listens on a free port and writes it to PORT_FILE
//
// POST /_secrets {"/path": "whsec_..."} tells it the secret of each webhook path;
// GET /_summary answers what it has seen.
'use strict';
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const failFirstPercent = Number(process.env.FAIL_FIRST_PERCENT || 10);
const secrets = new Map();
const deliveries = new Map();
const summary = {
  requests: 0, verifiedSpecRecipe: 0, verifiedRawBody: 0, rejected: 0,
  failedOnPurpose: 0, duplicates: 0,
};

function hmacHex(secret, data) {
  return crypto.createHmac('sha256', secret).update(data).digest('hex');
}

function sameText(given, expected) {
  return given.length === expected.length
    && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

// True for about failFirstPercent of all delivery ids, the same on every attempt.
function chosenToFail(deliveryId) {
  const first = crypto.createHash('sha256').update(deliveryId).digest()[0];
  return (first * 100) / 256 < failFirstPercent;
}

function receive(req, raw, res) {
  const secret = secrets.get(req.url);
  if (!secret) {
    res.writeHead(404).end('no webhook here');
    return;
  }
  summary.requests++;
  const given = req.headers['x-ouvitel-signature'] || '';
  const body = JSON.parse(raw.toString('utf8'));
  const specOk = sameText(given, hmacHex(secret, JSON.stringify(body)));
  const rawOk = sameText(given, hmacHex(secret, raw));
  if (!specOk || !rawOk) {
    summary.rejected++;
    res.writeHead(401).end('Invalid signature');
    return;
  }
  summary.verifiedSpecRecipe++;
  summary.verifiedRawBody++;
  const id = req.headers['x-ouvitel-delivery'];
  const attempt = Number(req.headers['x-ouvitel-attempt']);
  if (attempt === 1 && chosenToFail(id)) {
    summary.failedOnPurpose++;
    res.writeHead(500).end('failing the first attempt on purpose');
    return;
  }
  const known = deliveries.get(id);
  if (known) {
    summary.duplicates++;
  } else {
    deliveries.set(id, { event: body.event, attempt, path: req.url });
  }
  res.writeHead(200).end('ok');
}

function answerSummary(res) {
  const byEvent = {};
  let retried = 0;
  for (const d of deliveries.values()) {
    byEvent[d.event] = (byEvent[d.event] || 0) + 1;
    if (d.attempt > 1) {
      retried++;
    }
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ ...summary, delivered: deliveries.size, retried, byEvent }));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    try {
      if (req.method === 'POST' && req.url === '/_secrets') {
        for (const [path, secret] of Object.entries(JSON.parse(raw.toString('utf8')))) {
          secrets.set(path, secret);
        }
        res.writeHead(204).end();
      } else if (req.method === 'GET' && req.url === '/_summary') {
        answerSummary(res);
      } else if (req.method === 'POST') {
        receive(req, raw, res);
      } else {
        res.writeHead(405).end();
      }
    } catch (error) {
      res.writeHead(400).end(String(error.message));
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  fs.writeFileSync(process.argv[2], String(port));
  console.log(`receiver listening on 127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
