// A webhook receiver for the end-to-end tests: an HTTP server on a free
// loopback port that checks every delivery with the Standard Webhooks
// reference library (the npm package `standardwebhooks`) and prints one JSON
// line per delivery on stdout, for the test to read.
//
//   node receiver.mjs SECRET_FILE [--fail-first TYPE]... [--hold]
//
// First line: {"port": N}. Then, per delivery:
//   {"webhook_id", "timestamp", "signature", "verified", "error"?, "content_type",
//    "path", "body" (the raw body), "status" (the answer it gets)}
// --fail-first TYPE  the first delivery of each event of CloudEvents type
//                    TYPE is answered 500 (a retry must bring it again)
// --hold             deliveries are held unanswered until SIGUSR2 (the line
//                    is printed when one arrives, with "held": true)
// A delivery whose signature does not verify is answered 400.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';

const args = process.argv.slice(2);
const secret = readFileSync(args[0], 'utf8').trim();
const failFirst = new Set();
let holding = false;
for (let i = 1; i < args.length; ++i) {
  if (args[i] === '--fail-first') failFirst.add(args[++i]);
  else if (args[i] === '--hold') holding = true;
  else throw new Error(`unknown argument ${args[i]}`);
}

const verifier = new Webhook(secret);  // takes the whsec_ form as configured
const seen = new Map();                // webhook-id -> deliveries so far
const held = [];

process.on('SIGUSR2', () => {
  holding = false;
  for (const answer of held.splice(0)) answer();
});

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const line = {
      webhook_id: req.headers['webhook-id'] ?? null,
      timestamp: req.headers['webhook-timestamp'] ?? null,
      signature: req.headers['webhook-signature'] ?? null,
      content_type: req.headers['content-type'] ?? null,
      method: req.method,
      path: req.url,
      body: raw.toString('utf8'),
    };
    let event = null;
    try {
      event = verifier.verify(raw, req.headers);
      line.verified = true;
    } catch (e) {
      line.verified = false;
      line.error = String(e.message ?? e);
    }
    const count = (seen.get(line.webhook_id) ?? 0) + 1;
    seen.set(line.webhook_id, count);
    line.status = !line.verified ? 400 : failFirst.has(event?.type) && count === 1 ? 500 : 200;
    const answer = () => {
      res.statusCode = line.status;
      res.end();
    };
    line.held = holding && line.status === 200;
    console.log(JSON.stringify(line));
    if (line.held) held.push(answer);
    else answer();
  });
});

server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
