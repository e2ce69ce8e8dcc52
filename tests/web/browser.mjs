#!/usr/bin/env node
// The web console end to end, in a real browser: Debian's chromium, headless,
// driven by playwright-core, against `mandate serve` (TLS, client
// certificates, the console's pages embedded in the binary) and the real
// OpenID provider the server's e2e test uses (tests/server/e2e/idp.mjs), all
// on free loopback ports.
//
// Two people (alice, bob) sign in through the provider's login in their own
// browsers. alice requests a task from "My requests"; bob's "Waiting for me"
// shows it without a reload (Server-Sent Events); alice is never offered her
// own task, and her forged approval is refused; bob approves with the
// keyboard alone; the deployer takes the mandate over mTLS, a resource server
// asks for decisions, the deployer reports the outcome; the trace page shows
// the chain with each decision's attribution depth and a ledger entry whose
// inclusion proof the page checks; the downloaded evidence passes `mandate
// evidence verify`. Also: a denial, a cancel, break-glass reviews (one
// overdue), findings of analyzed logs, the audit search, cross-site requests
// (refused), sign-out and a session that ends under an open page. Every page
// is checked for console errors, uncaught errors, CSP violations, axe-core
// serious/critical violations and horizontal overflow at 360 and 1440 px.
//
// usage: node tests/web/browser.mjs path/to/mandate [--screenshots DIR]
//   --screenshots DIR   save a screenshot of each page to DIR (docs/console)
// On failure it saves a screenshot of every open page and prints the folder.
// MANDATE_E2E_KEEP=1 keeps the temporary directory.
//
// Hook for more scenarios (the webhook receiver's test, for one): every
// module in tests/web/scenarios/*.mjs may export
//   configure(ctx) -> TOML text added to mandate.toml (before the server
//                     starts: ctx.base is not known yet)
//   run(ctx)       -> runs after the main scenario, with the people signed in
//   close(ctx)     -> cleanup
// ctx: { tmp, base, ca, pki, mandate, home, cli(args), people: {alice, bob}
//        (each { context, page }), tasks: { approved, denied }, expect }.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import {
  identityToml, makeClient, mandateCli, runDriver, scratch, serveConfigHead, spawnServe,
} from '../server/e2e/client.mjs';
import { CLIENT_ID, listenIdp } from '../server/e2e/idp.mjs';
import { loadOpenApi } from '../server/e2e/openapi.mjs';
import { makePki } from '../server/e2e/pki.mjs';
import {
  Failure, Watcher, checkAccessibility, checkWidths, expect, screenshot,
} from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const MANDATE = process.argv[2];
const shotsAt = process.argv.indexOf('--screenshots');
const SHOTS = shotsAt > 0 ? resolve(process.argv[shotsAt + 1]) : null;
if (!MANDATE) {
  console.error('usage: browser.mjs path/to/mandate [--screenshots DIR]');
  process.exit(2);
}
const CHROMIUM = process.env.MANDATE_CHROMIUM ?? '/usr/bin/chromium';
const DEPLOYER = 'spiffe://example.org/ci/deployer';
const PAYMENTS_RS = 'spiffe://example.org/rs/payments';
const TRIAGE_AGENT = 'spiffe://example.org/agents/triage';
const TICKETS = 'https://tickets.example/browse/{reference}';
const CONSOLE_CLIENT = 'mandate-console';
const CONSOLE_SECRET = randomBytes(24).toString('base64url');
const BUDGET = 150 * 1024;

const started = Date.now();
const tmp = scratch('mandate-console-');
const home = join(tmp, 'home');
const mandate = (args, what) => mandateCli(MANDATE, home, args, what);
let server;
let idp;
let browser;
let evil;
let base;
let port;
let ca;
let pki;
let watcher;
const people = {};
const scenarios = [];

function ok(message) {
  console.log(`ok - ${message}`);
}

// --- setting up -------------------------------------------------------------

