// Break-glass tasks waiting for their review, overdue ones marked; a person
// who is neither the requester nor the executor records the review.
import { useState } from 'preact/hooks';
import { enc, get, post } from '../api.js';
import { ActionResult, Empty, ErrorNote, Field, Loading, TaskLink, When, html, scopeWords, useAction, useData } from '../ui.js';
import { Notice } from './waiting.js';

function Review({ task, onDone }) {
  const [comment, setComment] = useState('');
  const [state, run] = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(() => post(`/v1/reviews/${enc(task.id)}`, { comment }), null)
      .then((r) => r && onDone(`Reviewed the break-glass task “${task.intent}” (ledger entry ${r.ledger_index}).`));
  };
  const id = `review-${task.id}`;
  return html`<form class="inline" onSubmit=${submit} aria-label=${`Review ${task.intent}`}>
    <${Field} id=${id} label="Review comment">
      <textarea id=${id} rows="2" required value=${comment} onInput=${(e) => setComment(e.currentTarget.value)}></textarea>
    <//>
    <button type="submit" class="primary" disabled=${state.busy}>Record the review</button>
    <${ActionResult} state=${state} />
  </form>`;
}

export function ReviewsPage({ session }) {
  const [notice, setNotice] = useState(null);
  const [version, setVersion] = useState(0);
  const { data, error } = useData(() => get('/v1/reviews'), [version]);
  const done = (text) => {
    setNotice(text);
    setVersion((v) => v + 1);
  };
  const sorted = data && [...data].sort((a, b) => Number(b.overdue) - Number(a.overdue));
  return html`<h1>Break-glass reviews</h1>
    <p class="lead">Emergency tasks ran without prior approval; each needs a review by its deadline, or it becomes a finding.</p>
    <${Notice} text=${notice} />
    <${ErrorNote} error=${error} />
    ${sorted === undefined ? html`<${Loading} what="the review queue" />`
      : sorted.length === 0 ? html`<${Empty}>No break-glass task is waiting for review.<//>`
        : html`<ul class="cards">${sorted.map((t) => html`<li key=${t.id} class=${`card${t.overdue ? ' overdue' : ''}`}>
          <h2><${TaskLink} id=${t.id}>${t.intent}<//> ${t.overdue ? html`<span class="badge overdue">Overdue</span>` : null}</h2>
          <dl class="facts">
            <dt>Requested by</dt><dd>${t.initiator}, <${When} at=${t.created_at} /></dd>
            <dt>Reason</dt><dd>${t.break_glass_reason ?? ''}</dd>
            <dt>Executor</dt><dd class="id">${t.executor}</dd>
            <dt>Scope</dt><dd>${scopeWords(t.scope)}</dd>
            <dt>Review by</dt><dd><${When} at=${t.review?.deadline} /></dd>
          </dl>
          ${t.initiator === session.actor || t.executor === session.actor
            ? html`<p class="muted">You requested this task, so someone else reviews it.</p>`
            : html`<${Review} task=${t} onDone=${done} />`}
        </li>`)}</ul>`}`;
}
