#!/usr/bin/env node
// End to end over real sockets: `mandate serve` with TLS and client
// certificates, a real OpenID provider (oidc-provider) for the humans, SPIFFE
// X.509-SVIDs for the workloads, the whole workflow, attacks that must change
// nothing, every JSON answer checked against docs/openapi.yaml, and a graceful
// shutdown with a request in flight.
//
// usage: node tests/server/e2e/e2e.mjs path/to/mandate
// Exits non-zero on the first failure, naming it. MANDATE_E2E_KEEP=1 keeps the
// temporary directory.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import YAML from 'yaml';
import { checkDocument, loadOpenApi } from './openapi.mjs';
import {
  expect, expectStatus, Failure, identityToml, mandateBinary, mandateCli as cli, makeClient, PROD_DEPLOY_RULE, repo, runDriver, scratch,
  serveConfigHead, spawnServe,
} from './client.mjs';
import { CLIENT_ID, startIdp } from './idp.mjs';
import { makePki } from './pki.mjs';

const MANDATE = mandateBinary('e2e.mjs');
const AUDIENCE = 'https://mandate.e2e.test';
const DEPLOYER = 'spiffe://example.org/ci/deployer';
// mandate's own claims sit under one collision-resistant name (src/token/README.md).
const MANDATE_CLAIM = 'urn:uuid:5c115c81-040e-4cee-a45d-76139b356a10';
const PAYMENTS_RS = 'spiffe://example.org/rs/payments';
const REQUEST_TIMEOUT_S = 3;
const MAX_BODY = 256 * 1024;
const MAX_HEADER = 8192;

const started = Date.now();
const tmp = scratch('mandate-e2e-');
const home = join(tmp, 'home');
const summary = [];
let server;
let serverStderr = '';
let idp;
let port;

function ok(message) {
  summary.push(message);
  console.log(`ok - ${message}`);
}

const mandateCli = (args, what) => cli(MANDATE, home, args, what);

const openapi = loadOpenApi(join(repo, 'docs/openapi.yaml'));
const pki = makePki(tmp);

// One HTTPS request to mandate, its answer checked against docs/openapi.yaml.
const client = makeClient({ port: () => port, ca: pki.webCa, openapi });
const call = client.call;

const form = (fields) => new URLSearchParams(fields).toString();
const jwtPayload = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

async function ledgerSize() {
  const r = await call('GET', '/metrics');
  const m = /^mandate_ledger_entries (\d+)$/m.exec(r.text);
  expect(m, '/metrics has no mandate_ledger_entries gauge');
  return Number(m[1]);
}

async function startServer() {
  mandateCli(['init', '--origin', 'e2e.test/ledger'], 'init');
  mandateCli(['actor', 'add', '--kind', 'human', '--id', 'admin'], 'the first administrator');
  const config = `${serveConfigHead(home, pki, { extra: `public_url = "${AUDIENCE}"`, tlsExtra: 'client_certificates = true' })}
[limits]
max_body_bytes = ${MAX_BODY}
max_header_bytes = ${MAX_HEADER}
request_timeout = "${REQUEST_TIMEOUT_S}s"
idle_timeout = "10s"
drain_timeout = "30s"

[mandates]
issuer = "${AUDIENCE}"
audience = "${AUDIENCE}"

[access]
administrators = ["admin"]

[authzen]
max_batch_items = 3000   # the graceful-shutdown batch below

[log]
access = "${join(tmp, 'access.log')}"

${identityToml({ idp, clientId: CLIENT_ID, pki, audience: AUDIENCE, workloads: [[DEPLOYER, DEPLOYER], ['spiffe://example.org/rs/*', PAYMENTS_RS]] })}`;
  const configFile = join(tmp, 'mandate.toml');
  writeFileSync(configFile, config);
  server = spawnServe(MANDATE, configFile, (d) => { serverStderr += d; });
  const first = await server.announced;
  const announced = JSON.parse(first);
  expect(announced.tls === true && /^127\.0\.0\.1:\d+$/.test(announced.listening), `unexpected announcement ${first}`);
  port = Number(announced.listening.split(':')[1]);
  ok(`mandate serve listening on ${announced.listening} with TLS and client certificates`);
}

// ---------------------------------------------------------------------------