// Approval rules: deploy needs two of sre; restart and rollback one, and
// allow break-glass (restart's review is due within a second, so it is
// overdue when the test looks).
function rulesToml() {
  const rule = (id, type, approvals, extra) => `[[rule]]\nid = "${id}"\ndetail_types = ["${type}"]\napprovals = ${approvals}\n`
    + `approver_groups = ["sre"]\nmax_task_duration = "2h"\n${extra}\n`;
  return rule('prod', 'deploy', 2, 'max_mandate_lifetime = "10m"\nmax_uses = 5')
    + rule('ops', 'restart', 1, 'break_glass = true\nreview_within = "1s"')
    + rule('rollback', 'rollback', 1, 'break_glass = true\nreview_within = "4h"');
}

async function setUp() {
  pki = makePki(tmp);
  ca = pki.webCa;
  // The provider listens first (mandate's configuration names it) and
  // starts once mandate's port is known.
  idp = await listenIdp(pki);
  client = makeClient({ port: () => port, ca, openapi: loadOpenApi(join(repo, 'docs/openapi.yaml')) });

  mandate(['init', '--origin', 'console.test/ledger'], 'init');
  for (const [id, group] of [['admin', 'admins'], ['alice', 'dev'], ['bob', 'sre'], ['carol', 'sre']]) {
    mandate(['actor', 'add', '--kind', 'human', '--id', id, '--groups', group], `register ${id}`);
  }
  for (const [id, kind, owner] of [[DEPLOYER, 'workload', 'alice'], [PAYMENTS_RS, 'workload', 'carol'], [TRIAGE_AGENT, 'agent', 'carol']]) {
    const key = JSON.parse(mandate(['actor', 'keygen', '--out', join(tmp, `${kind}-${owner}-${id.length}.pem`)], 'keygen')).jwk;
    const keyFile = join(tmp, `${id.replace(/\W/g, '_')}.jwk`);
    writeFileSync(keyFile, JSON.stringify(key));
    mandate(['actor', 'add', '--kind', kind, '--id', id, '--owner', owner, '--groups', 'deployers', '--key', `@${keyFile}`], `register ${id}`);
  }
  const rulesFile = join(tmp, 'rules.toml');
  writeFileSync(rulesFile, rulesToml());
  mandate(['rules', 'load', rulesFile], 'rules');
  const policyFile = join(tmp, 'policy.cedar');
  writeFileSync(policyFile, 'permit (principal in Group::"deployers", action, resource);\n');
  mandate(['policy', 'load', policyFile], 'policy');
  // Findings: real logs other systems wrote (../shared/samples).
  const samples = join(repo, '../shared/samples');
  mandate(['ingest', 'cloudtrail', join(samples, 'cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json'),
    join(samples, 'cloudtrail/awsdocs_cloudtrail-user-guide_examples/examples.jsonl')], 'ingest cloudtrail');
  mandate(['ingest', 'k8s-audit', join(samples, 'k8s_audit/audit2rbac_testdata/demo.lines01-09.log')], 'ingest k8s-audit');

  let extra = '';
  for (const s of scenarios) if (s.configure) extra += `\n${(await s.configure(context())) ?? ''}\n`;
  const secretFile = join(tmp, 'console-client-secret');
  writeFileSync(secretFile, CONSOLE_SECRET, { mode: 0o600 });
  // The server's [identity] gives people (the provider's ID tokens) and the
  // workloads (X.509-SVIDs of example.org, over mTLS); [console] signs people
  // in with the same provider, as its client mandate-console.
  const config = `${serveConfigHead(home, pki, { tlsExtra: 'client_certificates = true' })}
[access]
administrators = ["admin"]

${identityToml({ idp, clientId: CLIENT_ID, pki, workloads: [[DEPLOYER, DEPLOYER], ['spiffe://example.org/rs/*', PAYMENTS_RS]] })}
[console]
oidc_issuer = "${idp.issuer}"
client_id = "${CONSOLE_CLIENT}"
client_secret_file = "${secretFile}"
change_url_template = "${TICKETS}"
${extra}`;
  const configFile = join(tmp, 'mandate.toml');
  writeFileSync(configFile, config);
  server = spawnServe(MANDATE, configFile, (d) => { server.stderrText = (server.stderrText ?? '') + d; });
  const announced = JSON.parse(await server.announced);
  port = Number(announced.listening.split(':')[1]);
  base = `https://127.0.0.1:${port}`;
  // Now that mandate's port is known, the provider starts with the console
  // as a client whose redirect URI names it.
  idp.start({ consoleClients: [{ client_id: CONSOLE_CLIENT, client_secret: CONSOLE_SECRET, redirect_uris: [`${base}/console/callback`] }] });
  ok(`mandate serve on ${base} (TLS, client certificates, [console]) and oidc-provider at ${idp.issuer}`);
}

