// Approver: the tasks this person may approve under the rules (never their
// own, never where they are the executor), with everything needed to decide.
import { get, enc, post } from '../api.js';
import { ActionResult, Empty, ErrorNote, Field, Loading, RefLink, TaskLink, TimeLeft, html, ruleProgress, scopeWords, useAction, useData, useNow } from '../ui.js';
import { useEffect, useRef, useState } from 'preact/hooks';

export function Decide({ task, onDone }) {
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [state, run] = useAction();
  const id = enc(task.id);
  const approve = (e) => {
    e.preventDefault();
    run(() => post(`/v1/tasks/${id}/approvals`, comment ? { comment } : {}), null)
      .then((r) => r && onDone?.(`You approved “${task.intent}”: ${describeResult(r)}.`));
  };
  const deny = (e) => {
    e.preventDefault();
    run(() => post(`/v1/tasks/${id}/denials`, { reason }), null)
      .then((r) => r && onDone?.(`You denied “${task.intent}”: ${describeResult(r)}.`));
  };
  const base = `decide-${task.id}`;
  return html`<div class="decide">
    <form class="inline" onSubmit=${approve} aria-label=${`Approve ${task.intent}`}>
      <${Field} id=${`${base}-comment`} label="Comment (optional)">
        <textarea id=${`${base}-comment`} rows="2" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)}></textarea>
      <//>
      <button type="submit" class="primary" disabled=${state.busy}>Approve</button>
    </form>
    <form class="inline" onSubmit=${deny} aria-label=${`Deny ${task.intent}`}>
      <${Field} id=${`${base}-reason`} label="Reason for denying" hint="Required. One denial vetoes the task.">
        <textarea id=${`${base}-reason`} rows="2" required aria-describedby=${`${base}-reason-hint`} value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
      <//>
      <button type="submit" class="danger" disabled=${state.busy}>Deny</button>
    </form>
    <${ActionResult} state=${state} />
  </div>`;
}

function describeResult(r) {
  if (!r) return 'recorded';
  const parts = [];
  if (r.task_state) parts.push(`the task is ${r.task_state}`);
  if (r.rule_status) parts.push(`rules ${r.rule_status}`);
  if (r.ledger_index !== undefined) parts.push(`ledger entry ${r.ledger_index}`);
  return parts.join(', ') || 'recorded';
}

export function Executor({ executor }) {
  if (!executor) return null;
  if (typeof executor === 'string') return html`<span class="id">${executor}</span>`;
  return html`<span class="id">${executor.id}</span> <span class="muted">(${executor.kind}${executor.owner ? `, owned by ${executor.owner}` : ''})</span>`;
}

function WaitingTask({ task, session, now, deadline, onDone }) {
  return html`<article class="card" aria-labelledby=${`t-${task.id}`}>
    <h2 id=${`t-${task.id}`}>${task.intent}</h2>
    <dl class="facts">
      <dt>Change</dt><dd><${RefLink} value=${task.ref} href=${task.change_url} template=${session.change_url_template} /></dd>
      <dt>Requested by</dt><dd>${task.initiator}</dd>
      <dt>Executor</dt><dd><${Executor} executor=${task.executor} /></dd>
      <dt>Scope</dt><dd>${Array.isArray(task.scope_text) ? task.scope_text.join('; ') : task.scope_text || scopeWords(task.scope)}</dd>
      <dt>Rules</dt><dd><ul class="plain">${(task.rules ?? []).map((r) => html`<li>
        <span class="rule-id">${r.id}</span>: ${ruleProgress(r)}
        <progress max=${r.approvals_need} value=${r.approvals_have} aria-label=${`${r.id}: ${ruleProgress(r)}`}></progress></li>`)}</ul></dd>
      <dt>Time left</dt><dd>${deadline
        ? html`<${TimeLeft} until=${deadline} now=${now} />`
        : `no deadline yet: the task's ${task.duration ?? ''} window starts when it is approved`}</dd>
      <dt>Task</dt><dd><${TaskLink} id=${task.id} /></dd>
    </dl>
    <${Decide} task=${task} onDone=${onDone} />
  </article>`;
}

// What the last approval or denial did; focus moves here, since the card it
// was made on leaves the list.
export function Notice({ text }) {
  const ref = useRef(null);
  useEffect(() => {
    if (text) ref.current?.focus();
  }, [text]);
  return html`<p class=${text ? 'ok' : 'visually-hidden'} role="status" tabindex="-1" ref=${ref}>${text ?? ''}</p>`;
}

export function WaitingPage({ session }) {
  const now = useNow();
  const [notice, setNotice] = useState(null);
  const { data, error, reload } = useData(async () => {
    const tasks = await get('/v1/tasks?waiting_for=me');
    const at = Date.now();
    return tasks.map((t) => ({
      task: t,
      deadline: typeof t.seconds_left === 'number' ? at + t.seconds_left * 1000 : t.expires_at ? Date.parse(t.expires_at) : null,
    }));
  });
  return html`<h1>Waiting for me</h1>
    <p class="lead">Tasks you may approve under the approval rules. Your own requests, and tasks you would execute, are never here.</p>
    <${Notice} text=${notice} />
    <${ErrorNote} error=${error} />
    ${data === undefined ? html`<${Loading} what="the tasks waiting for you" />`
      : data.length === 0 ? html`<${Empty}>Nothing is waiting for your approval.<//>`
        : data.map(({ task, deadline }) => html`<${WaitingTask} key=${task.id} task=${task} session=${session} now=${now} deadline=${deadline}
          onDone=${(text) => { setNotice(text); reload(); }} />`)}`;
}