async function workflow(h) {
  const { admin, alice, bob, carol } = h;
  // Operations and discovery documents, unauthenticated.
  expectStatus(await call('GET', '/healthz'), 200, 'healthz');
  expectStatus(await call('GET', '/readyz'), 200, 'readyz');
  let r = await call('GET', '/.well-known/oauth-authorization-server');
  expect(r.json.issuer === AUDIENCE && r.json.token_endpoint === `${AUDIENCE}/oauth/token`, 'RFC 8414 metadata');
  r = await call('GET', '/.well-known/jwks.json');
  expect(r.json.keys.length >= 1, 'jwks');
  r = await call('GET', '/.well-known/authzen-configuration');
  expect(r.json.access_evaluation_endpoint === `${AUDIENCE}/access/v1/evaluation`, 'authzen configuration');
  // No [console] in this server's configuration: the console is not there.
  for (const path of ['/console/login', '/console/', '/console/session']) expectStatus(await call('GET', path), 404, `${path} without [console]`);

  // The administrator registers the humans and the workloads.
  for (const [id, group] of [['alice', 'dev'], ['bob', 'sre'], ['carol', 'sre']]) {
    expectStatus(await call('POST', '/v1/actors', { as: admin, body: { id, kind: 'human', groups: [group] } }), 201, `register ${id}`);
  }
  const { publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = await exportJWK(publicKey);
  r = await call('POST', '/v1/actors', {
    as: admin,
    body: { id: DEPLOYER, kind: 'workload', owner: 'alice', groups: ['deployers'], public_key: JSON.stringify(jwk) },
  });
  expectStatus(r, 201, 'register the deployer');
  expectStatus(await call('POST', '/v1/actors', { as: admin, body: { id: PAYMENTS_RS, kind: 'workload', owner: 'alice' } }), 201,
    'register the resource server');
  r = await call('GET', `/v1/actors/${encodeURIComponent(DEPLOYER)}`, { as: admin });
  expectStatus(r, 200, 'get the deployer');
  expect(r.json.public_jwk && r.json.key_thumbprint, 'the deployer has its key');
  expectStatus(await call('GET', '/v1/actors', { as: alice }), 200, 'list actors');

  r = await call('PUT', '/v1/rules', {
    as: admin, type: 'application/toml',
    body: `${PROD_DEPLOY_RULE}max_uses = 5

[[rule]]
id = "emergency"
detail_types = ["restart"]
approvals = 1
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "10m"
max_uses = 1
break_glass = true
review_within = "1h"
`,
  });
  expectStatus(r, 200, 'load rules');
  expectStatus(await call('GET', '/v1/rules', { as: bob }), 200, 'list rules');
  r = await call('PUT', '/v1/policies', {
    as: admin, type: 'text/plain',
    body: 'permit (principal in Group::"deployers", action == Action::"deploy", resource);\n'
      + 'permit (principal == Workload::"spiffe://example.org/rs/payments", action == Action::"read", resource);\n',
  });
  expectStatus(r, 200, 'load policies');
  expect(r.json.policies === 2, 'two policies loaded');
  r = await call('PUT', '/v1/entities', {
    as: admin,
    body: JSON.stringify([{ uid: { type: 'Doc', id: 'd1' }, attrs: {}, parents: [] }, { uid: { type: 'Doc', id: 'd2' }, attrs: {}, parents: [] }]),
  });
  expectStatus(r, 200, 'load entities');
  ok('admin (OIDC) registered alice, bob, carol, the deployer and the resource server; loaded rules and a Cedar policy');

  // Alice asks; she may not approve her own task; bob and carol approve.
  const task = await approvedTask(h, 'Deploy payments 2.3');
  ok(`alice requested task ${task}; her own approval was refused; bob and carol approved`);

  // The workload exchanges its X.509-SVID for the mandate (RFC 8693 over mTLS).
  r = await call('POST', '/oauth/token', {
    as: pki.deployer, type: 'application/x-www-form-urlencoded',
    body: form({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: pki.deployer.derBase64url,
      subject_token_type: 'urn:mandate:params:oauth:token-type:x509-svid',
      scope: `task:${task}`,
    }),
  });
  expectStatus(r, 200, 'token exchange');
  expect(r.json.token_type === 'Bearer', `a certificate-bound mandate is a Bearer token, got ${r.json.token_type}`);
  const mandate = r.json.access_token;
  const claims = jwtPayload(mandate);
  expect(claims.cnf?.['x5t#S256'] === pki.deployer.x5t, `cnf.x5t#S256 is the deployer's certificate: ${JSON.stringify(claims.cnf)}`);
  expect(claims.act?.sub === DEPLOYER && claims.client_id === DEPLOYER && claims.sub === 'alice' &&
    claims[MANDATE_CLAIM]?.task_id === task, `the mandate names alice (sub), the deployer acting (act) and the task: ${JSON.stringify(claims)}`);
  ok('the deployer exchanged its X.509-SVID for a mandate bound to its certificate (cnf.x5t#S256)');

  // The resource server asks AuthZEN with the mandate and the presenter's thumbprint.
  const ask = (resource, x5t, requestId) => call('POST', '/access/v1/evaluation', {
    as: pki.paymentsRs,
    headers: requestId ? { 'x-request-id': requestId, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } : {},
    body: {
      subject: { type: 'mandate', id: claims.jti, properties: { token: mandate, 'x5t#S256': x5t } },
      action: { name: 'deploy' },
      resource: { type: 'resource', id: resource },
      context: { change: 'CHG-1' },
    },
  });
  r = await ask('prod/payments', pki.deployer.x5t, 'e2e-allow-1');
  expectStatus(r, 200, 'AuthZEN allow');
  expect(r.json.decision === true, `the mandate allows deploy on prod/payments: ${r.text}`);
  expect(r.headers['x-request-id'] === 'e2e-allow-1', 'X-Request-ID echoed');
  r = await ask('prod/ledger', pki.deployer.x5t);
  expectStatus(r, 200, 'AuthZEN deny is 200');
  expect(r.json.decision === false, 'out of scope is denied');
  expect(!r.text.includes(mandate), 'the token is never echoed');
  ok('AuthZEN: in scope allowed, out of scope denied (200 {"decision": false}); X-Request-ID echoed');

  r = await call('POST', '/oauth/introspect', { as: pki.paymentsRs, type: 'application/x-www-form-urlencoded', body: form({ token: mandate }) });
  expectStatus(r, 200, 'introspection');
  expect(r.json.active === true && r.json.token_type === 'Bearer', 'the mandate is active');

  r = await call('POST', '/v1/decisions', {
    as: pki.paymentsRs,
    body: { token: mandate, action: 'deploy', resource: 'prod/payments', certificate_thumbprint: pki.deployer.x5t },
  });
  expect(r.status === 200 && r.json.decision === 'allow', `POST /v1/decisions: ${r.text}`);

  r = await call('GET', `/v1/tasks/${task}`, { as: carol });
  expectStatus(r, 200, 'get task');
  expect(r.json.state === 'active' && r.json.mandates.length === 1, `task is active with one mandate: ${r.json.state}`);
  expectStatus(await call('GET', '/v1/tasks', { as: pki.deployer }), 200, 'list tasks');

  // The workload reports the outcome; the mandate is then inactive.
  r = await call('POST', `/v1/tasks/${task}/outcome`, { as: pki.deployer, body: { outcome: 'success', result_digest: 'sha256:00' } });
  expectStatus(r, 200, 'outcome');
  r = await call('POST', '/oauth/introspect', { as: pki.paymentsRs, type: 'application/x-www-form-urlencoded', body: form({ token: mandate }) });
  expect(r.status === 200 && r.json.active === false && Object.keys(r.json).length === 1, `introspection after the outcome: ${r.text}`);
  ok('the deployer reported the outcome; introspection then says {"active": false}');

  // The investigator: trace and evidence, verified by the binary.
  r = await call('GET', `/v1/trace/${task}`, { as: carol });
  expectStatus(r, 200, 'trace');
  const by = r.json.steps.map((s) => s.entry.actor?.authenticated_by).filter(Boolean);
  expect(by.includes(`oidc:${idp.issuer} sub=alice`), `the request is recorded as authenticated by OIDC: ${JSON.stringify(by)}`);
  expect(by.includes(`oidc:${idp.issuer} sub=bob`), 'the approval is recorded as authenticated by OIDC');
  expect(by.includes(`x509-svid:${DEPLOYER}`), `the issuance and outcome are recorded as authenticated by the X.509-SVID: ${JSON.stringify(by)}`);
  expect(by.includes(`proof-of-possession:x5t#S256=${pki.deployer.x5t}`),
    `an allowed decision names the certificate the presenter proved: ${JSON.stringify(by)}`);
  expect(r.json.attribution?.some((a) => a.execution), `the trace proves execution: ${JSON.stringify(r.json.attribution)}`);
  r = await call('GET', `/v1/trace/${task}?format=text`, { as: carol });
  expect(r.status === 200 && r.headers['content-type'].startsWith('text/plain') && r.text.includes(task), 'text trace');
  r = await call('GET', `/v1/trace/${task}?format=dot`, { as: carol });
  expect(r.status === 200 && r.text.startsWith('digraph'), 'dot trace');
  expectStatus(await call('GET', `/v1/trace/${task}?format=yaml`, { as: carol }), 400, 'unknown trace format');
  r = await call('GET', `/v1/evidence/${task}`, { as: carol });
  expectStatus(r, 200, 'evidence');
  const bundleFile = join(tmp, 'evidence.json');
  writeFileSync(bundleFile, r.text);
  mandateCli(['evidence', 'verify', bundleFile], 'evidence verify');
  ok('trace records oidc:… and x509-svid:… callers; the evidence bundle verifies with `mandate evidence verify`');

  // The ledger as a transparency log.
  r = await call('GET', '/v1/ledger/checkpoint', { as: carol });
  expectStatus(r, 200, 'checkpoint');
  const [origin, sizeText] = r.text.split('\n');
  const size = Number(sizeText);
  expect(origin === 'e2e.test/ledger' && size > 10, `checkpoint ${r.text}`);
  r = await call('GET', `/v1/ledger/proofs/inclusion?index=1&tree_size=${size}`, { as: carol });
  expect(r.status === 200 && r.json.tree_size === size, 'inclusion proof');
  r = await call('GET', `/v1/ledger/proofs/consistency?first=2&second=${size}`, { as: carol });
  expect(r.status === 200 && r.json.proof.length > 0, 'consistency proof');
  r = await call('GET', '/v1/ledger/entries/1', { as: pki.paymentsRs });
  expectStatus(r, 200, 'ledger entry');
  expectStatus(await call('GET', `/v1/ledger/entries/${size + 100}`, { as: carol }), 404, 'entry past the end');
  r = await call('GET', '/metrics');
  expect(/mandate_http_requests_total\{method="POST",route="\/access\/v1\/evaluation",status="200"\} 2/.test(r.text),
    'metrics count the evaluations');
  expect(/mandate_decisions_total\{result="allow"\} [1-9]/.test(r.text), 'metrics count the decisions');
  ok(`ledger checkpoint (size ${size}), inclusion and consistency proofs, entries; /metrics counts requests by route`);
  return { task };
}

// The rest of the API, so every answer shape is checked at least once.
async function otherRoutes(h) {
  const { admin, alice, bob, carol } = h;
  const request = (intent, type = 'deploy') => call('POST', '/v1/tasks', {
    as: alice,
    body: { intent, executor: DEPLOYER, duration: '30m', scope: [{ type, actions: [type], resources: ['prod/payments'] }] },
  });
  let r = await request('denied one');
  const denied = r.json.task;
  r = await call('POST', `/v1/tasks/${denied}/denials`, { as: bob, body: { reason: 'not now' } });
  expect(r.status === 200 && r.json.rule_status === 'denied' && r.json.task_state === 'denied', `denial: ${r.text}`);
  r = await request('cancelled one');
  r = await call('POST', `/v1/tasks/${r.json.task}/cancel`, { as: alice, body: { reason: 'changed my mind' } });
  expect(r.status === 200 && r.json.state === 'cancelled', `cancel: ${r.text}`);

  // Break-glass, then its review.
  r = await call('POST', '/v1/tasks/break-glass', {
    as: alice,
    body: { intent: 'restart payments now', executor: DEPLOYER, duration: '30m', reason: 'outage INC-7',
      scope: [{ type: 'restart', actions: ['restart'], resources: ['prod/payments'] }] },
  });
  expectStatus(r, 201, 'break-glass');
  const emergency = r.json.task;
  r = await call('GET', '/v1/reviews', { as: carol });
  expect(r.status === 200 && r.json.some((t) => t.id === emergency && t.overdue === false), `pending reviews: ${r.text}`);
  r = await call('POST', `/v1/reviews/${emergency}`, { as: carol, body: { comment: 'justified' } });
  expect(r.status === 200 && r.json.review === 'approved', `review: ${r.text}`);

  // Suspend and offboard a workload.
  const old = 'spiffe://example.org/ci/old';
  expectStatus(await call('POST', '/v1/actors', { as: admin, body: { id: old, kind: 'workload', owner: 'alice' } }), 201, 'register old');
  r = await call('POST', `/v1/actors/${encodeURIComponent(old)}/suspend`, { as: admin, body: { reason: 'rotating' } });
  expect(r.status === 200 && r.json.state === 'suspended', `suspend: ${r.text}`);
  r = await call('POST', `/v1/actors/${encodeURIComponent(old)}/offboard`, { as: admin, body: { reason: 'retired' } });
  expect(r.status === 200 && r.json.state === 'offboarded' && r.json.revoked_mandates.length === 0, `offboard: ${r.text}`);

  // AuthZEN batches and searches (general decisions over Cedar).
  const rs = { type: 'Workload', id: PAYMENTS_RS };
  r = await call('POST', '/access/v1/evaluations', {
    as: pki.paymentsRs,
    body: { subject: rs, action: { name: 'read' }, evaluations: [{ resource: { type: 'Doc', id: 'd1' } }, { action: { name: 'write' }, resource: { type: 'Doc', id: 'd1' } }, { resource: {} }] },
  });
  expect(r.status === 200 && r.json.evaluations.length === 3 && r.json.evaluations[0].decision === true
    && r.json.evaluations[1].decision === false && r.json.evaluations[2].context?.error?.status === 400, `evaluations: ${r.text}`);
  r = await call('POST', '/access/v1/search/resource', { as: pki.paymentsRs, body: { subject: rs, action: { name: 'read' }, resource: { type: 'Doc' } } });
  expect(r.status === 200 && r.json.results.map((x) => x.id).join() === 'd1,d2', `search resource: ${r.text}`);
  r = await call('POST', '/access/v1/search/subject', { as: pki.paymentsRs, body: { subject: { type: 'Workload' }, action: { name: 'read' }, resource: { type: 'Doc', id: 'd1' } } });
  expect(r.status === 200 && r.json.results.some((x) => x.id === PAYMENTS_RS), `search subject: ${r.text}`);
  r = await call('POST', '/access/v1/search/action', { as: pki.paymentsRs, body: { subject: rs, resource: { type: 'Doc', id: 'd1' } } });
  expect(r.status === 200 && r.json.results.some((x) => x.name === 'read'), `search action: ${r.text}`);
  expectStatus(await call('POST', '/access/v1/evaluation', { as: pki.paymentsRs, body: { subject: rs } }), 400, 'a malformed evaluation');
  ok('denial, cancel, break-glass and its review, suspend and offboard, AuthZEN batch and the three searches');
}

async function approvedTask({ alice, bob, carol }, intent) {
  let r = await call('POST', '/v1/tasks', {
    as: alice,
    body: { intent, executor: DEPLOYER, duration: '30m', scope: [{ type: 'deploy', actions: ['deploy'], resources: ['prod/payments'] }] },
  });
  expectStatus(r, 201, 'request a task');
  const task = r.json.task;
  const before = await ledgerSize();
  r = await call('POST', `/v1/tasks/${task}/approvals`, { as: alice, body: {} });
  expect(r.status >= 400 && r.status < 500, `alice approving her own task: ${r.status} ${r.text}`);
  expect(await ledgerSize() === before, 'a refused self-approval records nothing');
  r = await call('POST', `/v1/tasks/${task}/approvals`, { as: bob, body: {} });
  expect(r.status === 200 && r.json.rule_status === 'pending', `bob approves: ${r.text}`);
  r = await call('POST', `/v1/tasks/${task}/approvals`, { as: carol, body: { comment: 'ok' } });
  expect(r.status === 200 && r.json.rule_status === 'satisfied' && r.json.task_state === 'approved', `carol approves: ${r.text}`);
  return task;
}

// ---------------------------------------------------------------------------

async function attacks(h) {
  const { alice } = h;
  // Set up what the attacks aim at: an approved task of the deployer.
  const task = await approvedTask(h, 'Deploy payments 2.4');
  const taskBody = { intent: 'x', executor: DEPLOYER, duration: '30m', scope: [{ type: 'deploy', actions: ['deploy'], resources: ['prod/payments'] }] };
  const before = await ledgerSize();
  const now = Math.floor(Date.now() / 1000);

  let r = await call('GET', '/v1/tasks');
  expectStatus(r, 401, 'no credentials');
  expect(/Bearer/.test(r.headers['www-authenticate'] ?? ''), '401 carries WWW-Authenticate');
  expectStatus(await call('POST', '/v1/tasks', { body: taskBody }), 401, 'no credentials (POST)');

  // Expired: the provider's own key and kid, only the age is wrong.
  const expired = await new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid: idp.kid })
    .setIssuer(idp.issuer).setAudience(CLIENT_ID).setIssuedAt(now - 7200).setExpirationTime(now - 3600)
    .sign(idp.signingKey);
  expectStatus(await call('POST', '/v1/tasks', { as: expired, body: taskBody }), 401, 'an expired ID token');
  const foreign = await generateKeyPair('ES256');
  const foreignIssuer = await new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid: 'evil-1' })
    .setIssuer('https://idp.evil.example').setAudience(CLIENT_ID).setIssuedAt(now).setExpirationTime(now + 300)
    .sign(foreign.privateKey);
  expectStatus(await call('POST', '/v1/tasks', { as: foreignIssuer, body: taskBody }), 401, 'a token from a foreign issuer');
  const forgedUnderKid = await new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid: idp.kid })
    .setIssuer(idp.issuer).setAudience(CLIENT_ID).setIssuedAt(now).setExpirationTime(now + 300)
    .sign(foreign.privateKey);
  expectStatus(await call('POST', '/v1/tasks', { as: forgedUnderKid, body: taskBody }), 401, "a foreign key under the provider's kid");
  r = await call('POST', '/v1/tasks', { as: h.mallory, body: taskBody });
  expectStatus(r, 403, 'a real login of an unregistered human');
  ok('no credentials, an expired ID token (provider key), a foreign issuer, a forged kid: 401; unregistered human: 403');

  expectStatus(await call('POST', `/v1/tasks/${task}/approvals`, { as: pki.deployer, body: {} }), 403, 'a workload approving');
  expectStatus(await call('POST', '/v1/actors', { as: alice, body: { id: 'eve', kind: 'human' } }), 403, 'a non-administrator registering');
  r = await call('GET', '/v1/tasks', { as: pki.evilDeployer });
  const evilStatus = r.status;
  expect(r.status === 401 || r.status === 403, `an SVID of another trust domain: ${r.status} ${r.text}`);
  expectStatus(await call('GET', '/v1/tasks', { as: pki.rogueDeployer }), 401, 'a foreign CA claiming example.org');
  r = await call('POST', '/oauth/token', {
    as: pki.rogueDeployer, type: 'application/x-www-form-urlencoded',
    body: form({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: pki.rogueDeployer.derBase64url,
      subject_token_type: 'urn:mandate:params:oauth:token-type:x509-svid', scope: `task:${task}`,
    }),
  });
  expect(r.status === 401 && r.json.error === 'invalid_client', `the rogue SVID exchanging: ${r.status} ${r.text}`);
  ok(`a workload approving: 403; an evil.org SVID: ${evilStatus}; a rogue CA's SVID claiming example.org: 401 (also at /oauth/token)`);

  // Another workload takes the deployer's mandate: invalid_grant.
  const exchange = (cred, subject = cred) => call('POST', '/oauth/token', {
    as: cred, type: 'application/x-www-form-urlencoded',
    body: form({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subject.derBase64url,
      subject_token_type: 'urn:mandate:params:oauth:token-type:x509-svid', scope: `task:${task}`,
    }),
  });
  r = await exchange(pki.paymentsRs);
  expect(r.status === 400 && r.json.error === 'invalid_grant', `the resource server exchanging for the deployer's task: ${r.status} ${r.text}`);
  r = await exchange(pki.paymentsRs, pki.deployer);
  expect(r.status === 401 && r.json.error === 'invalid_client', `presenting the deployer's certificate as subject token over another connection: ${r.status} ${r.text}`);
  ok("the resource server's SVID exchanging for the deployer's task: 400 invalid_grant; someone else's certificate as subject_token: 401");

  // Malformed, oversized, wrong type.
  r = await call('POST', '/v1/tasks', { as: alice, body: '{"intent": ' });
  expect(r.status === 400 && r.json.error.includes('request body'), `malformed JSON: ${r.status} ${r.text}`);
  expectStatus(await call('POST', '/v1/tasks', { as: alice, body: '{"intent":"x","intent":"y"}' }), 400, 'duplicate members');
  expectStatus(await call('POST', '/v1/tasks', { as: alice, body: JSON.stringify(taskBody), type: 'text/plain' }), 415, 'wrong content type');
  expectStatus(await call('PUT', '/v1/rules', { as: h.admin, body: '[[rule]]', type: 'application/json' }), 415, 'rules as JSON');
  expectStatus(await call('POST', '/v1/tasks', { as: alice, body: { ...taskBody, intent: 'x'.repeat(MAX_BODY + 1024) } }), 413, 'an oversized body');
  r = await call('GET', '/v1/tasks', { as: alice, headers: { 'x-padding': 'p'.repeat(MAX_HEADER + 1024) } });
  expectStatus(r, 431, 'an oversized header');
  expectStatus(await call('DELETE', '/v1/tasks', { as: alice }), 405, 'a method not allowed');
  expectStatus(await call('GET', '/v1/nothing-here', { as: alice }), 404, 'no such endpoint');
  expectStatus(await call('GET', '/v1/ledger/proofs/inclusion?index=abc', { as: alice }), 400, 'a bad query parameter');
  r = await call('POST', '/oauth/token', { type: 'application/x-www-form-urlencoded', body: 'grant_type=password' });
  expect(r.status === 400 && r.json.error === 'unsupported_grant_type', `password grant: ${r.text}`);
  ok('malformed JSON and duplicate members 400; wrong content type 415; body over the limit 413; header over the limit 431; 405; 404');

  // A slow client: half a header, then nothing. Disconnected within the request timeout.
  const t0 = Date.now();
  const closedAfter = await new Promise((resolvePromise, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.webCa, servername: 'localhost' }, () => {
      socket.write('GET /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    });
    let received = '';
    socket.on('data', (d) => { received += d; });
    socket.on('error', () => {});
    socket.on('close', () => resolvePromise({ ms: Date.now() - t0, received }));
    setTimeout(() => { socket.destroy(); reject(new Failure('the slow client was not disconnected within 3x the request timeout')); },
      REQUEST_TIMEOUT_S * 3000);
  });
  expect(closedAfter.ms <= REQUEST_TIMEOUT_S * 1000 + 2000, `the slow client was disconnected after ${closedAfter.ms} ms`);
  expect(closedAfter.ms >= REQUEST_TIMEOUT_S * 1000 - 500, `the slow client was disconnected too early (${closedAfter.ms} ms)`);
  ok(`a client sending half a header was disconnected after ${(closedAfter.ms / 1000).toFixed(1)} s (request_timeout ${REQUEST_TIMEOUT_S} s)`);

  const after = await ledgerSize();
  expect(after === before, `the attacks changed the ledger: ${before} entries before, ${after} after`);
  ok(`none of the attacks changed the ledger (${after} entries before and after)`);

  // A certificate-bound mandate presented with another certificate's thumbprint:
  // denied, and (as every decision) recorded.
  r = await call('POST', `/v1/tasks/${task}/mandates`, { as: pki.deployer });
  expectStatus(r, 201, 'the deployer takes the second mandate (REST)');
  const mandate = r.json.token;
  expect(jwtPayload(mandate).cnf?.['x5t#S256'] === pki.deployer.x5t, 'REST issuance over mTLS is certificate-bound too');
  const sizeBefore = await ledgerSize();
  r = await call('POST', '/access/v1/evaluation', {
    as: pki.paymentsRs,
    body: {
      subject: { type: 'mandate', id: jwtPayload(mandate).jti, properties: { token: mandate, 'x5t#S256': pki.paymentsRs.x5t } },
      action: { name: 'deploy' }, resource: { type: 'resource', id: 'prod/payments' },
    },
  });
  expect(r.status === 200 && r.json.decision === false, `a mandate presented by another certificate: ${r.status} ${r.text}`);
  expect(await ledgerSize() === sizeBefore + 1, 'the denial is recorded as one decision entry');
  r = await call('POST', '/access/v1/evaluation', { as: alice, body: { subject: { type: 'User', id: 'a' }, action: { name: 'x' }, resource: { type: 'T', id: '1' } } });
  expectStatus(r, 403, 'a human asking AuthZEN');
  ok('a certificate-bound mandate with another certificate\'s x5t#S256: {"decision": false} (recorded); humans may not ask AuthZEN (403)');

  // Revocation, both ways.
  r = await call('POST', `/v1/mandates/${jwtPayload(mandate).jti}/revoke`, { as: h.bob, body: { reason: 'done with it' } });
  expect(r.status === 200 && r.json.revoked === true, `revoke: ${r.text}`);
  r = await call('POST', '/oauth/revoke', { as: h.bob, type: 'application/x-www-form-urlencoded', body: form({ token: mandate }) });
  expect(r.status === 200 && r.text === '{}', `RFC 7009 revoke of a revoked token: ${r.text}`);
  r = await call('POST', '/oauth/introspect', { as: h.bob, type: 'application/x-www-form-urlencoded', body: form({ token: mandate }) });
  expect(r.status === 200 && r.json.active === false, `introspection after revocation: ${r.text}`);
  ok('revocation (REST and RFC 7009); introspection then inactive');
}