// A call to mandate's API, its answer checked against docs/openapi.yaml.
let client;
const api = (method, path, options) => client.call(method, path, options);

async function ledgerSize() {
  const r = await api('GET', '/metrics');
  return Number(/^mandate_ledger_entries (\d+)$/m.exec(r.text)[1]);
}

// --- the browser --------------------------------------------------------------

async function waitIdle(page) {
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return main && !main.querySelector('[role="status"].muted') && !/Loading/.test(main.textContent.slice(0, 400));
  }, null, { timeout: 10000 });
}

async function go(page, hash) {
  await page.evaluate((h) => { window.location.hash = h; }, hash);
  await page.waitForFunction((h) => window.location.hash === h, hash);
  await waitIdle(page);
}

// Checks one page the way every page is checked, and photographs it for the docs.
const pagesChecked = new Set();
async function checkPage(page, name, label) {
  await waitIdle(page);
  const minor = await checkAccessibility(page, label);
  await checkWidths(page, label);
  watcher.check(label);
  pagesChecked.add(name);
  if (SHOTS) {
    await screenshot(page, SHOTS, `${name}`);
    await page.setViewportSize({ width: 360, height: 800 });
    await screenshot(page, SHOTS, `${name}-360`, { fullPage: false });
    await page.setViewportSize({ width: 1440, height: 900 });
  }
  return minor;
}

// A person opens the console, is sent to the provider's login and back.
async function signIn(who) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  await watcher.watch(context, who);
  const page = await context.newPage();
  await page.goto(`${base}/console/#/waiting`);
  const button = page.getByRole('link', { name: /sign in/i });
  await button.waitFor();
  if (who === 'alice') await checkPage(page, 'signin', 'the sign-in page');
  idp.selectAccount(who);
  await Promise.all([page.waitForURL(`${base}/console/#/waiting`, { timeout: 15000 }), button.click()]);
  await page.getByText(`Signed in as ${who}`).waitFor();
  await waitIdle(page);
  const session = await (await context.request.get(`${base}/console/session`)).json();
  expect(session.actor === who && session.kind === 'human' && session.csrf_token, `${who}'s session: ${JSON.stringify(session)}`);
  people[who] = { context, page, csrf: session.csrf_token };
  return people[who];
}

// --- the scenario ---------------------------------------------------------------

async function requestFromForm(page, { intent, ref, type, actions, resources, executor }) {
  await go(page, '#/requests');
  await page.getByLabel('Intent').fill(intent);
  if (ref) await page.getByLabel(/Change reference/).fill(ref);
  if (executor) await page.getByLabel('Executor').selectOption(executor);
  await page.getByLabel('Detail type').selectOption(type);
  await page.getByLabel('Actions').fill(actions);
  await page.getByLabel('Resources').fill(resources);
  await page.getByRole('button', { name: 'Request', exact: true }).click();
  const notice = page.getByRole('status').filter({ hasText: `Requested “${intent}” as task` });
  await notice.waitFor();
  const id = /as task (\S+?)[ .(]/.exec(await notice.textContent())?.[1];
  expect(id, `no task id in "${await notice.textContent()}"`);
  return id;
}

async function keyboardTo(page, matches, what, limit = 80) {
  for (let i = 0; i < limit; ++i) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(matches)) return i + 1;
  }
  throw new Failure(`the keyboard never reached ${what} in ${limit} Tab presses`);
}

