// The findings of `mandate analyze` over the imported audit logs, each with
// its framework mapping (OWASP NHI Top 10, NIST CSF 2.0, NIST AI RMF) and the
// events behind it.
import { Empty, ErrorNote, Loading, When, html, useData } from '../ui.js';
import { get } from '../api.js';

const SEVERITY = { critical: 0, high: 1, medium: 2, low: 3 };

function Mapping({ mappings }) {
  if (!mappings?.length) return html`<span class="muted">none</span>`;
  return html`<ul class="tags">${mappings.map((m) => html`<li>${m.framework} <strong>${m.item}</strong></li>`)}</ul>`;
}

// The events a finding names: what happened, who did it, where it was read.
function Events({ finding }) {
  const events = finding.events ?? [];
  const shown = events.length || finding.evidence?.length || 0;
  return html`<ul class="events">
    ${events.length
      ? events.map((e) => html`<li>
          <${When} at=${e.time} /> · <strong>${e.action}</strong>${e.resource ? ` on ${e.resource}` : ''} by <span class="id">${e.actor?.id}</span>
          ${e.actor?.kind ? ` (${e.actor.kind})` : ''}${e.result ? ` — ${e.result}` : ''}
          <br /><span class="muted">${e.source}${e.credential ? `, credential ${e.credential}` : ''}${e.source_address ? `, from ${e.source_address}` : ''} · event <span class="id">${e.id}</span></span>
        </li>`)
      : (finding.evidence ?? []).map((id) => html`<li class="id">${id}</li>`)}
  </ul>
  ${finding.evidence_count > shown ? html`<p class="muted">${shown} of ${finding.evidence_count} shown.</p>` : null}`;
}

export function FindingsPage() {
  const { data, error } = useData(() => get('/v1/findings'));
  const findings = data && (Array.isArray(data) ? data : data.findings ?? []);
  const sorted = findings && [...findings].sort((a, b) => (SEVERITY[a.severity] ?? 9) - (SEVERITY[b.severity] ?? 9));
  return html`<h1>Findings</h1>
    <p class="lead">Risks <code>mandate analyze</code> found in the audit logs imported with <code>mandate ingest</code>, mapped to the frameworks, with the events that show them.</p>
    <${ErrorNote} error=${error} />
    ${sorted === undefined ? html`<${Loading} what="the findings" />`
      : sorted.length === 0 ? html`<${Empty}>No findings. Import logs with <code>mandate ingest</code>; findings appear here.<//>`
        : html`<ul class="cards">${sorted.map((f, i) => html`<li key=${i} class=${`card severity-${f.severity}`}>
          <h2><span class=${`badge severity-${f.severity}`}>${f.severity}</span> ${f.title ?? f.rule}</h2>
          <p>${f.explanation}</p>
          <dl class="facts">
            <dt>Rule</dt><dd>${f.rule}</dd>
            <dt>About</dt><dd class="id">${f.subject}</dd>
            <dt>Frameworks</dt><dd><${Mapping} mappings=${f.mappings ?? f.frameworks} /></dd>
            <dt>Seen</dt><dd><${When} at=${f.first_seen} /> to <${When} at=${f.last_seen} /></dd>
            ${f.remediation ? html`<dt>Remediation</dt><dd>${f.remediation}</dd>` : null}
          </dl>
          <details><summary>The ${f.evidence_count ?? f.evidence?.length ?? 0} event(s) behind it</summary>
            <${Events} finding=${f} />
          </details>
        </li>`)}</ul>`}`;
}
