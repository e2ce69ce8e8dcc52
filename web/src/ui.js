// Shared pieces of the console's pages: the template tag, data loading that
// follows live updates, and small components used on several pages.
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { onTaskEvents } from './live.js';

export const html = htm.bind(h);

// Loads data with `load()`, again when `deps` change and whenever a task
// changes (Server-Sent Events). Keeps the last data while reloading.
export function useData(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, error: null, loading: false }),
      (error) => mine === generation.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    reload();
    return onTaskEvents(reload);
  }, [reload]);
  return { ...state, reload };
}

// The current time, re-read every `ms` (for "time left").
export function useNow(ms = 15000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.status ? `Refused (${error.status}): ` : ''}${error.message}</p>`;
}

export function Loading({ what }) {
  return html`<p class="muted" role="status">Loading ${what}…</p>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

// "12 min left", "1 h 5 min left", "expired".
export function timeLeft(seconds) {
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return `${Math.floor(seconds)} s left`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min left`;
  return `${Math.floor(hours / 24)} days left`;
}

export function TimeLeft({ until, now }) {
  if (!until) return null;
  const seconds = (until - now) / 1000;
  return html`<span class=${seconds < 600 ? 'soon' : ''}>${timeLeft(seconds)}</span>`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export function When({ at }) {
  if (!at) return null;
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return html`<span>${at}</span>`;
  return html`<time datetime=${d.toISOString()}>${dateFormat.format(d)}</time>`;
}

// RFC 9396 authorization_details in words: "deploy (deploy) on prod/payments".
export function scopeWords(scope) {
  if (!Array.isArray(scope) || scope.length === 0) return 'nothing';
  return scope
    .map((d) => {
      const actions = d.actions?.length ? d.actions.join(', ') : 'any action';
      const where = [...(d.resources ?? []), ...(d.locations ?? [])];
      return `${d.type}: ${actions}${where.length ? ` on ${where.join(', ')}` : ''}`;
    })
    .join('; ');
}

// The change reference as a link: the server's change_url for it, or its
// change_url_template ("https://tickets.example/browse/{reference}") filled
// in; plain text without either or when the result is not an http(s) URL.
export function RefLink({ value, href: given, template }) {
  if (!value) return html`<span class="muted">none</span>`;
  if (given || template) {
    const href = given ?? template.replaceAll('{reference}', encodeURIComponent(value));
    try {
      const url = new URL(href, window.location.href);
      if (url.protocol === 'https:' || url.protocol === 'http:') {
        return html`<a href=${url.href} rel="noopener noreferrer" target="_blank">${value}<span class="visually-hidden"> (opens the change in a new tab)</span></a>`;
      }
    } catch {
      // fall through to plain text
    }
  }
  return html`<span>${value}</span>`;
}

export function TaskLink({ id, children }) {
  return html`<a href=${`#/tasks/${encodeURIComponent(id)}`}>${children ?? id}</a>`;
}

export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`}>${state}</span>`;
}

// "1 of 2 from sre" for one rule's progress.
export function ruleProgress(rule) {
  const from = rule.groups?.length ? ` from ${rule.groups.join(' or ')}` : '';
  return `${rule.approvals_have} of ${rule.approvals_need}${from}`;
}

// A labelled form field; `hint` is tied to the control with aria-describedby.
export function Field({ id, label, hint, children }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
  </div>`;
}

// Runs an action from a form: disables the form while it runs, shows the
// server's refusal, and the result message when it worked.
export function useAction() {
  const [state, setState] = useState({ busy: false, error: null, done: null });
  const run = useCallback(async (f, doneMessage) => {
    setState({ busy: true, error: null, done: null });
    try {
      const result = await f();
      setState({ busy: false, error: null, done: typeof doneMessage === 'function' ? doneMessage(result) : doneMessage });
      return result;
    } catch (error) {
      setState({ busy: false, error, done: null });
      return undefined;
    }
  }, []);
  return [state, run];
}

export function ActionResult({ state }) {
  return html`<${ErrorNote} error=${state.error} />${state.done ? html`<p class="ok" role="status">${state.done}</p>` : null}`;
}