async function scenario() {
  const alice = await signIn('alice');
  const bob = await signIn('bob');
  ok('alice and bob signed in through the provider\'s login page, each in their own browser');

  // bob's "Waiting for me" is open while alice asks: it updates without a reload.
  await go(bob.page, '#/waiting');
  await bob.page.evaluate(() => { window.__sameDocument = true; });
  const intent = 'Deploy payments 2.4.0';
  const task = await requestFromForm(alice.page, {
    intent, ref: 'CHG-1042', type: 'deploy', actions: 'deploy', resources: 'prod/payments', executor: DEPLOYER,
  });
  await checkPage(alice.page, 'requests', 'My requests');
  const card = bob.page.getByRole('article').filter({ hasText: intent });
  await card.waitFor({ timeout: 10000 });
  expect(await bob.page.evaluate(() => window.__sameDocument === true), 'bob\'s page was reloaded');
  ok(`alice requested ${task} from the form; bob's "Waiting for me" showed it live (Server-Sent Events, no reload)`);

  // What bob sees is what he needs to decide.
  const text = await card.textContent();
  for (const part of ['alice', DEPLOYER, 'workload', 'owned by alice', 'deploy', 'prod/payments', '0 of 2 from sre', 'Time left']) {
    expect(text.includes(part), `the waiting card lacks "${part}": ${text}`);
  }
  const link = await card.getByRole('link', { name: /CHG-1042/ }).getAttribute('href');
  expect(link === 'https://tickets.example/browse/CHG-1042', `the change link is ${link}`);

  // alice is never offered her own task, and forging the approval is refused.
  await go(alice.page, '#/waiting');
  expect(await alice.page.getByRole('article').filter({ hasText: intent }).count() === 0, 'alice is offered her own task');
  await go(alice.page, `#/tasks/${task}`);
  expect(await alice.page.getByRole('button', { name: 'Approve' }).count() === 0, 'the task page offers alice her own approval');
  const before = await ledgerSize();
  let r = await alice.context.request.post(`${base}/v1/tasks/${task}/approvals`, {
    headers: { 'X-CSRF-Token': alice.csrf, Origin: base }, data: {},
  });
  const refusal = await r.text();
  expect(r.status() >= 400 && r.status() < 500 && /alice may not approve/.test(refusal), `alice's forged self-approval: ${r.status()} ${refusal}`);
  expect(await ledgerSize() === before, 'the refused self-approval changed the ledger');
  ok(`alice's own task is not offered to her; her forged approval with a valid session and CSRF token: ${r.status()} ${refusal}`);

  // Cross-site: no CSRF token, a foreign Origin, and a real page of another origin.
  r = await bob.context.request.post(`${base}/v1/tasks/${task}/approvals`, { data: {} });
  expect(r.status() === 403, `an approval without the CSRF token: ${r.status()} ${await r.text()}`);
  r = await bob.context.request.post(`${base}/v1/tasks/${task}/approvals`, {
    headers: { 'X-CSRF-Token': bob.csrf, Origin: idp.issuer, 'Sec-Fetch-Site': 'cross-site' }, data: {},
  });
  expect(r.status() === 403, `an approval from another origin: ${r.status()} ${await r.text()}`);
  await crossSitePage(bob, task);
  expect(await ledgerSize() === before, 'a cross-site request changed the ledger');
  ok('cross-site requests with bob\'s cookie (no CSRF token; foreign Origin; a page on another origin posting JSON and a form) are refused: 403, nothing recorded');

  // carol approves through the API; bob's card now says 1 of 2.
  const carolToken = await idp.login('carol');
  r = await api('POST', `/v1/tasks/${task}/approvals`, { as: carolToken, body: { comment: 'looks fine' } });
  expect(r.status === 200, `carol approves: ${r.status} ${r.text}`);
  await go(bob.page, '#/waiting');
  await card.getByText('1 of 2 from sre').waitFor({ timeout: 10000 });
  await checkPage(bob.page, 'waiting', 'Waiting for me');

  // bob approves with the keyboard alone: from the top of the freshly loaded
  // page, the skip link, then Tab to the comment field, type, Tab to
  // Approve, Enter.
  await bob.page.reload();
  await waitIdle(bob.page);
  await card.getByText('1 of 2 from sre').waitFor();
  await bob.page.keyboard.press('Tab');
  expect(await bob.page.evaluate(() => document.activeElement?.textContent) === 'Skip to content', 'the first Tab stop is not the skip link');
  await bob.page.keyboard.press('Enter');
  expect(await bob.page.evaluate(() => document.activeElement?.id) === 'main', 'the skip link did not move focus to the content');
  const presses = await keyboardTo(bob.page, `document.activeElement?.id === 'decide-${task}-comment'`, 'the comment field');
  await bob.page.keyboard.type('diff reviewed');
  await bob.page.keyboard.press('Tab');
  expect(await bob.page.evaluate(() => document.activeElement?.textContent) === 'Approve', 'Tab after the comment is not the Approve button');
  await bob.page.keyboard.press('Enter');
  await bob.page.getByRole('status').filter({ hasText: 'You approved' }).waitFor();
  expect(await bob.page.getByRole('article').filter({ hasText: intent }).count() === 0, 'the approved task is still waiting');
  ok(`bob approved with the keyboard alone (skip link, ${presses} Tab presses to the comment, Tab, Enter); the task left his list`);

  await executeAndTrace(task);

  // A denial, from the card.
  const second = await requestFromForm(alice.page, {
    intent: 'Roll back payments to 2.3.9', ref: 'CHG-1043', type: 'rollback', actions: 'rollback', resources: 'prod/payments',
  });
  await go(bob.page, '#/waiting');
  const secondCard = bob.page.getByRole('article').filter({ hasText: 'Roll back payments' });
  await secondCard.waitFor({ timeout: 10000 });
  await secondCard.getByLabel('Reason for denying').fill('not during the freeze');
  await secondCard.getByRole('button', { name: 'Deny' }).click();
  await bob.page.getByRole('status').filter({ hasText: 'You denied' }).waitFor();
  r = await api('GET', `/v1/tasks/${second}`, { as: carolToken });
  expect(r.json?.state === 'denied', `the denied task is ${r.json?.state}`);
  ok(`bob denied ${second} with a reason; the task is denied`);

  // alice cancels a third request from "My requests".
  const third = await requestFromForm(alice.page, {
    intent: 'Restart the payments workers', type: 'restart', actions: 'restart', resources: 'prod/payments-workers',
  });
  const mine = alice.page.getByRole('listitem').filter({ hasText: 'Restart the payments workers' });
  await mine.getByRole('button', { name: 'Cancel…' }).click();
  await mine.getByLabel('Reason (optional)').fill('not needed after all');
  await mine.getByRole('button', { name: 'Cancel the task' }).click();
  await alice.page.getByRole('status').filter({ hasText: 'Cancelled' }).waitFor();
  r = await api('GET', `/v1/tasks/${third}`, { as: carolToken });
  expect(r.json?.state === 'cancelled', `the cancelled task is ${r.json?.state}`);
  ok(`alice cancelled ${third} from My requests`);

  await reviews(alice, bob);
  await auditorPages(bob, task);

  for (const s of scenarios) if (s.run) await s.run(context({ approved: task, denied: second }));

  await signOutAndExpiry(alice);
  return { task };
}

