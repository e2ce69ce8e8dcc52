// One task: what was asked and by whom, and its trace drawn as a timeline —
// request, approvals, mandates, decisions (with the attribution depth the
// ledger proves for each), outcome, revocation — each step opening its ledger
// entry and inclusion proof; the evidence bundle to download.
import { enc, get } from '../api.js';
import { ErrorNote, Loading, RefLink, StateBadge, When, html, scopeWords, useData } from '../ui.js';
import { EntryDisclosure } from './ledger.js';
import { Decide, Executor } from './waiting.js';

const PHASES = [
  { phase: 'request', title: 'Request', types: ['task.requested', 'task.break_glass'] },
  { phase: 'approval', title: 'Approvals', types: ['task.approval', 'task.denial', 'task.reviewed'] },
  { phase: 'mandate', title: 'Mandates', types: ['mandate.issued', 'mandate.attenuated'] },
  { phase: 'decision', title: 'Decisions', types: ['decision'] },
  { phase: 'outcome', title: 'Outcome', types: ['task.completed'] },
  { phase: 'revocation', title: 'Revocation', types: ['mandate.revoked', 'task.cancelled'] },
];
const STEP_NAMES = {
  'task.requested': 'Requested',
  'task.break_glass': 'Break-glass request',
  'task.approval': 'Approved',
  'task.denial': 'Denied',
  'task.reviewed': 'Break-glass reviewed',
  'mandate.issued': 'Mandate issued',
  'mandate.attenuated': 'Mandate attenuated',
  decision: 'Decision',
  'task.completed': 'Outcome reported',
  'mandate.revoked': 'Mandate revoked',
  'task.cancelled': 'Cancelled',
};

export function phaseOf(type) {
  return PHASES.find((p) => p.types.includes(type))?.phase ?? 'other';
}

function Depth({ attribution }) {
  if (!attribution) return null;
  const parts = ['initiation', 'approval', 'execution'];
  return html`<p class="depth"><span class="label">Attribution depth:</span> <strong class="depth-value">${attribution.depth}</strong>
    <span class="visually-hidden">. </span>
    <span class="depth-parts">${parts.map((p) => html`<span class=${attribution[p] ? 'yes' : 'no'}>${attribution[p] ? '✓' : '✗'} ${p}</span> `)}</span></p>`;
}

function Step({ step, attribution }) {
  const e = step.entry;
  const phase = phaseOf(e.type);
  const decision = e.type === 'decision' ? e.data?.decision : null;
  return html`<li class=${`step phase-${phase}${decision ? ` decision-${decision}` : ''}`}>
    <h3><span class="step-name">${STEP_NAMES[e.type] ?? e.type}</span>${decision ? html` — <span class=${`verdict verdict-${decision}`}>${decision}</span>` : null}</h3>
    <p class="meta"><${When} at=${e.time} /> · ledger entry ${step.index}</p>
    <p>${step.summary}</p>
    <p class="meta">by <span class="id">${e.actor?.id}</span>${e.actor?.kind ? ` (${e.actor.kind})` : ''}${e.actor?.authenticated_by ? html`, authenticated by <span class="id">${e.actor.authenticated_by}</span>` : null}</p>
    ${ended(step) && e.type !== 'mandate.revoked' ? html`<p class="revocation">Ended ${ended(step)} mandate${ended(step) === 1 ? '' : 's'}: the privilege is over.</p>` : null}
    <${Depth} attribution=${attribution} />
    <${EntryDisclosure} index=${step.index} />
  </li>`;
}

// Mandates a step ended: a revocation, or an outcome or cancellation that
// revoked them in the same entry.
function ended(step) {
  if (step.entry.type === 'mandate.revoked') return 1;
  return step.entry.data?.revoked_mandates?.length ?? 0;
}

// request → approvals → mandates → decisions → outcome → revocation, with
// counts (revocation counts the mandates ended, by whichever step).
function Chain({ steps }) {
  const counts = PHASES.map((p) => ({
    ...p,
    n: p.phase === 'revocation'
      ? steps.reduce((n, s) => n + ended(s), 0)
      : steps.filter((s) => p.types.includes(s.entry.type)).length,
  }));
  return html`<ol class="chain" aria-label="The chain at a glance">
    ${counts.map((p) => html`<li class=${p.n ? 'present' : 'absent'}>${p.title}: ${p.n}</li>`)}
  </ol>`;
}

export function TaskPage({ id, session }) {
  const { data, error } = useData(async () => {
    const [task, trace, waiting] = await Promise.all([
      get(`/v1/tasks/${enc(id)}`),
      get(`/v1/trace/${enc(id)}?format=json`),
      get('/v1/tasks?waiting_for=me'),
    ]);
    return { task, trace, waiting: waiting.find((t) => t.id === task.id) };
  }, [id]);
  if (error && !data) return html`<h1>Task ${id}</h1><${ErrorNote} error=${error} />`;
  if (!data) return html`<h1>Task ${id}</h1><${Loading} what="the task and its trace" />`;
  const { task, trace, waiting } = data;
  const depthByIndex = new Map(trace.attribution.map((a) => [a.decision_index, a]));
  return html`<h1>${task.intent}</h1>
    <${ErrorNote} error=${error} />
    <p><${StateBadge} state=${task.state} /> ${task.break_glass ? html`<span class="badge break-glass">break-glass</span>` : null}
      <span class="muted">task <span class="id">${task.id}</span></span></p>
    <dl class="facts">
      <dt>Change</dt><dd><${RefLink} value=${task.ref} template=${session.change_url_template} /></dd>
      <dt>Requested by</dt><dd>${task.initiator}, <${When} at=${task.created_at} /></dd>
      <dt>Executor</dt><dd><${Executor} executor=${waiting?.executor ?? task.executor} /></dd>
      <dt>Scope</dt><dd>${scopeWords(task.scope)}</dd>
      <dt>Duration</dt><dd>${task.duration}${task.window_ends_at ? html`, until <${When} at=${task.window_ends_at} />` : null}</dd>
      <dt>Rules</dt><dd>${task.rules.join(', ') || 'the default rule'} — ${task.rule_status}</dd>
      <dt>Approvals</dt><dd>${task.approvals.length ? html`<ul class="plain">${task.approvals.map((a) => html`<li>${a.approver}: ${a.decision}${a.comment ? ` — “${a.comment}”` : ''}</li>`)}</ul>` : 'none yet'}</dd>
      ${task.outcome ? html`<dt>Outcome</dt><dd>${task.outcome.result}</dd>` : null}
    </dl>
    <p><a class="button" href=${`/v1/evidence/${enc(task.id)}`} download=${`evidence-${task.id}.json`}>Download the evidence bundle</a>
      <span class="muted"> — verify it offline with <code>mandate evidence verify</code>.</span></p>
    ${waiting ? html`<section aria-labelledby="decide-heading" class="card"><h2 id="decide-heading">Your decision</h2><${Decide} task=${waiting} /></section>` : null}
    <section aria-labelledby="trace-heading">
      <h2 id="trace-heading">Trace</h2>
      <${Chain} steps=${trace.steps} />
      <ol class="timeline">
        ${trace.steps.map((s) => html`<${Step} key=${s.index} step=${s} attribution=${depthByIndex.get(s.index)} />`)}
      </ol>
    </section>`;
}
