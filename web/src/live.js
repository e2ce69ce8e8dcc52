// Live updates: one EventSource on /v1/events (Server-Sent Events, `event:
// task`); the open page re-reads its data when a task changes. Bursts (an
// approval that also changes the task's state) are folded into one reload.
const listeners = new Set();
let source = null;
let status = 'off';
const statusListeners = new Set();
let timer = 0;
let pending = [];
let onGone = () => {};

// Called when the server closed the stream for good (the browser gives up
// reconnecting, e.g. after a 401 once the session ended).
export function onLiveGone(f) {
  onGone = f;
}

function setStatus(s) {
  status = s;
  for (const f of statusListeners) f(s);
}

export function startLive() {
  if (source) return;
  source = new EventSource('/v1/events');
  setStatus('connecting');
  source.addEventListener('open', () => setStatus('on'));
  source.addEventListener('error', () => {
    if (source && source.readyState === EventSource.CLOSED) {
      setStatus('off');
      onGone();
    } else {
      setStatus('connecting');
    }
  });
  source.addEventListener('task', (e) => {
    let event = null;
    try {
      event = JSON.parse(e.data);
    } catch {
      return;
    }
    pending.push(event);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const batch = pending;
      pending = [];
      for (const f of listeners) f(batch);
    }, 150);
  });
}

export function stopLive() {
  if (source) source.close();
  source = null;
  setStatus('off');
}

export function onTaskEvents(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function liveStatus() {
  return status;
}

export function onLiveStatus(f) {
  statusListeners.add(f);
  return () => statusListeners.delete(f);
}
