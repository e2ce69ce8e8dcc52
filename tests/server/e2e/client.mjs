// What the end-to-end drivers share: their command line and run (a watchdog,
// a failure with a name, cleaning up), failures with a name, the mandate CLI
// and `mandate serve` as child processes, and an HTTPS client for mandate
// whose every answer is checked against docs/openapi.yaml; the [identity]
// of the servers they start.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// The mandate binary the driver was given, or its usage and exit 2.
export function mandateBinary(driver) {
  const binary = process.argv[2];
  if (!binary) {
    console.error(`usage: ${driver} path/to/mandate`);
    process.exit(2);
  }
  return binary;
}

// A scratch directory, removed by runDriver unless MANDATE_E2E_KEEP=1.
export const scratch = (prefix) => mkdtempSync(join(os.tmpdir(), prefix));

// Runs `main`: a hang is a failure with a name, not a ctest timeout. On a
// failure, prints it and `stderr()` (the servers' last words); then
// `cleanup()`, the scratch directory `tmp` removed, and the exit code.
export async function runDriver(name, { main, tmp, timeoutMs, stderr, kill, cleanup }) {
  const watchdog = setTimeout(() => {
    console.error(`\n${name} FAILED: still running after ${timeoutMs / 1000} s\n${stderr().slice(-2000)}`);
    kill();
    process.exit(1);
  }, timeoutMs);
  watchdog.unref();
  let exitCode = 0;
  try {
    await main();
  } catch (e) {
    exitCode = 1;
    console.error(`\n${name} FAILED: ${e instanceof Failure ? e.message : e.stack ?? e}`);
    const last = stderr();
    if (last) console.error(`--- mandate serve stderr ---\n${last.slice(-4000)}`);
  } finally {
    await cleanup();
    if (process.env.MANDATE_E2E_KEEP) console.error(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

// The head of a mandate.toml: the home, then [listen] on a free loopback
// port and [tls] with the test PKI's server certificate; `extra` top-level
// settings go before the tables, `tlsExtra` lines into [tls].
export function serveConfigHead(home, pki, { extra = '', tlsExtra = '' } = {}) {
  return `home = "${home}"
${extra}
[listen]
address = "127.0.0.1"
port = 0
handler_threads = 4

[tls]
certificate = "${pki.serverCertFile}"
private_key = "${pki.serverKeyFile}"
${tlsExtra}
`;
}

// [identity]: people by the ID tokens of the test's provider `idp` (aud
// `clientId`, its CA in `pki`), workloads by their X.509-SVIDs of
// example.org, mapped to actors by `workloads` ([[match, actor], ...]);
// `audience`, when given, for the bearer credentials of workloads.
export function identityToml({ idp, clientId, pki, workloads, audience }) {
  const maps = workloads.map(([match, actor]) => `[[identity.workload.map]]\nmatch = "${match}"\nactor = "${actor}"\n`).join('');
  return `[identity]
${audience ? `audience = "${audience}"\n` : ''}
[[identity.oidc]]
issuer = "${idp.issuer}"
audience = "${clientId}"
ca_file = "${pki.webCaFile}"

[[identity.workload]]
kind = "x509-svid"
trust_domain = "example.org"
bundle = "${pki.exampleBundleFile}"
${maps}`;
}

// Production deploys need two approvals from sre: the rule both drivers'
// workflows run under (a rules file; more settings may follow).
export const PROD_DEPLOY_RULE = `[[rule]]
id = "prod"
detail_types = ["deploy"]
approvals = 2
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "10m"
`;

// `mandate --home home args…`, which must succeed; its stdout.
export function mandateCli(binary, home, args, what) {
  const r = spawnSync(binary, ['--home', home, ...args], { encoding: 'utf8' });
  expect(r.status === 0, `${what}: mandate ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export class Failure extends Error {}
export function expect(condition, message) {
  if (!condition) throw new Failure(message);
}
export function expectStatus(r, status, what) {
  expect(r.status === status, `${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 400)}`);
}

// `port()`: mandate's port (known once it listens); `ca`: what verifies its
// certificate; `openapi`: loadOpenApi's checker.
export function makeClient({ port, ca, openapi }) {
  let validated = 0;
  // One HTTPS request. `as`: a bearer token (string) or a TLS client
  // credential (object with cert/key); `cookies`: a Cookie header. Every
  // answer is checked against the OpenAPI document unless `validate` is false.
  // `onSent`: told once the whole request is handed to the OS.
  function call(method, path, { as, body, type, headers = {}, cookies, validate = true, onSent } = {}) {
    return new Promise((resolvePromise, reject) => {
      const h = { ...headers };
      if (typeof as === 'string') h.authorization = `Bearer ${as}`;
      if (cookies) h.cookie = cookies;
      let payload;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        h['content-type'] = type ?? 'application/json';
        h['content-length'] = Buffer.byteLength(payload);
      }
      const options = { host: '127.0.0.1', port: port(), method, path, headers: h, ca, agent: false };
      if (as && typeof as === 'object') Object.assign(options, { cert: as.cert, key: as.key });
      const req = https.request(options, (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const r = { status: res.statusCode, headers: res.headers, text };
          try {
            expect(typeof res.headers['x-request-id'] === 'string' && res.headers['x-request-id'].length > 0,
              `${method} ${path}: no X-Request-ID in the answer`);
            if (validate) {
              openapi.check(method, path, res.statusCode, res.headers['content-type'], text);
              ++validated;
            }
            if ((res.headers['content-type'] ?? '').startsWith('application/json')) r.json = JSON.parse(text);
          } catch (e) {
            reject(e);
            return;
          }
          resolvePromise(r);
        });
        res.on('error', reject);
      });
      req.on('error', (e) => reject(new Failure(`${method} ${path}: ${e.message} (no answer)`)));
      if (onSent) req.on('finish', onSent);
      req.end(payload);
    });
  }
  return { call, validated: () => validated };
}

// `mandate serve --config configFile`: the child process, with `exited` (a
// promise of {code, signal}) and `announced` (a promise of the first line it
// prints once listening). Its stderr goes to `onStderr`.
export function spawnServe(binary, configFile, onStderr) {
  const server = spawn(binary, ['serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (d) => {
    stderr += d;
    onStderr(d);
  });
  server.exited = new Promise((resolvePromise) => server.on('exit', (code, signal) => resolvePromise({ code, signal })));
  server.announced = new Promise((resolvePromise, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        server.stdout.off('data', onData);
        resolvePromise(out.slice(0, nl));
      }
    };
    server.stdout.on('data', onData);
    server.exited.then(({ code }) => reject(new Failure(`mandate serve exited ${code} before listening: ${stderr}`)));
    setTimeout(() => reject(new Failure('mandate serve did not announce its port within 20 s')), 20000);
  });
  return server;
}
