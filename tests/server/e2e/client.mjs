// What the end-to-end drivers share: failures with a name, an HTTPS client
// for mandate whose every answer is checked against docs/openapi.yaml,
// starting `mandate serve`, the [identity] the servers are given, and
// running a driver under a watchdog.
import { spawn } from 'node:child_process';
import https from 'node:https';

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
  function call(method, path, { as, body, type, headers = {}, cookies, validate = true } = {}) {
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

// Runs a driver's `main` and exits: 0 when it passed; 1, naming the failure,
// when it threw or was still running after `seconds` (a hang is a failure
// with a name, not a ctest timeout). `onFailure` reports more (the servers'
// stderr, screenshots); `cleanup(exitCode)` always runs, after a hang too.
export async function runDriver(name, seconds, main, { onFailure, cleanup }) {
  const watchdog = setTimeout(async () => {
    console.error(`\n${name} FAILED: still running after ${seconds} s`);
    await onFailure?.();
    await cleanup(1);
    process.exit(1);
  }, seconds * 1000);
  watchdog.unref();
  let exitCode = 0;
  try {
    await main();
  } catch (e) {
    exitCode = 1;
    console.error(`\n${name} FAILED: ${e instanceof Failure ? e.message : e.stack ?? e}`);
    await onFailure?.(e);
  } finally {
    await cleanup(exitCode);
  }
  process.exit(exitCode);
}
