// Requester: ask for a task (intent, change reference, executor, scope built
// from the detail types the rules know, duration), follow my tasks, cancel or
// complete them.
import { useState } from 'preact/hooks';
import { enc, get, post } from '../api.js';
import { ActionResult, Empty, ErrorNote, Field, Loading, StateBadge, TaskLink, When, html, scopeWords, useAction, useData } from '../ui.js';
import { Notice } from './waiting.js';

const DURATIONS = ['15m', '30m', '1h', '2h', '4h', '8h', '24h'];
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

function DetailEditor({ index, detail, types, onChange, onRemove, removable }) {
  const id = `detail-${index}`;
  const set = (k) => (e) => onChange({ ...detail, [k]: e.currentTarget.value });
  return html`<fieldset class="detail">
    <legend>Scope item ${index + 1}</legend>
    <${Field} id=${`${id}-type`} label="Detail type" hint="The kind of work (RFC 9396 authorization detail type) the approval rules know.">
      ${types.length
        ? html`<select id=${`${id}-type`} value=${detail.type} onChange=${set('type')} aria-describedby=${`${id}-type-hint`}>
            ${types.map((t) => html`<option value=${t}>${t}</option>`)}</select>`
        : html`<input id=${`${id}-type`} required value=${detail.type} onInput=${set('type')} aria-describedby=${`${id}-type-hint`} />`}
    <//>
    <${Field} id=${`${id}-actions`} label="Actions" hint="Comma-separated, e.g. deploy, rollback. Empty: the detail type's name.">
      <input id=${`${id}-actions`} value=${detail.actions} onInput=${set('actions')} aria-describedby=${`${id}-actions-hint`} />
    <//>
    <${Field} id=${`${id}-resources`} label="Resources" hint="Comma-separated, e.g. prod/payments.">
      <input id=${`${id}-resources`} required value=${detail.resources} onInput=${set('resources')} aria-describedby=${`${id}-resources-hint`} />
    <//>
    ${removable ? html`<button type="button" class="secondary" onClick=${onRemove}>Remove scope item ${index + 1}</button>` : null}
  </fieldset>`;
}

function RequestForm({ onRequested }) {
  const setup = useData(async () => {
    const [actors, rules] = await Promise.all([get('/v1/actors'), get('/v1/rules')]);
    const executors = actors.filter((a) => (a.kind === 'workload' || a.kind === 'agent') && a.state === 'active');
    const types = [...new Set(rules.flatMap((r) => r.detail_types))].sort();
    return { executors, types, rules };
  });
  const [intent, setIntent] = useState('');
  const [ref, setRef] = useState('');
  const [executor, setExecutor] = useState('');
  const [duration, setDuration] = useState('30m');
  const [details, setDetails] = useState(null);
  const [state, run] = useAction();

  if (setup.data === undefined) return html`<${ErrorNote} error=${setup.error} /><${Loading} what="executors and rules" />`;
  const { executors, types, rules } = setup.data;
  const blank = () => ({ type: types[0] ?? '', actions: '', resources: '' });
  const items = details ?? [blank()];
  const chosenExecutor = executor || executors[0]?.id || '';
  const limits = rules.filter((r) => items.some((d) => r.detail_types.length === 0 || r.detail_types.includes(d.type)));

  const submit = async (e) => {
    e.preventDefault();
    const scope = items.map((d) => ({
      type: d.type,
      actions: list(d.actions).length ? list(d.actions) : [d.type],
      resources: list(d.resources),
    }));
    const body = { intent, executor: chosenExecutor, duration, scope };
    if (ref) body.ref = ref;
    const r = await run(() => post('/v1/tasks', body), null);
    if (r) {
      setIntent('');
      setRef('');
      setDetails(null);
      onRequested(`Requested “${intent}” as task ${r.task}${r.rules?.length ? ` (rules ${r.rules.join(', ')})` : ''}. It now waits for approval.`);
    }
  };

  return html`<form class="request" onSubmit=${submit} aria-labelledby="request-heading">
    <h2 id="request-heading">Request a task</h2>
    <${Field} id="intent" label="Intent" hint="What should be done, and why, in a sentence approvers will read.">
      <input id="intent" required value=${intent} onInput=${(e) => setIntent(e.currentTarget.value)} aria-describedby="intent-hint" />
    <//>
    <${Field} id="ref" label="Change reference (optional)" hint="The ticket or change id, e.g. CHG-1042.">
      <input id="ref" value=${ref} onInput=${(e) => setRef(e.currentTarget.value)} aria-describedby="ref-hint" />
    <//>
    <${Field} id="executor" label="Executor" hint="The registered workload or agent that will do the work.">
      ${executors.length
        ? html`<select id="executor" value=${chosenExecutor} onChange=${(e) => setExecutor(e.currentTarget.value)} aria-describedby="executor-hint">
            ${executors.map((a) => html`<option value=${a.id}>${a.id} (${a.kind}${a.owner ? `, owner ${a.owner}` : ''})</option>`)}</select>`
        : html`<p class="error" id="executor">No active workload or agent is registered; an administrator registers them.</p>`}
    <//>
    ${items.map((d, i) => html`<${DetailEditor} key=${i} index=${i} detail=${d} types=${types}
      onChange=${(nd) => setDetails(items.map((x, j) => (j === i ? nd : x)))}
      onRemove=${() => setDetails(items.filter((_, j) => j !== i))} removable=${items.length > 1} />`)}
    <p><button type="button" class="secondary" onClick=${() => setDetails([...items, blank()])}>Add a scope item</button></p>
    <${Field} id="duration" label="Duration" hint=${limits.length ? `Rules ${limits.map((r) => `${r.id} (at most ${r.max_task_duration}, ${r.approvals} approval${r.approvals === 1 ? '' : 's'})`).join(', ')} apply.` : 'The default rule applies: one approval, at most 1 h.'}>
      <select id="duration" value=${duration} onChange=${(e) => setDuration(e.currentTarget.value)} aria-describedby="duration-hint">
        ${DURATIONS.map((d) => html`<option value=${d}>${d}</option>`)}</select>
    <//>
    <button type="submit" class="primary" disabled=${state.busy || !executors.length}>Request</button>
    <${ActionResult} state=${state} />
  </form>`;
}

