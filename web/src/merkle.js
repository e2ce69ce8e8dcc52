// RFC 9162 inclusion proofs checked in the browser (WebCrypto SHA-256), so a
// reader need not take the console's word that an entry is in the ledger.
// The checkpoint's Ed25519 signature is not checked here: `mandate evidence
// verify` and tools/verify-offline.py do that.

const utf8 = new TextEncoder();

export function fromBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; ++i) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

async function sha256(...parts) {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

// leaf = SHA-256(0x00 || entry bytes)
export function leafHash(entryText) {
  return sha256(Uint8Array.of(0), utf8.encode(entryText));
}

// RFC 9162 §2.1.3.2: the root that `proof` leads to from leaf `index` of a
// tree of `size` leaves, or null when the proof does not fit that tree.
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(Uint8Array.of(1), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// A C2SP checkpoint: origin, size, base64 root, blank line, signature lines.
export function parseCheckpoint(text) {
  const [body, signatures = ''] = text.split('\n\n');
  const [origin, size, root, ...extensions] = body.split('\n');
  return {
    origin,
    size: Number(size),
    root,
    extensions: extensions.filter(Boolean),
    signatures: signatures.split('\n').filter(Boolean),
  };
}