// A page on another origin (the same site: 127.0.0.1, another port) posts
// to mandate with bob's cookie: once with fetch, once with a form.
async function crossSitePage(bob, task) {
  const url = `${evil.origin}/attack?target=${encodeURIComponent(`${base}/v1/tasks/${task}/denials`)}`;
  const page = await bob.context.newPage();
  const statuses = [];
  page.on('response', (res) => { if (res.url().startsWith(`${base}/v1/`)) statuses.push(res.status()); });
  await page.goto(url);
  await page.waitForFunction(() => window.__fetched === true);
  await Promise.all([page.waitForURL(`${base}/v1/**`), page.evaluate(() => document.forms[0].submit())]);
  await page.close();
  expect(statuses.length === 2 && statuses.every((s) => s === 403), `cross-origin fetch and form post: ${statuses.join(', ')}`);
  return statuses;
}

function startEvilOrigin() {
  const page = `<!doctype html><title>another site</title><form method="POST" enctype="text/plain"><input name='{"reason":"x","y":"' value='"}'></form>
<script>
const target = new URLSearchParams(location.search).get('target');
document.forms[0].action = target;
fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"reason":"forged"}' })
  .finally(() => { window.__fetched = true; });
</script>`;
  const s = https.createServer({ cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) }, (req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(page);
  });
  return new Promise((resolvePromise) => s.listen(0, '127.0.0.1', () => resolvePromise({
    origin: `https://127.0.0.1:${s.address().port}`, close: () => new Promise((r) => { s.closeAllConnections?.(); s.close(r); }),
  })));
}

