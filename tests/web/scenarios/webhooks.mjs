// Requests reach people: the console's own steps, announced to a webhook
// receiver (tests/notify/receiver.mjs) that checks every delivery with the
// Standard Webhooks reference library. Each kind of event the scenario
// caused must arrive, signed, once, as its CloudEvent, linking to the
// console, and no payload may carry a token.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const receiverScript = join(dirname(fileURLToPath(import.meta.url)), '../../notify/receiver.mjs');
let receiver;
const deliveries = [];

export async function configure(ctx) {
  const secretFile = join(ctx.tmp, 'webhook.secret');
  writeFileSync(secretFile, `whsec_${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  receiver = spawn(process.execPath, [receiverScript, secretFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: receiver.stdout });
  const port = await new Promise((resolve, reject) => {
    receiver.once('exit', (code) => reject(new Error(`the webhook receiver exited (${code})`)));
    lines.once('line', (line) => resolve(JSON.parse(line).port));
  });
  lines.on('line', (line) => deliveries.push(JSON.parse(line)));
  return `[[webhooks]]\nurl = "http://127.0.0.1:${port}/hooks/console-test"\nsecret_file = "${secretFile}"\n`
    + 'first_retry = "1s"\n';
}

const WANTED = ['task.requested', 'task.approved', 'task.denied', 'mandate.issued', 'break_glass', 'review.overdue'];

function events() {
  return deliveries.filter((d) => d.status === 200).map((d) => ({ ...d, event: JSON.parse(d.body) }));
}

export async function run(ctx) {
  // A break-glass task left unreviewed past its 1 s review window (the
  // scenario's own was reviewed at once, perhaps before a scan saw it),
  // taken on the home with the CLI: the notifier announces that too.
  const unreviewed = JSON.parse(ctx.cli(['task', 'break-glass', '--as', 'alice', '--intent', 'Restart the payments cache',
    '--executor', 'spiffe://example.org/ci/deployer', '--duration', '30m', '--reason', 'cache wedged, INC-9',
    '--scope', JSON.stringify([{ type: 'restart', actions: ['restart'], resources: ['prod/payments-cache'] }])])).task;
  // The notifier follows the ledger every 250 ms; overdue reviews are looked
  // for every 10 s.
  const deadline = Date.now() + 40_000;
  const has = (type) => events().some((e) => e.event.type === `dev.mandate.${type}`
    && (type !== 'review.overdue' || e.event.subject === unreviewed));
  while (Date.now() < deadline && !WANTED.every(has)) await new Promise((r) => setTimeout(r, 250));
  ctx.expect(WANTED.every(has), `webhooks: each kind of event arrives (missing: ${WANTED.filter((t) => !has(t)).join(', ')})`);
  for (const d of deliveries) {
    ctx.expect(d.verified, `webhooks: every delivery verifies with standardwebhooks (${d.webhook_id}: ${d.error ?? ''})`);
    ctx.expect(!/eyJ[\w-]+\.[\w-]+\./.test(d.body), `webhooks: no token in the payload of ${d.webhook_id}`);
  }
  const ids = events().map((e) => e.webhook_id);
  ctx.expect(new Set(ids).size === ids.length, 'webhooks: each event is delivered once');
  const approved = events().find((e) => e.event.type === 'dev.mandate.task.approved' && e.event.subject === ctx.tasks.approved);
  ctx.expect(approved, `webhooks: the approval of ${ctx.tasks.approved} is announced`);
  ctx.expect(approved.event.data.console_url === `${ctx.base}/console/#/tasks/${encodeURIComponent(ctx.tasks.approved)}`,
    `webhooks: the event links to the task's console page (${approved.event.data.console_url})`);
  const denied = events().find((e) => e.event.type === 'dev.mandate.task.denied');
  ctx.expect(denied?.event.subject === ctx.tasks.denied, `webhooks: the denial of ${ctx.tasks.denied} is announced`);
  const overdue = events().find((e) => e.event.type === 'dev.mandate.review.overdue' && e.event.subject === unreviewed);
  ctx.expect(overdue, `webhooks: the overdue review of ${unreviewed} (break-glass through the CLI) is announced`);
  console.log(`ok - webhooks: ${deliveries.length} signed deliveries of ${WANTED.length} kinds, each verified`);
}

export async function close() {
  receiver?.kill();
}