// ---------------------------------------------------------------------------

async function gracefulShutdown() {
  const items = [];
  for (let i = 0; i < 3000; ++i) items.push({ resource: { type: 'Doc', id: `d${i}` } });
  const body = {
    subject: { type: 'Workload', id: PAYMENTS_RS },
    action: { name: 'read' },
    evaluations: items,
  };
  expect(JSON.stringify(body).length < MAX_BODY, 'the batch fits the body limit');
  // A batch is recorded whole, in one commit, after all its items are
  // decided. Batches of growing size go at once: once the smaller ones are
  // in the ledger and the larger not yet, those are in handlers; then ask
  // the server to stop.
  const sizes = [200, 1000, 3000, 3000];
  const before = await ledgerSize();
  let answeredCount = 0;
  let sentCount = 0;
  const inFlight = sizes.map((n) => call('POST', '/access/v1/evaluations', {
    as: pki.paymentsRs, body: { ...body, evaluations: items.slice(0, n) }, onSent: () => { sentCount += 1; },
  }).finally(() => { answeredCount += 1; }));
  const total = sizes.reduce((a, b) => a + b, 0);
  let seen = before;
  // Stopped once every batch is sent (a request not yet sent is not in
  // flight) and the first is in the ledger, while the larger are not.
  for (let i = 0; i < 800 && (seen === before || sentCount < sizes.length) && answeredCount < sizes.length; ++i) {
    await new Promise((r) => setTimeout(r, 5));
    seen = await ledgerSize();
  }
  expect(answeredCount < sizes.length && seen > before && seen < before + total,
    `no batch was caught in flight (ledger ${before} -> ${seen}, answered: ${answeredCount} of ${sizes.length})`);
  server.kill('SIGTERM');
  // A stopping server takes no new connection.
  await new Promise((r) => setTimeout(r, 200));
  const refused = await new Promise((resolvePromise) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.webCa, servername: 'localhost' }, () => {
      socket.destroy();
      resolvePromise(false);
    });
    socket.on('error', (e) => resolvePromise(e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET'));
  });
  expect(refused, 'a new connection was accepted after SIGTERM');
  for (const [k, r] of (await Promise.all(inFlight)).entries()) {
    expectStatus(r, 200, 'a batch in flight');
    expect(r.json.evaluations.length === sizes[k] && r.json.evaluations.every((e) => e.decision === true),
      `the in-flight answer is complete: ${r.json.evaluations?.length} of ${sizes[k]}`);
    const first = r.json.evaluations[0].context.ledger_index;
    expect(r.json.evaluations.every((e, i) => e.context.ledger_index === first + i), 'a batch is one group of entries');
  }
  const { code, signal } = await server.exited;
  expect(code === 0, `mandate serve exited with ${code ?? signal} after SIGTERM: ${serverStderr}`);
  server = null;
  const out = mandateCli(['ledger', 'verify'], 'ledger verify after shutdown');
  const verified = JSON.parse(out.trim().split("\n").pop());
  expect(verified.ok === true, `ledger verify said: ${out}`);
  expect(verified.size === before + total, `every batch answered is in the ledger: ${verified.size} entries, expected ${before + total}`);
  ok(`SIGTERM with batches of ${sizes.join(', ')} evaluations in flight (${seen - before} decisions recorded when the signal came): new connections refused, complete answer, exit 0; \`mandate ledger verify\` passes`);
  return out;
}