// The deployer takes the mandate over mTLS, the resource server asks twice,
// the outcome is reported; the trace shows it all.
async function executeAndTrace(task) {
  let r = await api('POST', `/v1/tasks/${task}/mandates`, { as: pki.deployer });
  expect(r.status === 201, `the deployer takes the mandate: ${r.status} ${r.text}`);
  const token = r.json.token;
  for (const [resource, want] of [['prod/payments', 'allow'], ['prod/ledger', 'deny']]) {
    r = await api('POST', '/v1/decisions', {
      as: pki.paymentsRs,
      body: { token, action: 'deploy', resource, certificate_thumbprint: pki.deployer.x5t },
    });
    expect(r.json?.decision === want, `decision on ${resource}: ${r.status} ${r.text}`);
  }
  r = await api('POST', `/v1/tasks/${task}/outcome`, { as: pki.deployer, body: { outcome: 'success', result_digest: 'sha256:00' } });
  expect(r.status === 200, `outcome: ${r.status} ${r.text}`);

  const { page } = people.bob;
  await go(page, `#/tasks/${task}`);
  const timeline = page.locator('ol.timeline');
  await timeline.getByText('Outcome reported').waitFor({ timeout: 10000 });
  const steps = await timeline.locator(':scope > li h3').allTextContents();
  const order = ['Requested', 'Approved', 'Approved', 'Mandate issued', 'Decision — allow', 'Decision — deny', 'Outcome reported'];
  let at = 0;
  for (const s of steps) if (at < order.length && s.trim() === order[at]) ++at;
  expect(at === order.length, `the timeline is ${JSON.stringify(steps)}; expected in order ${JSON.stringify(order)}`);
  const chain = await page.getByRole('list', { name: 'The chain at a glance' }).textContent();
  expect(/Revocation: 1/.test(chain), `the chain does not count the revocation: ${chain}`);
  const allowed = timeline.locator('li.decision-allow');
  expect((await allowed.locator('.depth-value').textContent()) === 'initiation+approval+execution',
    `the allowed decision's depth: ${await allowed.locator('.depth-value').textContent()}`);
  expect((await timeline.locator('li.decision-deny .depth-value').textContent()) === 'initiation+approval',
    `the denied decision's depth: ${await timeline.locator('li.decision-deny .depth-value').textContent()}`);
  // A step opens its ledger entry, whose inclusion proof the page checks.
  await allowed.locator('summary').click();
  await allowed.getByText(/^Verified in your browser: entry \d+ is included/).waitFor();
  await checkPage(page, 'trace', 'the task page (trace)');

  // The evidence bundle, downloaded by the browser and verified by the binary.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /evidence bundle/ }).click()]);
  const bundle = join(tmp, 'evidence-from-browser.json');
  await download.saveAs(bundle);
  mandate(['evidence', 'verify', bundle], 'evidence verify of the downloaded bundle');
  ok(`trace: ${steps.length} steps in order, depths initiation+approval+execution (allowed) and initiation+approval (denied), an entry's inclusion proof checked in the page; the downloaded bundle passes \`mandate evidence verify\``);
}

