// Auditor: find tasks and decisions by person, executor, resource, state and
// time. The filters live in the address (#/audit?initiator=alice&...), so a
// search can be shared and survives a reload.
import { useState } from 'preact/hooks';
import { get, query } from '../api.js';
import { Empty, ErrorNote, Field, Loading, StateBadge, TaskLink, When, html, scopeWords, useData } from '../ui.js';

const STATES = ['requested', 'approved', 'denied', 'cancelled', 'active', 'completed', 'expired', 'revoked'];
const FIELDS = ['initiator', 'approver', 'executor', 'resource', 'state', 'since', 'until'];

// datetime-local (no zone) <-> RFC 3339 UTC in the query.
const toRfc3339 = (local) => (local ? new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
function toLocal(rfc3339) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function Filters({ params }) {
  const [f, setF] = useState(() => Object.fromEntries(FIELDS.map((k) => [k, params.get(k) ?? ''])));
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    window.location.hash = `#/audit${query(f)}`;
  };
  const text = (k, label, hint) => html`<${Field} id=${`f-${k}`} label=${label} hint=${hint}>
    <input id=${`f-${k}`} value=${f[k]} onInput=${set(k)} aria-describedby=${hint ? `f-${k}-hint` : undefined} /><//>`;
  return html`<form class="filters" onSubmit=${submit} aria-label="Search the record">
    ${text('initiator', 'Requested by')}
    ${text('approver', 'Approved or denied by')}
    ${text('executor', 'Executor', 'A workload or agent id')}
    ${text('resource', 'Resource', 'e.g. prod/payments')}
    <${Field} id="f-state" label="State">
      <select id="f-state" value=${f.state} onChange=${set('state')}>
        <option value="">any</option>${STATES.map((s) => html`<option value=${s}>${s}</option>`)}</select>
    <//>
    <${Field} id="f-since" label="Since">
      <input id="f-since" type="datetime-local" value=${toLocal(f.since)} onInput=${(e) => setF({ ...f, since: toRfc3339(e.currentTarget.value) })} />
    <//>
    <${Field} id="f-until" label="Until">
      <input id="f-until" type="datetime-local" value=${toLocal(f.until)} onInput=${(e) => setF({ ...f, until: toRfc3339(e.currentTarget.value) })} />
    <//>
    <div class="filter-buttons">
      <button type="submit" class="primary">Search</button>
      <a class="button" href="#/audit">Clear</a>
    </div>
  </form>`;
}

function Tasks({ tasks }) {
  if (!tasks.length) return html`<${Empty}>No task matches.<//>`;
  return html`<table class="stack">
    <caption class="visually-hidden">Tasks that match</caption>
    <thead><tr><th scope="col">Task</th><th scope="col">State</th><th scope="col">Requested by</th><th scope="col">Executor</th><th scope="col">Scope</th><th scope="col">Requested</th></tr></thead>
    <tbody>${tasks.map((t) => html`<tr key=${t.id}>
      <td data-label="Task"><${TaskLink} id=${t.id}>${t.intent}<//></td>
      <td data-label="State"><${StateBadge} state=${t.state} /></td>
      <td data-label="Requested by">${t.initiator}</td>
      <td data-label="Executor" class="id">${typeof t.executor === 'string' ? t.executor : t.executor?.id}</td>
      <td data-label="Scope">${scopeWords(t.scope)}</td>
      <td data-label="Requested"><${When} at=${t.created_at} /></td>
    </tr>`)}</tbody>
  </table>`;
}

function Decisions({ decisions }) {
  if (!decisions.length) return html`<${Empty}>No decision matches.<//>`;
  return html`<table class="stack">
    <caption class="visually-hidden">Decisions that match</caption>
    <thead><tr><th scope="col">When</th><th scope="col">Decision</th><th scope="col">Action on resource</th><th scope="col">Executor</th><th scope="col">Why</th><th scope="col">Task</th></tr></thead>
    <tbody>${decisions.map((d) => html`<tr key=${d.ledger_index}>
        <td data-label="When"><${When} at=${d.time} /></td>
        <td data-label="Decision"><span class=${`verdict verdict-${d.decision}`}>${d.decision}</span></td>
        <td data-label="Action on resource">${d.action} on ${d.resource}</td>
        <td data-label="Executor" class="id">${d.executor ?? ''}</td>
        <td data-label="Why">${d.decided_by ? html`<span class="muted">${d.decided_by}: </span>` : null}${(d.reasons ?? []).map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('; ')}</td>
        <td data-label="Task">${d.task ? html`<${TaskLink} id=${d.task} />` : ''} <span class="muted">entry ${d.ledger_index}</span></td>
      </tr>`)}</tbody>
  </table>`;
}

export function AuditPage({ params }) {
  const filters = Object.fromEntries(FIELDS.map((k) => [k, params.get(k) ?? '']));
  const key = query(filters);
  const { data, error } = useData(async () => {
    const decisionFilters = { executor: filters.executor, resource: filters.resource, since: filters.since, until: filters.until };
    const [tasks, decisions] = await Promise.all([get(`/v1/tasks${key}`), get(`/v1/decisions${query(decisionFilters)}`)]);
    return { tasks, decisions };
  }, [key]);
  return html`<h1>Audit</h1>
    <p class="lead">Find tasks and the decisions made under their mandates. Open a task for its trace, its ledger entries and its evidence.</p>
    <${Filters} key=${key} params=${params} />
    <${ErrorNote} error=${error} />
    ${data === undefined ? html`<${Loading} what="the record" />` : html`
      <section aria-labelledby="tasks-heading"><h2 id="tasks-heading">Tasks (${data.tasks.length})</h2><${Tasks} tasks=${data.tasks} /></section>
      <section aria-labelledby="decisions-heading"><h2 id="decisions-heading">Decisions (${data.decisions.length})</h2>
        <p class="muted">Decisions are filtered by executor, resource and time; the person and state filters apply to tasks.</p>
        <${Decisions} decisions=${data.decisions} /></section>`}`;
}