// ---------------------------------------------------------------------------

// The OpenAPI checks can fail: a schema with a misspelled keyword, a
// document that breaks the OpenAPI 3.1 structure and an undeclared 500 are
// each refused, with their reason.
function checkTheChecker() {
  const doc = YAML.parse(readFileSync(join(repo, 'docs/openapi.yaml'), 'utf8'));
  const typo = structuredClone(doc);
  typo.components.schemas.Error.properties.error = { typ: 'string' };
  const typoProblems = checkDocument(typo);
  expect(typoProblems.some((p) => p.includes('unknown keyword: "typ"')), `a misspelled keyword passed: ${typoProblems.join('; ')}`);
  const broken = structuredClone(doc);
  delete broken.info.title;
  const brokenProblems = checkDocument(broken);
  expect(brokenProblems.some((p) => p.includes("/info must have required property 'title'")),
    `an info without title passed: ${brokenProblems.join('; ')}`);
  let refusal = null;
  try {
    openapi.check('GET', '/v1/tasks', 500, 'application/json', '{"error":"internal error"}');
  } catch (e) {
    refusal = e;
  }
  expect(refusal && refusal.message.includes('status 500 is not declared for GET /v1/tasks'),
    `an undeclared 500 passed: ${refusal?.message}`);
  ok('docs/openapi.yaml validates against the official OpenAPI 3.1 schema and compiles in ajv strict mode; '
    + 'a misspelled keyword, a broken structure and an undeclared 500 are refused');
}