async function reviews(alice, bob) {
  // Two break-glass tasks: "restart" (review within 1 s: overdue by now) and
  // "rollback" (4 h).
  for (const [type, intent] of [['restart', 'Restart payments now'], ['rollback', 'Roll back the ledger writer']]) {
    const r = await alice.context.request.post(`${base}/v1/tasks/break-glass`, {
      headers: { 'X-CSRF-Token': alice.csrf, Origin: base },
      data: { intent, executor: DEPLOYER, duration: '30m', reason: 'payments down, INC-7', scope: [{ type, actions: [type], resources: ['prod/payments'] }] },
    });
    expect(r.status() === 201, `break-glass ${type}: ${r.status()} ${await r.text()}`);
  }
  await new Promise((r) => setTimeout(r, 1200));
  await go(bob.page, '#/reviews');
  const overdue = bob.page.getByRole('listitem').filter({ hasText: 'Restart payments now' });
  await overdue.getByText('Overdue').waitFor();
  expect(await bob.page.getByRole('listitem').filter({ hasText: 'Roll back the ledger writer' }).getByText('Overdue').count() === 0,
    'the task within its review window is marked overdue');
  await checkPage(bob.page, 'reviews', 'Break-glass reviews');
  await overdue.getByLabel('Review comment').fill('justified: INC-7');
  await overdue.getByRole('button', { name: 'Record the review' }).click();
  await bob.page.getByRole('status').filter({ hasText: 'Reviewed the break-glass task' }).waitFor();
  await go(alice.page, '#/reviews');
  expect(await alice.page.getByRole('button', { name: 'Record the review' }).count() === 0, 'alice is offered the review of her own break-glass');
  ok('break-glass review queue: the overdue one marked, bob reviewed it; alice is not offered her own');
}

async function auditorPages(bob, task) {
  const { page } = bob;
  await go(page, `#/audit?executor=${encodeURIComponent(DEPLOYER)}`);
  await page.getByRole('link', { name: 'Deploy payments 2.4.0' }).waitFor();
  const decisions = page.locator('section').filter({ has: page.getByRole('heading', { name: /^Decisions/ }) });
  await decisions.getByText('prod/ledger').first().waitFor();
  await checkPage(page, 'audit', 'Audit');
  // The form, by label: tasks bob approved.
  await page.getByLabel('Executor').fill('');
  await page.getByLabel('Approved or denied by').fill('bob');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForFunction(() => window.location.hash.includes('approver=bob'));
  await page.getByRole('link', { name: 'Deploy payments 2.4.0' }).waitFor();

  await go(page, '#/ledger');
  const size = Number(await page.locator('.facts .big').textContent());
  expect(size > 10, `the ledger page shows ${size} entries`);
  await checkPage(page, 'ledger', 'Ledger');
  await go(page, '#/findings');
  await page.getByText('nhi.human_use').first().waitFor();
  await page.getByText('NHI', { exact: false }).first().waitFor();
  await checkPage(page, 'findings', 'Findings');
  ok(`audit search by executor and by approver, ledger (${size} entries), findings with their framework mapping`);
  void task;
}

async function signOutAndExpiry(alice) {
  // A second tab of alice's stays open while she signs out in the first: its
  // next call is refused, and it says the session ended.
  const other = await alice.context.newPage();
  await other.goto(`${base}/console/#/requests`);
  await waitIdle(other);
  // Its calls after the sign-out are refused, and the browser logs that.
  watcher.allow(other, /status of 401|EventSource/);
  await alice.page.getByRole('button', { name: 'Sign out' }).click();
  await alice.page.getByRole('link', { name: /sign in/i }).waitFor();
  await alice.page.getByText('You have signed out.').waitFor();
  const r = await alice.context.request.get(`${base}/console/session`);
  expect(r.status() === 401, `the session after signing out: ${r.status()}`);
  await other.evaluate(() => { window.location.hash = '#/audit'; });
  await other.getByText('Your session has ended').waitFor({ timeout: 10000 });
  await other.close();
  ok('sign-out ends the session; another open tab shows "Your session has ended" on its next call');
}

// --- weight ---------------------------------------------------------------------

