// A stand-in for `mandate mcp` to check agent_client.mjs (and the bench) without the gateway: an HTTP proxy
// to an MCP server that verifies, with jose, the RFC 9449 DPoP proof of every request (typ dpop+jwt, the
// signature by the header's JWK, htm = the method, htu = the URL without query, ath = the token's hash, a
// fresh iat, an unused jti, one key for the whole run) and answers a tools/call of the tool "denied" with
// the gateway's -32001 error. Not a test of mandate; a check of the client side.
//
//   node tests/mcp/dpop_check_gateway.mjs --port P --upstream URL --token-file F [--nonce]
//
// With --nonce it demands a DPoP nonce (401 use_dpop_nonce, then DPoP-Nonce). One JSON line per request on
// stdout: {"method":..,"ok":bool,"problems":[..]}; a request that fails a check is answered 401.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]?.startsWith('--') || all[i + 1] === undefined ? true : all[i + 1]] : null)).filter(Boolean));
const token = readFileSync(args['token-file'], 'utf8').trim();
const upstream = new URL(args.upstream);
const ath = createHash('sha256').update(token).digest('base64url');
const nonce = args.nonce ? 'n-' + Math.random().toString(36).slice(2) : undefined;
const jtis = new Set();
let jkt;

async function check(req) {
  const problems = [];
  if (req.headers.authorization !== `DPoP ${token}`) problems.push('authorization');
  const proof = req.headers.dpop;
  if (typeof proof !== 'string') return [...problems, 'no proof'];
  try {
    const { alg } = decodeProtectedHeader(proof);
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt', algorithms: ['Ed25519', 'EdDSA', 'ES256'], maxTokenAge: '60s', clockTolerance: 5,
    });
    const thumb = await calculateJwkThumbprint(protectedHeader.jwk, 'sha256');
    if ((jkt ??= thumb) !== thumb) problems.push('another key');
    if (payload.htm !== req.method) problems.push(`htm ${payload.htm} for ${req.method}`);
    const htu = `http://${req.headers.host}${new URL(req.url, 'http://x').pathname}`;
    if (payload.htu !== htu) problems.push(`htu ${payload.htu} for ${htu}`);
    if (payload.ath !== ath) problems.push('ath');
    if (typeof payload.jti !== 'string' || jtis.has(payload.jti)) problems.push('jti reused');
    jtis.add(payload.jti);
    if (nonce && payload.nonce !== nonce) problems.push('use_dpop_nonce');
    if (!['Ed25519', 'EdDSA', 'ES256'].includes(alg)) problems.push(`alg ${alg}`);
  } catch (e) {
    problems.push(`proof: ${e.code ?? e.message}`);
  }
  return problems;
}

createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const problems = await check(req);
  process.stdout.write(`${JSON.stringify({ method: req.method, ok: problems.length === 0, problems })}\n`);
  if (problems.length) {
    const headers = { 'content-type': 'application/json' };
    if (nonce) headers['dpop-nonce'] = nonce;
    headers['www-authenticate'] = problems.includes('use_dpop_nonce') ? 'DPoP error="use_dpop_nonce"' : 'DPoP error="invalid_dpop_proof"';
    res.writeHead(401, headers).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: problems.join(', ') } }));
    return;
  }
  let message;
  try { message = JSON.parse(body.toString()); } catch { /* forwarded as it is */ }
  if (message?.method === 'tools/call' && message.params?.name === 'denied') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      jsonrpc: '2.0', id: message.id,
      error: { code: -32001, message: 'denied by mandate', data: { decision: 'deny', decided_by: 'check', reasons: ['test'], ledger_index: 7 } },
    }));
    return;
  }
  const headers = { ...req.headers, host: upstream.host };
  delete headers.authorization;
  delete headers.dpop;
  delete headers['content-length'];
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  try {
    const r = await fetch(new URL(req.url, upstream), {
      method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : body, signal: ac.signal,
    });
    const out = {};
    r.headers.forEach((v, k) => { if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding'].includes(k)) out[k] = v; });
    res.writeHead(r.status, out);
    if (res.flushHeaders) res.flushHeaders();
    if (r.body) for await (const c of r.body) res.write(c);
    res.end();
  } catch (e) {
    if (!res.headersSent) res.writeHead(502).end(String(e.message));
    else res.end();
  }
}).listen(Number(args.port), '127.0.0.1');