// Every route the server registers is described, and nothing else.
function checkRouteCoverage() {
  const registered = new Set();
  for (const file of readdirSync(join(repo, 'src/server')).filter((f) => f.endsWith('_routes.cc'))) {
    const source = readFileSync(join(repo, 'src/server', file), 'utf8');
    for (const m of source.matchAll(/router\.add\("([A-Z]+)", "([^"]+)"/g)) {
      registered.add(`${m[1]} ${m[2]}`);
    }
    // The tiles' routes sit under the configurable [tiles] prefix, described at its default.
    for (const m of source.matchAll(/router\.add\(\s*"([A-Z]+)",\s*prefix \+ "([^"]+)"/g)) {
      registered.add(`${m[1]} /tlog${m[2]}`);
    }
  }
  const described = new Set();
  for (const [path, item] of Object.entries(openapi.doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) if (item[method]) described.add(`${method.toUpperCase()} ${path}`);
  }
  const missing = [...registered].filter((r) => !described.has(r));
  const extra = [...described].filter((r) => !registered.has(r));
  expect(missing.length === 0 && extra.length === 0,
    `docs/openapi.yaml and src/server/*_routes.cc disagree: not described ${JSON.stringify(missing)}, not served ${JSON.stringify(extra)}`);
  ok(`docs/openapi.yaml describes all ${registered.size} routes of src/server/*_routes.cc`);
}

