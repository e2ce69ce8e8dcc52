// Starting `mandate serve` for the end-to-end tests (server.e2e and the web
// console's console.browser), and the [identity] they share: people from
// the test's OpenID provider, workloads by their X.509-SVIDs of example.org.
import { spawn } from 'node:child_process';

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
    server.exited.then(({ code }) => reject(new Error(`mandate serve exited ${code} before listening: ${server.stderrText}`)));
    setTimeout(() => reject(new Error('mandate serve did not announce its port within 20 s')), 20000);
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
