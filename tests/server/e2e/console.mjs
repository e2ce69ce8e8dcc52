#!/usr/bin/env node
// The console's server side end to end: `mandate serve` with [console] over
// TLS, a real OpenID provider (oidc-provider) where mandate's console is a
// registered client, a browser's sign-in driven by hand (the redirects and
// cookies a browser would follow and keep), and the API called with the
// session cookie. Every answer is checked against docs/openapi.yaml.
//
// usage: node tests/server/e2e/console.mjs path/to/mandate
// Exits non-zero on the first failure, naming it. MANDATE_E2E_KEEP=1 keeps
// the temporary directory.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import {
  expect, expectStatus, mandateBinary, mandateCli, makeClient, PROD_DEPLOY_RULE, repo, runDriver, scratch, serveConfigHead, spawnServe,
} from './client.mjs';
import { CLIENT_ID, listenIdp } from './idp.mjs';
import { loadOpenApi } from './openapi.mjs';
import { makePki } from './pki.mjs';

const MANDATE = mandateBinary('console.mjs');
const CONSOLE_CLIENT = 'mandate-console';
const CONSOLE_SECRET = randomBytes(24).toString('base64url');
const PUBLIC_CLIENT = 'mandate-console-public';
const DEPLOYER = 'spiffe://example.org/ci/deployer';
const SESSION = '__Host-mandate_session';
const LOGIN = '__Host-mandate_login';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
  + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CHANGE_URL = 'https://tickets.example/browse/{reference}';

const started = Date.now();
const tmp = scratch('mandate-console-');
const servers = [];
let idp;

function ok(message) {
  console.log(`ok - ${message}`);
}

const openapi = loadOpenApi(join(repo, 'docs/openapi.yaml'));
const pki = makePki(tmp);

const cli = (home, args, what) => mandateCli(MANDATE, home, args, what);

