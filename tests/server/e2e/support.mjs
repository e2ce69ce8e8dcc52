// What the end-to-end tests (server.e2e and the web console's
// console.browser) share: failures with a name, one HTTPS call, starting
// `mandate serve`, the [identity] they configure (people from the test's
// OpenID provider, workloads by their X.509-SVIDs of example.org), and
// running a test under a watchdog.
import { spawn } from 'node:child_process';
import https from 'node:https';

// A check that failed: reported by its message alone (no stack).
export class Failure extends Error {}
export function expect(condition, message) {
  if (!condition) throw new Failure(message);
}

// One HTTPS request with node's `https.request` options; resolves with
// {status, headers, text} once the whole answer is in.
export function httpsCall(options, payload) {
  return new Promise((resolve, reject) => {
    const req = https.request(options, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// Runs `main` and exits: 0 when it passed; 1, naming the failure, when it
// threw or was still running after `seconds` (a hang is a failure with a
// name, not a ctest timeout). `onFailure` reports more; `cleanup` always runs.
export async function runTest(name, seconds, main, { onFailure, cleanup }) {
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

// `mandate serve --config FILE`, resolved once it announced where it
// listens (its first stdout line, JSON). The child gets `exited` (a promise
// of {code, signal}), `stderrText` and `announced`.
export async function startServe(mandate, configFile, { onStderr } = {}) {
  const server = spawn(mandate, ['serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderrText = '';
  server.stderr.on('data', (d) => {
    server.stderrText += d;
    onStderr?.(d);
  });
  server.exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
  const first = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        server.stdout.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    server.stdout.on('data', onData);
    server.exited.then(({ code }) => reject(new Failure(`mandate serve exited ${code} before listening: ${server.stderrText}`)));
    setTimeout(() => reject(new Failure('mandate serve did not announce its port within 20 s')), 20000);
  });
  server.announced = JSON.parse(first);
  return server;
}

// [identity]: `audience`, the provider `idp` (its CA in `pki`) for ID tokens
// whose aud is `clientId`, and X.509-SVIDs of example.org mapped to actors
// by `workloads`: [[match, actor], ...].
export function identityToml({ audience, idp, clientId, pki, workloads }) {
  const maps = workloads.map(([match, actor]) => `[[identity.workload.map]]\nmatch = "${match}"\nactor = "${actor}"\n`).join('');
  return `[identity]
audience = "${audience}"

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
