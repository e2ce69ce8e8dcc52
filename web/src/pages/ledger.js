// The ledger: its size and latest signed checkpoint, and any entry with its
// inclusion proof, checked in the browser against that checkpoint.
import { useState } from 'preact/hooks';
import { apiText, get } from '../api.js';
import { parseCheckpoint, fromBase64, leafHash, rootFromInclusionProof, toBase64 } from '../merkle.js';
import { ErrorNote, Field, Loading, html, useData } from '../ui.js';

async function loadEntryProof(index) {
  const checkpoint = parseCheckpoint(await apiText('/v1/ledger/checkpoint'));
  const entryText = await apiText(`/v1/ledger/entries/${index}`);
  // A checkpoint taken before this entry cannot include it: then prove
  // against the ledger's current size instead (and say so).
  const against = checkpoint.size > index ? checkpoint.size : undefined;
  const proof = await get(`/v1/ledger/proofs/inclusion?index=${index}${against ? `&tree_size=${against}` : ''}`);
  const leaf = await leafHash(entryText);
  const root = await rootFromInclusionProof(index, proof.tree_size, leaf, proof.proof.map(fromBase64));
  const rootB64 = root ? toBase64(root) : null;
  return {
    checkpoint,
    entryText,
    proof,
    leaf: toBase64(leaf),
    leafMatches: toBase64(leaf) === proof.leaf_hash,
    root: rootB64,
    verified: rootB64 !== null && rootB64 === (against ? checkpoint.root : proof.root_hash),
    againstCheckpoint: Boolean(against),
  };
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function EntryProof({ index }) {
  const { data, error } = useData(() => loadEntryProof(index), [index]);
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!data) return html`<${Loading} what=${`ledger entry ${index}`} />`;
  const { checkpoint, proof } = data;
  return html`<div class="proof">
    <p class=${data.verified && data.leafMatches ? 'ok' : 'error'}>
      ${data.verified && data.leafMatches
        ? `Verified in your browser: entry ${index} is included in ${data.againstCheckpoint ? `the signed checkpoint of size ${checkpoint.size}` : `the ledger of size ${proof.tree_size}`} (root ${data.root}).`
        : `Not verified: the inclusion proof does not lead to the ${data.againstCheckpoint ? 'checkpoint' : 'ledger'}'s root.`}
    </p>
    <h4>Entry ${index} (the bytes its leaf hash covers)</h4>
    <pre class="entry" tabindex="0" aria-label=${`Ledger entry ${index}`}>${pretty(data.entryText)}</pre>
    <dl class="facts">
      <dt>Leaf hash</dt><dd class="hash">${data.leaf}</dd>
      <dt>Tree size</dt><dd>${proof.tree_size}</dd>
      <dt>Proof</dt><dd>${proof.proof.length ? html`<ol class="hashes">${proof.proof.map((p) => html`<li class="hash">${p}</li>`)}</ol>` : 'empty (the tree has one leaf)'}</dd>
      <dt>Root</dt><dd class="hash">${data.againstCheckpoint ? checkpoint.root : proof.root_hash}</dd>
    </dl>
  </div>`;
}

// A step's ledger entry, loaded when the reader opens it.
export function EntryDisclosure({ index, label }) {
  const [open, setOpen] = useState(false);
  return html`<details class="entry-details" onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>${label ?? `Ledger entry ${index} and its inclusion proof`}</summary>
    ${open ? html`<${EntryProof} index=${index} />` : null}
  </details>`;
}

export function LedgerPage({ params }) {
  const { data, error } = useData(async () => {
    const [status, checkpoint] = await Promise.all([get('/v1/ledger'), apiText('/v1/ledger/checkpoint')]);
    return { status, checkpoint: parseCheckpoint(checkpoint) };
  });
  const [index, setIndex] = useState(params.get('entry') ?? '');
  const [shown, setShown] = useState(params.get('entry'));
  return html`<h1>Ledger</h1>
    <p class="lead">Every step of every task is one entry of an append-only Merkle tree (RFC 9162); signed checkpoints commit to its size and root.</p>
    <${ErrorNote} error=${error} />
    ${data === undefined ? html`<${Loading} what="the ledger's status" />` : html`<section aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <dl class="facts">
        <dt>Entries</dt><dd class="big">${data.status.size}</dd>
        <dt>Origin</dt><dd>${data.status.origin}</dd>
        <dt>Root hash</dt><dd class="hash">${data.status.root_hash}</dd>
      </dl>
    </section>
    <section aria-labelledby="cp-heading">
      <h2 id="cp-heading">Latest checkpoint</h2>
      <p class="muted">A signed note (C2SP) committing to the ledger's size and root; check it offline with the operator's verifier key.</p>
      <dl class="facts">
        <dt>Size</dt><dd>${data.checkpoint.size}</dd>
        <dt>Root hash</dt><dd class="hash">${data.checkpoint.root}</dd>
        <dt>Signatures</dt><dd><ul class="plain">${data.checkpoint.signatures.map((sig) => html`<li class="hash">${sig}</li>`)}</ul></dd>
      </dl>
    </section>`}
    <section aria-labelledby="entry-heading">
      <h2 id="entry-heading">Look up an entry</h2>
      <form class="inline" onSubmit=${(e) => { e.preventDefault(); setShown(index); }}>
        <${Field} id="entry-index" label="Entry index">
          <input id="entry-index" type="number" min="0" required value=${index} onInput=${(e) => setIndex(e.currentTarget.value)} />
        <//>
        <button type="submit" class="primary">Show the entry and its proof</button>
      </form>
      ${shown !== null && shown !== '' ? html`<${EntryProof} index=${Number(shown)} />` : null}
    </section>`;
}