async function main() {
  checkTheChecker();
  checkRouteCoverage();
  idp = await startIdp(pki);
  ok(`oidc-provider at ${idp.issuer} (discovery and JWKS over https)`);
  await startServer();
  const h = {};
  for (const who of ['admin', 'alice', 'bob', 'carol', 'mallory']) h[who] = await idp.login(who);
  for (const who of ['alice', 'admin']) {
    const c = jwtPayload(h[who]);
    expect(c.iss === idp.issuer && c.aud === CLIENT_ID && c.sub === who, `ID token of ${who}: ${JSON.stringify(c)}`);
  }
  ok('ID tokens for admin, alice, bob, carol, mallory from the authorization code flow');
  await workflow(h);
  await otherRoutes(h);
  await attacks(h);
  const log = readFileSync(join(tmp, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(log.some((e) => JSON.stringify(e).includes('e2e-allow-1')), 'the access log has the request id');
  ok(`access log: ${log.length} JSON lines`);
  await gracefulShutdown();
  console.log(`\nserver.e2e: all passed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${client.validated()} answers validated against docs/openapi.yaml`);
}

await runDriver('server.e2e', {
  main,
  tmp,
  timeoutMs: 150000,
  stderr: () => serverStderr,
  kill: () => server?.kill('SIGKILL'),
  cleanup: async () => {
    if (server) {
      server.kill('SIGKILL');
      await server.exited;
    }
    if (idp) await idp.close();
  },
});