function TaskActions({ task, onDone }) {
  const [open, setOpen] = useState(null); // 'cancel' | 'complete'
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState('success');
  const [digest, setDigest] = useState('');
  const [state, run] = useAction();
  const id = enc(task.id);
  const canCancel = ['requested', 'approved', 'active'].includes(task.state);
  const canComplete = task.state === 'active';
  if (!canCancel && !canComplete) return null;
  const cancel = (e) => {
    e.preventDefault();
    run(() => post(`/v1/tasks/${id}/cancel`, reason ? { reason } : {}), null)
      .then((r) => r && onDone(`Cancelled “${task.intent}”${r.revoked_mandates?.length ? `; ${r.revoked_mandates.length} mandate(s) revoked` : ''}.`));
  };
  const complete = (e) => {
    e.preventDefault();
    const body = { outcome };
    if (digest) body.result_digest = digest;
    run(() => post(`/v1/tasks/${id}/outcome`, body), null)
      .then((r) => r && onDone(`Completed “${task.intent}” (${outcome}); its mandates no longer work.`));
  };
  const base = `act-${task.id}`;
  return html`<div class="actions">
    ${canCancel ? html`<button type="button" class="secondary" aria-expanded=${open === 'cancel'} onClick=${() => setOpen(open === 'cancel' ? null : 'cancel')}>Cancel…</button>` : null}
    ${canComplete ? html`<button type="button" class="secondary" aria-expanded=${open === 'complete'} onClick=${() => setOpen(open === 'complete' ? null : 'complete')}>Complete…</button>` : null}
    ${open === 'cancel' ? html`<form class="inline" onSubmit=${cancel} aria-label=${`Cancel ${task.intent}`}>
      <${Field} id=${`${base}-reason`} label="Reason (optional)">
        <input id=${`${base}-reason`} value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} />
      <//>
      <button type="submit" class="danger" disabled=${state.busy}>Cancel the task</button>
    </form>` : null}
    ${open === 'complete' ? html`<form class="inline" onSubmit=${complete} aria-label=${`Complete ${task.intent}`}>
      <${Field} id=${`${base}-outcome`} label="Outcome">
        <select id=${`${base}-outcome`} value=${outcome} onChange=${(e) => setOutcome(e.currentTarget.value)}>
          <option value="success">success</option><option value="failure">failure</option></select>
      <//>
      <${Field} id=${`${base}-digest`} label="Result digest (optional)">
        <input id=${`${base}-digest`} placeholder="sha256:…" value=${digest} onInput=${(e) => setDigest(e.currentTarget.value)} />
      <//>
      <button type="submit" class="primary" disabled=${state.busy}>Record the outcome</button>
    </form>` : null}
    <${ActionResult} state=${state} />
  </div>`;
}

function MyTasks({ onDone, version }) {
  const { data, error } = useData(() => get('/v1/tasks?mine=true'), [version]);
  return html`<section aria-labelledby="mine-heading">
    <h2 id="mine-heading">My tasks</h2>
    <${ErrorNote} error=${error} />
    ${data === undefined ? html`<${Loading} what="your tasks" />`
      : data.length === 0 ? html`<${Empty}>You have not requested any task yet.<//>`
        : html`<ul class="cards">${[...data].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at))).map((t) => html`<li key=${t.id} class="card">
          <h3><${TaskLink} id=${t.id}>${t.intent}<//></h3>
          <p><${StateBadge} state=${t.state} /> <span class="muted">requested <${When} at=${t.created_at} /></span></p>
          <dl class="facts">
            <dt>Executor</dt><dd class="id">${t.executor}</dd>
            <dt>Scope</dt><dd>${scopeWords(t.scope)}</dd>
            ${t.ref ? html`<dt>Change</dt><dd>${t.ref}</dd>` : null}
          </dl>
          <${TaskActions} task=${t} onDone=${onDone} />
        </li>`)}</ul>`}
  </section>`;
}

export function RequestsPage() {
  const [notice, setNotice] = useState(null);
  const [version, setVersion] = useState(0);
  const done = (text) => {
    setNotice(text);
    setVersion((v) => v + 1);
  };
  return html`<h1>My requests</h1>
    <p class="lead">Ask for work to be done by a machine; other people approve it before a mandate is issued.</p>
    <${Notice} text=${notice} />
    <div class="two">
      <${RequestForm} onRequested=${done} />
      <${MyTasks} onDone=${done} version=${version} />
    </div>`;
}