async function firstLoadWeight() {
  const index = await api('GET', '/console/', { validate: false });
  expect(index.status === 200, `GET /console/: ${index.status}`);
  const csp = index.headers['content-security-policy'] ?? '';
  expect(/script-src 'self'/.test(csp) && !/unsafe-inline|unsafe-eval/.test(csp), `the console's CSP: ${csp}`);
  const files = [{ name: 'index.html', bytes: Buffer.from(index.text) }];
  for (const m of index.text.matchAll(/(?:src|href)="(\/console\/assets\/[^"/]+\.(?:js|css))"/g)) {
    const r = await api('GET', m[1], { validate: false });
    expect(r.status === 200, `${m[1]}: ${r.status}`);
    expect(/immutable/.test(r.headers['cache-control'] ?? ''), `${m[1]} is not cached for good: ${r.headers['cache-control']}`);
    files.push({ name: m[1], bytes: Buffer.from(r.text) });
  }
  expect(files.length === 3, `index.html references ${files.length - 1} script and style files`);
  let total = 0;
  const parts = files.map((f) => {
    const gz = gzipSync(f.bytes, { level: 9 }).length;
    total += gz;
    return `${f.name.split('/').pop()} ${f.bytes.length} B (${gz} B gzip)`;
  });
  expect(total < BUDGET, `the first load is ${total} B gzip, over ${BUDGET}`);
  ok(`first load ${(total / 1024).toFixed(1)} KB gzip: ${parts.join(', ')}`);
  return total;
}

// --- running ----------------------------------------------------------------------

function context(tasks = {}) {
  return { tmp, base, ca, pki, mandate: MANDATE, home, cli: (args) => mandate(args, args.join(' ')), people, tasks, expect };
}

// Outside the scratch directory, which the runner removes.
async function saveFailureScreenshots() {
  const dir = scratch('mandate-console-screenshots-');
  let n = 0;
  for (const { page, who } of watcher?.pages ?? []) {
    if (page.isClosed()) continue;
    try {
      await screenshot(page, dir, `${who}-${++n}-${page.url().replace(/^https:\/\/[^/]+/, '').replace(/\W+/g, '_').slice(0, 60)}`);
    } catch {
      // a page that cannot be photographed is no reason to hide the failure
    }
  }
  // And each page of the console as someone signed in sees it now.
  const viewer = people.bob?.page ?? people.alice?.page;
  if (viewer && !viewer.isClosed()) {
    for (const h of ['#/waiting', '#/requests', '#/audit', '#/ledger', '#/reviews', '#/findings']) {
      try {
        await viewer.evaluate((x) => { window.location.hash = x; }, h);
        await viewer.waitForTimeout(500);
        await screenshot(viewer, dir, `page-${h.slice(2)}`);
      } catch {
        // as above
      }
    }
  }
  return dir;
}

async function main() {
  const scenarioDir = join(here, 'scenarios');
  if (existsSync(scenarioDir)) {
    for (const f of readdirSync(scenarioDir).filter((x) => x.endsWith('.mjs')).sort()) {
      scenarios.push(await import(pathToFileURL(join(scenarioDir, f)).href));
    }
  }
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (scripts/install-deps.sh)`);
  await setUp();
  evil = await startEvilOrigin();
  watcher = new Watcher(base);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  ok(`chromium ${browser.version()} (headless, playwright-core)`);
  const weight = await firstLoadWeight();
  await scenario();
  const want = ['signin', 'waiting', 'requests', 'trace', 'audit', 'ledger', 'reviews', 'findings'];
  expect(want.every((p) => pagesChecked.has(p)), `pages not checked: ${want.filter((p) => !pagesChecked.has(p))}`);
  watcher.check('at the end');
  ok(`every page (${want.join(', ')}): no console error, uncaught error or CSP violation; no serious or critical axe-core violation; no horizontal overflow at 360 and 1440 px`);
  if (SHOTS) ok(`screenshots in ${SHOTS}`);
  console.log(`\nconsole.browser: all passed in ${((Date.now() - started) / 1000).toFixed(1)} s (first load ${weight} B gzip)`);
}

await runDriver('console.browser', {
  main: async () => {
    try {
      await main();
    } catch (e) {
      if (watcher?.problems.length) console.error(`page problems:\n  ${watcher.problems.join('\n  ')}`);
      console.error(`screenshots of every page: ${await saveFailureScreenshots()}`);
      throw e;
    }
  },
  tmp,
  timeoutMs: 240000,
  stderr: () => server?.stderrText ?? '',
  kill: () => server?.kill('SIGKILL'),
  cleanup: async () => {
    for (const s of scenarios) await s.close?.(context());
    await browser?.close();
    if (server) {
      server.kill('SIGTERM');
      await server.exited;
    }
    await evil?.close();
    await idp?.close();
  },
});