// A home with the people and the deployer, and `mandate serve` on it with
// [console]; `consoleSettings` are extra [console] lines.
async function startServer(name, consoleSettings) {
  const home = join(tmp, `${name}-home`);
  cli(home, ['init', '--origin', `console.e2e.test/${name}`], 'init');
  for (const [id, group] of [['admin', 'ops'], ['alice', 'dev'], ['bob', 'sre'], ['carol', 'sre'], ['dave', 'sre']]) {
    cli(home, ['actor', 'add', '--kind', 'human', '--id', id, '--groups', group], `add ${id}`);
  }
  const { publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const keyFile = join(tmp, `${name}-deployer.jwk`);
  writeFileSync(keyFile, JSON.stringify(await exportJWK(publicKey)));
  cli(home, ['actor', 'add', '--kind', 'workload', '--id', DEPLOYER, '--owner', 'alice', '--key', `@${keyFile}`],
    'add the deployer');
  const rules = join(tmp, `${name}-rules.toml`);
  writeFileSync(rules, PROD_DEPLOY_RULE);
  cli(home, ['rules', 'load', rules], 'load rules');
  cli(home, ['actor', 'suspend', 'dave', '--reason', 'on leave'], 'suspend dave');
  const config = `${serveConfigHead(home, pki)}
[access]
administrators = ["admin"]

[log]
access = "off"

[[identity.oidc]]
issuer = "${idp.issuer}"
audience = "${CLIENT_ID}"
ca_file = "${pki.webCaFile}"

[console]
oidc_issuer = "${idp.issuer}"
${consoleSettings}
`;
  const configFile = join(tmp, `${name}.toml`);
  writeFileSync(configFile, config);
  const server = spawnServe(MANDATE, configFile, (d) => { server.stderrText = (server.stderrText ?? '') + d; });
  servers.push(server);
  const announced = JSON.parse(await server.announced);
  server.port = Number(announced.listening.split(':')[1]);
  server.origin = `https://127.0.0.1:${server.port}`;
  server.home = home;
  server.client = makeClient({ port: () => server.port, ca: pki.webCa, openapi });
  return server;
}

// The Set-Cookie header setting cookie `name`, or undefined.
function setCookie(r, name) {
  return (r.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
}
const cookieValue = (header) => header.slice(header.indexOf('=') + 1, header.indexOf(';'));

async function ledgerSize(server) {
  const r = await server.client.call('GET', '/metrics');
  return Number(/^mandate_ledger_entries (\d+)$/m.exec(r.text)[1]);
}

// ---------------------------------------------------------------------------
// A browser signing in.

// GET /console/login: the redirect to the provider and the login cookie.
async function beginLogin(server, returnTo) {
  const path = returnTo === undefined ? '/console/login' : `/console/login?return_to=${encodeURIComponent(returnTo)}`;
  const r = await server.client.call('GET', path);
  expectStatus(r, 302, 'GET /console/login');
  const login = setCookie(r, LOGIN);
  expect(login && /^__Host-mandate_login=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/.test(login),
    `the login cookie: ${login}`);
  return { authorizationUrl: r.headers.location, loginCookie: `${LOGIN}=${cookieValue(login)}` };
}

// The whole sign-in as `account`; `mutate` may change the authorization URL
// before the browser follows it. Returns the callback's answer.
async function signIn(server, account, { returnTo, mutate = (u) => u, cookies, accept } = {}) {
  const begun = await beginLogin(server, returnTo);
  const back = await idp.signIn(mutate(begun.authorizationUrl), account);
  expect(back.origin === server.origin && back.pathname === '/console/callback',
    `the provider sent the browser to ${back.href}, not ${server.origin}/console/callback`);
  const headers = accept ? { accept } : {};
  const r = await server.client.call('GET', `${back.pathname}${back.search}`,
    { cookies: cookies === undefined ? begun.loginCookie : cookies, headers });
  r.callbackPath = `${back.pathname}${back.search}`;
  r.loginCookie = begun.loginCookie;
  return r;
}

// A sign-in that must fail with `status` and `why`, opening no session.
async function refusedSignIn(server, what, status, why, account, options) {
  const r = await signIn(server, account, options);
  expect(r.status === status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
  expect((r.json?.error ?? r.text).includes(why), `${what}: the refusal does not say "${why}": ${r.text}`);
  expect(!setCookie(r, SESSION), `${what}: a session cookie was set: ${setCookie(r, SESSION)}`);
  return r;
}

async function session(server, account, returnTo) {
  const r = await signIn(server, account, { returnTo });
  expectStatus(r, 302, `${account} signs in`);
  const cookie = setCookie(r, SESSION);
  expect(cookie, `no session cookie for ${account}: ${JSON.stringify(r.headers['set-cookie'])}`);
  const id = cookieValue(cookie);
  const cookies = `${SESSION}=${id}`;
  const s = await server.client.call('GET', '/console/session', { cookies });
  expectStatus(s, 200, `GET /console/session as ${account}`);
  return { id, cookies, csrf: s.json.csrf_token, info: s.json, callback: r };
}

// ---------------------------------------------------------------------------

async function signInFlow(a) {
  // The redirect to the provider: code flow, PKCE S256, state and nonce.
  const begun = await beginLogin(a, '/console/tasks');
  const u = new URL(begun.authorizationUrl);
  expect(`${u.origin}${u.pathname}` === `${idp.issuer}/auth`, `authorization endpoint: ${u.href}`);
  const p = u.searchParams;
  expect(p.get('response_type') === 'code' && p.get('scope') === 'openid' && p.get('client_id') === CONSOLE_CLIENT
    && p.get('redirect_uri') === `${a.origin}/console/callback` && p.get('code_challenge_method') === 'S256'
    && /^[A-Za-z0-9_-]{43}$/.test(p.get('code_challenge')) && /^[A-Za-z0-9_-]{43}$/.test(p.get('state'))
    && /^[A-Za-z0-9_-]{43}$/.test(p.get('nonce')), `authorization request: ${u.search}`);
  expect(begun.authorizationUrl.length < 1000 && !u.search.includes(CONSOLE_SECRET), 'the client secret is not in the URL');

  const alice = await session(a, 'alice', '/console/tasks');
  const callback = alice.callback;
  expect(callback.headers.location === '/console/tasks', `back to return_to: ${callback.headers.location}`);
  expect(setCookie(callback, SESSION) === `${SESSION}=${alice.id}; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict`,
    `the session cookie: ${setCookie(callback, SESSION)}`);
  expect(/^[A-Za-z0-9_-]{43}$/.test(alice.id), 'the session id is 256 random bits');
  expect(setCookie(callback, LOGIN) === `${LOGIN}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
    `the login cookie is cleared: ${setCookie(callback, LOGIN)}`);
  const info = alice.info;
  const expires = Date.parse(info.expires_at) - Date.now();
  expect(info.actor === 'alice' && info.kind === 'human' && info.administrator === false && info.issuer === idp.issuer
    && info.subject === 'alice' && info.change_url_template === CHANGE_URL && /^[A-Za-z0-9_-]{43}$/.test(info.csrf_token)
    && info.csrf_token !== alice.id && expires > 8 * 3600e3 - 60e3 && expires <= 8 * 3600e3,
  `GET /console/session: ${JSON.stringify(info)}`);
  const admin = await session(a, 'admin');
  expect(admin.info.administrator === true && admin.callback.headers.location === '/console/', `admin: ${JSON.stringify(admin.info)}`);
  ok('sign-in: code flow with PKCE S256, state and nonce; login cookie __Host-, HttpOnly, Secure, SameSite=Lax; '
    + 'session cookie __Host-mandate_session, HttpOnly, Secure, SameSite=Strict, Path=/; GET /console/session');

  // The callback is good once.
  let r = await a.client.call('GET', callback.callbackPath, { cookies: callback.loginCookie });
  expect(r.status === 400 && !setCookie(r, SESSION), `a replayed callback: ${r.status} ${r.text}`);
  // Nowhere but under /console/ of this server.
  for (const target of ['https://evil.example/console/', '//evil.example/console/', '/v1/tasks', '/console\\@evil.example']) {
    r = await signIn(a, 'alice', { returnTo: target });
    expect(r.status === 302 && r.headers.location === '/console/', `return_to ${target} led to ${r.headers.location}`);
  }
  ok('a callback replayed is refused; return_to outside /console/ (another site, //host, the API) leads to /console/');
  return { alice, admin };
}

async function refusedSignIns(a) {
  // State mismatch: the provider's answer comes back with another state.
  let begun = await beginLogin(a);
  let back = await idp.signIn(begun.authorizationUrl, 'alice');
  back.searchParams.set('state', randomBytes(32).toString('base64url'));
  let r = await a.client.call('GET', `${back.pathname}${back.search}`, { cookies: begun.loginCookie });
  expect(r.status === 400 && r.text.includes('no sign-in under way') && !setCookie(r, SESSION), `state mismatch: ${r.status} ${r.text}`);
  // No login cookie, or a forged one: the sign-in was not begun by this browser (login CSRF).
  await refusedSignIn(a, 'no login cookie', 400, 'no login cookie', 'alice', { cookies: '' });
  await refusedSignIn(a, 'a forged login cookie', 400, 'not the one this sign-in was started with', 'alice',
    { cookies: `${LOGIN}=${randomBytes(32).toString('base64url')}` });
  // A nonce other than the one mandate sent (a code obtained for another sign-in).
  await refusedSignIn(a, 'another nonce', 401, 'nonce', 'alice', {
    mutate: (url) => {
      const u = new URL(url);
      u.searchParams.set('nonce', randomBytes(32).toString('base64url'));
      return u.href;
    },
  });
  // The provider's own key, but an ID token for another client, or an expired one.
  idp.tamperNextIdToken((c) => ({ ...c, aud: 'another-client' }));
  await refusedSignIn(a, 'an ID token for another client', 401, '"aud"', 'alice');
  const now = Math.floor(Date.now() / 1000);
  idp.tamperNextIdToken((c) => ({ ...c, iat: now - 7200, exp: now - 3600 }));
  await refusedSignIn(a, 'an expired ID token', 401, 'expired', 'alice');
  // People mandate does not know, or who may not act now.
  await refusedSignIn(a, 'an unregistered human', 403, 'not a registered actor', 'mallory');
  await refusedSignIn(a, 'a suspended human', 403, 'suspended', 'dave');
  // The provider says no.
  begun = await beginLogin(a);
  r = await a.client.call('GET', '/console/callback?error=access_denied&error_description=the%20user%20said%20no',
    { cookies: begun.loginCookie });
  expect(r.status === 400 && r.json.error.includes('access_denied: the user said no'), `provider error: ${r.text}`);
  // A person reads it: an HTML page, the reason escaped.
  r = await refusedSignIn(a, 'a refusal for a browser', 400, 'no login cookie', 'alice', { cookies: '', accept: 'text/html,*/*' });
  expect(r.headers['content-type'].startsWith('text/html') && r.text.includes('<h1>Sign-in failed</h1>')
    && r.headers['content-security-policy'] === CSP, `an HTML refusal: ${r.headers['content-type']} ${r.text}`);
  ok('no session for: a state mismatch, no or a forged login cookie, another nonce, an ID token for another client, '
    + 'an expired ID token, an unregistered or a suspended human, a provider error; each says why');
}

async function sessionCallsTheApi(a, { alice }, bob) {
  const call = a.client.call;
  let r = await call('GET', '/v1/tasks', { cookies: alice.cookies });
  expectStatus(r, 200, 'GET /v1/tasks with the session');
  const task = {
    intent: 'Deploy payments 2.5', ref: 'CHG 42/a', executor: DEPLOYER, duration: '30m',
    scope: [{ type: 'deploy', actions: ['deploy'], resources: ['prod/payments'] }],
  };
  const before = await ledgerSize(a);
  const attempts = [
    ['without X-CSRF-Token', {}, 'no X-CSRF-Token'],
    ['with another X-CSRF-Token', { 'x-csrf-token': randomBytes(32).toString('base64url') }, "not this session's token"],
    ['from a foreign Origin', { 'x-csrf-token': alice.csrf, origin: 'https://evil.example' }, 'Origin "https://evil.example"'],
    ['marked cross-site by the browser', { 'x-csrf-token': alice.csrf, origin: a.origin, 'sec-fetch-site': 'cross-site' },
      'Sec-Fetch-Site'],
  ];
  for (const [what, headers, why] of attempts) {
    r = await call('POST', '/v1/tasks', { cookies: alice.cookies, headers, body: task });
    expect(r.status === 403 && r.json.error.startsWith('cross-site request refused: ') && r.json.error.includes(why),
      `a POST ${what}: ${r.status} ${r.text}`);
  }
  expect(await ledgerSize(a) === before, 'a refused cross-site request recorded something');
  r = await call('POST', '/v1/tasks', {
    cookies: alice.cookies, body: task, headers: { 'x-csrf-token': alice.csrf, origin: a.origin, 'sec-fetch-site': 'same-origin' },
  });
  expectStatus(r, 201, 'POST /v1/tasks with the session and its token');
  const id = r.json.task;
  let entry = await call('GET', `/v1/ledger/entries/${r.json.ledger_index}`, { cookies: alice.cookies });
  const requested = JSON.parse(entry.text);
  // A bearer ID token from the same provider: the same kind of record.
  r = await call('POST', `/v1/tasks/${id}/approvals`, { as: bob, cookies: alice.cookies, body: { comment: 'with a bearer token' } });
  expectStatus(r, 200, 'bob approves with his bearer ID token (and alice\'s cookie, which the bearer token overrides)');
  entry = await call('GET', `/v1/ledger/entries/${r.json.ledger_index}`, { as: bob });
  const approved = JSON.parse(entry.text);
  expect(requested.actor.id === 'alice' && requested.actor.kind === 'human'
    && requested.actor.authenticated_by === `oidc:${idp.issuer} sub=alice`, `the session's entry: ${JSON.stringify(requested.actor)}`);
  expect(approved.actor.id === 'bob' && approved.actor.authenticated_by === `oidc:${idp.issuer} sub=bob`,
    `the bearer token's entry: ${JSON.stringify(approved.actor)}`);
  ok('a session calls the API; a POST without X-CSRF-Token, with another, from a foreign Origin or marked cross-site is '
    + '403 "cross-site request refused" and records nothing; with the token it is 201 and the ledger records '
    + `"oidc:<issuer> sub=alice" as for a bearer ID token; a bearer token wins over the cookie`);
  return id;
}

async function headers(a, { alice }) {
  const call = a.client.call;
  for (const path of ['/console/', '/console/tasks/t-1', '/console/session']) {
    const r = await call('GET', path, { cookies: alice.cookies, validate: path !== '/console/tasks/t-1' });
    expectStatus(r, 200, `GET ${path}`);
    expect(r.headers['content-security-policy'] === CSP, `${path}: Content-Security-Policy ${r.headers['content-security-policy']}`);
    expect(r.headers['x-content-type-options'] === 'nosniff' && r.headers['referrer-policy'] === 'no-referrer',
      `${path}: nosniff and no-referrer`);
  }
  let r = await call('GET', '/console/');
  expect(r.headers['content-type'] === 'text/html; charset=utf-8' && r.headers['cache-control'] === 'no-store'
    && r.text.includes('<html'), `index.html: ${r.headers['content-type']} ${r.headers['cache-control']}`);
  expect(!/<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=/i.test(r.text), 'index.html holds no inline script or style');
  expectStatus(await call('GET', '/console/missing.js'), 404, 'a file that is not there');
  r = await call('GET', '/console');
  expect(r.status === 302 && r.headers.location === '/console/', `/console: ${r.status} ${r.headers.location}`);
  r = await call('GET', '/v1/tasks', { cookies: alice.cookies });
  expect(r.headers['content-security-policy'] === "frame-ancestors 'none'" && r.headers['x-content-type-options'] === 'nosniff',
    `an API answer: ${r.headers['content-security-policy']} ${r.headers['x-content-type-options']}`);
  ok("console answers carry the strict CSP (no inline script or style, frame-ancestors 'none'), nosniff and no-referrer; "
    + "index.html is no-store; client-side routes get index.html; API answers carry frame-ancestors 'none' and nosniff");
}

// What the pages show: the approver's queue, the requester's tasks, the
// auditor's searches and the ledger's status, with the session cookie.
async function pagesApi(a, { alice }, taskId) {
  const call = a.client.call;
  const bob = await session(a, 'bob');
  const carol = await session(a, 'carol');
  let r = await call('GET', '/v1/tasks?waiting_for=me', { cookies: alice.cookies });
  expect(r.status === 200 && !r.json.some((t) => t.id === taskId), `alice's own task is not waiting for her: ${r.text}`);
  r = await call('GET', '/v1/tasks?waiting_for=me', { cookies: bob.cookies });
  expect(r.status === 200 && !r.json.some((t) => t.id === taskId), `bob already approved: ${r.text}`);
  r = await call('GET', '/v1/tasks?waiting_for=me', { cookies: carol.cookies });
  const item = r.json.find((t) => t.id === taskId);
  expect(item && item.initiator === 'alice' && item.executor.kind === 'workload' && item.executor.owner === 'alice'
    && item.rules[0].approvals_have === 1 && item.rules[0].approvals_need === 2 && item.rules[0].groups[0] === 'sre'
    && item.scope_text[0] === 'deploy: deploy on prod/payments'
    && item.change_url === 'https://tickets.example/browse/CHG%2042%2Fa', `waiting for carol: ${r.text}`);
  r = await call('GET', '/v1/tasks?mine=true&state=requested', { cookies: alice.cookies });
  expect(r.status === 200 && r.json.some((t) => t.id === taskId) && r.json.every((t) => t.initiator === 'alice'),
    `alice's requested tasks: ${r.text}`);
  expectStatus(await call('GET', '/v1/tasks?state=sleeping', { cookies: alice.cookies }), 400, 'a bad state');
  r = await call('GET', `/v1/decisions?task=${taskId}`, { cookies: carol.cookies });
  expect(r.status === 200 && Array.isArray(r.json), `decisions: ${r.text}`);
  r = await call('GET', '/v1/findings', { cookies: carol.cookies });
  expect(r.status === 200 && r.json.events === 0 && r.json.findings.length === 0, `findings: ${r.text}`);
  r = await call('GET', '/v1/ledger', { cookies: carol.cookies });
  expect(r.status === 200 && r.json.size > 0 && r.json.origin === 'console.e2e.test/a', `ledger status: ${r.text}`);
  r = await call('GET', `/v1/trace/${taskId}`, { cookies: carol.cookies });
  expectStatus(r, 200, 'the trace with a session');
  ok('with the session: waiting_for=me (not her own task, not twice; carol sees "1 of 2 from sre" and the change URL), '
    + 'my tasks by state, decisions, findings, ledger status and the trace');
  return { bob, carol };
}

// GET /v1/events read as EventSource reads it: the raw stream, as it comes.
function openEvents(server, cookies, lastEventId) {
  let text = '';
  let status;
  let headers;
  const waiters = [];
  let ended = false;
  let req;
  const headersIn = new Promise((resolveHead, rejectHead) => {
    req = https.request({
      host: '127.0.0.1', port: server.port, method: 'GET', path: '/v1/events', ca: pki.webCa, agent: false,
      headers: { cookie: cookies, accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }) },
    }, (res) => {
      status = res.statusCode;
      headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', () => {
        ended = true;
        for (const w of waiters.splice(0)) w();
      });
      resolveHead();
    });
    req.on('error', (e) => rejectHead(e));
    req.end();
  });
  const stream = {
    head: headersIn.then(() => ({ status, headers })),
    text: () => text,
    ended: () => ended,
    async waitForEnd(what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!ended) {
        const left = deadline - Date.now();
        expect(left > 0, `${what}: the stream did not end within ${timeoutMs} ms`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, left);
        });
      }
    },
    async waitFor(fragment, what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(fragment)) {
        const left = deadline - Date.now();
        expect(left > 0, `${what}: "${fragment}" did not come within ${timeoutMs} ms; the stream said: ${text}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, left);
        });
      }
    },
    close: () => req.destroy(),
  };
  return stream;
}

async function liveEvents(a, { alice }, { bob }) {
  const call = a.client.call;
  const events = openEvents(a, alice.cookies);
  const { status, headers } = await events.head;
  expect(status === 200 && headers['content-type'] === 'text/event-stream' && headers['transfer-encoding'] === 'chunked',
    `GET /v1/events: ${status} ${JSON.stringify(headers)}`);
  await events.waitFor('retry: 3000', 'the stream opens');
  let r = await call('POST', '/v1/tasks', {
    cookies: alice.cookies, headers: { 'x-csrf-token': alice.csrf, origin: a.origin },
    body: { intent: 'Live', executor: DEPLOYER, duration: '30m', scope: [{ type: 'deploy', actions: ['deploy'], resources: ['prod/live'] }] },
  });
  expectStatus(r, 201, 'a task while the page listens');
  const requested = r.json.ledger_index;
  const task = r.json.task;
  await events.waitFor(`id: ${requested}
`, 'the request reaches the open page');
  const line = `event: task
id: ${requested}
data: ${JSON.stringify({ kind: 'task.requested', ledger_index: requested, task })}

`;
  expect(events.text().includes(line), `the event as sent: ${events.text()}`);
  r = await call('POST', `/v1/tasks/${task}/approvals`, { cookies: bob.cookies, headers: { 'x-csrf-token': bob.csrf }, body: {} });
  expectStatus(r, 200, 'bob approves while the page listens');
  await events.waitFor(`id: ${r.json.ledger_index}
`, 'the approval reaches the open page');
  events.close();
  // Reconnecting with the last id seen replays what came after it.
  const resumed = openEvents(a, alice.cookies, requested);
  await resumed.waitFor(`id: ${r.json.ledger_index}
`, 'a resumed stream');
  expect(!resumed.text().includes(`id: ${requested}
`), 'the resumed stream starts after Last-Event-ID');
  resumed.close();
  const refused = openEvents(a, `${SESSION}=${randomBytes(32).toString('base64url')}`);
  expect((await refused.head).status === 401, 'GET /v1/events without a live session');
  refused.close();
  ok('GET /v1/events (Server-Sent Events over TLS, session cookie): the open page gets "event: task" with the ledger '
    + 'index as id for a request and an approval; Last-Event-ID resumes after it; no session, 401');
}

async function logout(a) {
  const call = a.client.call;
  const s = await session(a, 'carol');
  let r = await call('POST', '/console/logout', { cookies: s.cookies });
  expect(r.status === 403 && r.json.error.startsWith('cross-site request refused'), `logout without the token: ${r.status} ${r.text}`);
  expectStatus(await call('GET', '/console/session', { cookies: s.cookies }), 200, 'the session survived a cross-site logout');
  r = await call('POST', '/console/logout', { cookies: s.cookies, headers: { 'x-csrf-token': s.csrf, origin: a.origin } });
  expectStatus(r, 204, 'logout');
  expect(setCookie(r, SESSION) === `${SESSION}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`,
    `logout clears the cookie: ${setCookie(r, SESSION)}`);
  expectStatus(await call('GET', '/console/session', { cookies: s.cookies }), 401, 'the session after logout');
  r = await call('GET', '/v1/tasks', { cookies: s.cookies });
  expect(r.status === 401 && r.json.error.includes('session has ended'), `the API after logout: ${r.status} ${r.text}`);
  ok('logout needs the CSRF token, ends the session on the server and clears the cookie; the old cookie is 401');
}

// SIGTERM with a page listening: the stream ends with its last chunk and the
// server exits 0 at once, not after drain_timeout.
async function shutdownWithAListener(a, { alice }) {
  const events = openEvents(a, alice.cookies);
  await events.waitFor('retry: 3000', 'a stream before SIGTERM');
  const stopping = Date.now();
  a.kill('SIGTERM');
  await events.waitForEnd('the stream on SIGTERM');
  const { code, signal } = await a.exited;
  expect(code === 0, `mandate serve exited ${code ?? signal} on SIGTERM with a stream open`);
  expect(Date.now() - stopping < 5000, `the server took ${Date.now() - stopping} ms to stop with a stream open`);
  ok(`SIGTERM with a page listening: the stream ended cleanly and mandate serve exited 0 in ${Date.now() - stopping} ms`);
}

async function expiry(b) {
  const s = await session(b, 'alice');
  expectStatus(await b.client.call('GET', '/v1/tasks', { cookies: s.cookies }), 200, 'a fresh session');
  await new Promise((r) => setTimeout(r, 3500));
  expectStatus(await b.client.call('GET', '/console/session', { cookies: s.cookies }), 401, 'an expired session');
  expectStatus(await b.client.call('GET', '/v1/tasks', { cookies: s.cookies }), 401, 'the API with an expired session');
  ok('a public client (PKCE, no secret) signs in too; a session ends at session_ttl (3 s here): GET /console/session and the API are 401');
}

async function main() {
  idp = await listenIdp(pki);
  // a: a confidential client (client_secret_basic); b: a public one (PKCE only).
  const secretFile = join(tmp, 'console.secret');
  writeFileSync(secretFile, `${CONSOLE_SECRET}\n`, { mode: 0o600 });
  const a = await startServer('a', `client_id = "${CONSOLE_CLIENT}"
client_secret_file = "${secretFile}"
change_url_template = "${CHANGE_URL}"`);
  const b = await startServer('b', `client_id = "${PUBLIC_CLIENT}"
session_ttl = "3s"`);
  idp.start({
    consoleClients: [
      { client_id: CONSOLE_CLIENT, client_secret: CONSOLE_SECRET, redirect_uris: [`${a.origin}/console/callback`] },
      { client_id: PUBLIC_CLIENT, redirect_uris: [`${b.origin}/console/callback`] },
    ],
  });
  ok(`oidc-provider at ${idp.issuer} with two consoles registered: mandate serve at ${a.origin} (client_secret_basic) `
    + `and ${b.origin} (a public client, PKCE only)`);
  const bob = await idp.login('bob');
  const people = await signInFlow(a);
  await refusedSignIns(a);
  const taskId = await sessionCallsTheApi(a, people, bob);
  const more = await pagesApi(a, people, taskId);
  await liveEvents(a, people, more);
  await headers(a, people);
  await logout(a);
  await expiry(b);
  await shutdownWithAListener(a, people);
  const validated = servers.reduce((n, s) => n + s.client.validated(), 0);
  console.log(`\nserver.console_e2e: all passed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${validated} answers validated against docs/openapi.yaml`);
}

await runDriver('server.console_e2e', {
  main,
  tmp,
  timeoutMs: 120000,
  stderr: () => servers.map((s) => s.stderrText ?? '').join(''),
  kill: () => servers.forEach((s) => s.kill('SIGKILL')),
  cleanup: async () => {
    for (const s of servers) {
      s.kill('SIGTERM');
      await s.exited;
    }
    if (idp) await idp.close();
  },
});
