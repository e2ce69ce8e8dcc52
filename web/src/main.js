// The mandate web console: a single page under /console/, hash-routed
// (#/waiting, #/requests, #/tasks/<id>, #/audit, #/ledger, #/reviews,
// #/findings), signed in with the server's OpenID Connect session.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, get, onSessionEnded, setCsrfToken } from './api.js';
import { liveStatus, onLiveGone, onLiveStatus, onTaskEvents, startLive, stopLive } from './live.js';
import { ErrorNote, When, html } from './ui.js';
import { AuditPage } from './pages/audit.js';
import { FindingsPage } from './pages/findings.js';
import { LedgerPage } from './pages/ledger.js';
import { RequestsPage } from './pages/requests.js';
import { ReviewsPage } from './pages/reviews.js';
import { TaskPage } from './pages/task.js';
import { WaitingPage } from './pages/waiting.js';

const PAGES = [
  { path: 'waiting', title: 'Waiting for me', page: WaitingPage },
  { path: 'requests', title: 'My requests', page: RequestsPage },
  { path: 'audit', title: 'Audit', page: AuditPage },
  { path: 'ledger', title: 'Ledger', page: LedgerPage },
  { path: 'reviews', title: 'Break-glass reviews', page: ReviewsPage },
  { path: 'findings', title: 'Findings', page: FindingsPage },
];

// "#/tasks/t-1?x=y" -> { path: "tasks", rest: ["t-1"], params }
function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { path: parts[0] ?? 'waiting', rest: parts.slice(1), params: new URLSearchParams(queryPart) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const onChange = () => setRoute(parseHash());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function signInHref() {
  const back = `/console/${window.location.hash || '#/waiting'}`;
  return `/console/login?return_to=${encodeURIComponent(back)}`;
}

function SignIn({ reason }) {
  useEffect(() => {
    document.title = 'Sign in · mandate console';
  }, []);
  return html`<main id="main" class="signin">
    <h1>mandate console</h1>
    ${reason ? html`<p class="notice" role="alert">${reason}</p>` : null}
    <p>Approve the work machines do for people, request it, and audit what happened — with the evidence behind every step.</p>
    <p><a class="button primary" href=${signInHref()}>Sign in with your organisation's identity provider</a></p>
    <p class="muted">Signing in takes you to the identity provider and back. mandate keeps your session in a cookie that scripts cannot read; it ends when you sign out or when it expires.</p>
  </main>`;
}

function LiveIndicator() {
  const [status, setStatus] = useState(liveStatus());
  useEffect(() => onLiveStatus(setStatus), []);
  const words = { on: 'Live', connecting: 'Connecting…', off: 'Not live' }[status];
  return html`<span class=${`live live-${status}`} title="Pages update when a task changes">${words}</span>`;
}

function WaitingCount() {
  const [count, setCount] = useState(null);
  useEffect(() => {
    const load = () => get('/v1/tasks?waiting_for=me').then((t) => setCount(t.length), () => setCount(null));
    load();
    return onTaskEvents(load);
  }, []);
  if (!count) return null;
  return html` <span class="count">${count}<span class="visually-hidden"> waiting</span></span>`;
}

// The skip link moves focus without touching the hash (the hash is the route).
function skipToContent(e) {
  e.preventDefault();
  const main = document.getElementById('main');
  main?.focus();
}

function Header({ session, route, onSignOut, signOutError }) {
  return html`<header class="top">
    <a class="skip" href="#main" onClick=${skipToContent}>Skip to content</a>
    <div class="brand"><a href="#/waiting">mandate</a> <span class="muted">console</span></div>
    <nav aria-label="Console">
      <ul>
        ${PAGES.map((p) => html`<li><a href=${`#/${p.path}`} aria-current=${route.path === p.path ? 'page' : undefined}>${p.title}${p.path === 'waiting' ? html`<${WaitingCount} />` : null}</a></li>`)}
      </ul>
    </nav>
    <div class="who">
      <span>Signed in as <strong>${session.actor}</strong>${session.administrator ? ' (administrator)' : ''}</span>
      <span class="muted">until <${When} at=${session.expires_at} /></span>
      <${LiveIndicator} />
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
      <${ErrorNote} error=${signOutError} />
    </div>
  </header>`;
}

function App() {
  // undefined: asking; null: signed out; object: the session.
  const [session, setSession] = useState(undefined);
  const [reason, setReason] = useState(null);
  const [failure, setFailure] = useState(null);
  const [signOutError, setSignOutError] = useState(null);
  const route = useRoute();
  const mainRef = useRef(null);

  const ended = (why) => {
    stopLive();
    setCsrfToken('');
    setSession(null);
    setReason(why);
  };

  useEffect(() => {
    onSessionEnded(() => ended('Your session has ended. Sign in again to go on.'));
    // The event stream closed for good: find out whether the session is still there.
    onLiveGone(() => api('GET', '/console/session').catch((e) => {
      if (e instanceof ApiError && e.status === 401) ended('Your session has ended. Sign in again to go on.');
    }));
    api('GET', '/console/session').then(
      (s) => {
        setCsrfToken(s.csrf_token);
        setSession(s);
      },
      (e) => {
        if (e instanceof ApiError && e.status === 401) setSession(null);
        else setFailure(e);
      },
    );
  }, []);

  // The session ends on its own at expires_at: say so, without waiting for a refused call.
  useEffect(() => {
    if (!session) return undefined;
    startLive();
    const ms = new Date(session.expires_at).getTime() - Date.now();
    if (!(ms > 0)) return undefined;
    const id = setTimeout(() => ended('Your session has expired. Sign in again to go on.'), Math.min(ms, 2 ** 31 - 1));
    return () => clearTimeout(id);
  }, [session]);

  // After a page change, focus goes to its heading so keyboard and screen
  // reader users start at the new content.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }, [route.path, route.rest.join('/')]);

  useEffect(() => {
    const entry = PAGES.find((p) => p.path === route.path);
    const title = route.path === 'tasks' ? `Task ${route.rest[0] ?? ''}` : entry?.title ?? 'Not found';
    if (session) document.title = `${title} · mandate console`;
  }, [route.path, route.rest.join('/'), session]);

  const signOut = async () => {
    setSignOutError(null);
    try {
      await api('POST', '/console/logout');
      ended('You have signed out.');
    } catch (e) {
      setSignOutError(e);
    }
  };

  if (failure) {
    return html`<main id="main"><h1>mandate console</h1><${ErrorNote} error=${failure} /></main>`;
  }
  if (session === undefined) return html`<main id="main"><p class="muted" role="status">Loading…</p></main>`;
  if (session === null) return html`<${SignIn} reason=${reason} />`;

  let content;
  const entry = PAGES.find((p) => p.path === route.path);
  if (route.path === 'tasks' && route.rest[0]) {
    content = html`<${TaskPage} id=${route.rest[0]} session=${session} />`;
  } else if (entry) {
    content = html`<${entry.page} session=${session} params=${route.params} />`;
  } else {
    content = html`<h1>Not found</h1><p>There is no page <code>${window.location.hash}</code>. <a href="#/waiting">Go to Waiting for me</a>.</p>`;
  }
  return html`<${Header} session=${session} route=${route} onSignOut=${signOut} signOutError=${signOutError} />
    <main id="main" ref=${mainRef} tabindex="-1">${content}</main>`;
}

document.getElementById('app').replaceChildren();
render(html`<${App} />`, document.getElementById('app'));
