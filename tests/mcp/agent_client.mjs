// The agent, for the tests of `mandate mcp`: a real MCP client (the SDK's Client over its
// StreamableHTTPClientTransport) that runs a list of steps against an MCP endpoint — the gateway, or an MCP
// server directly — and prints one JSON line per step. Driven by the test harness as a child process.
//
//   node tests/mcp/agent_client.mjs --url URL [--token-file F --key-file K] [--timeout-ms MS] [--steps JSON]
//
// Steps (a JSON array; read from stdin when --steps is absent or "-"):
//   {"op":"list_tools"}                                  tools/list, every page
//   {"op":"call","name":"echo","arguments":{...}}        tools/call ("timeout_ms" optional)
//   {"op":"raw","body":"<exact bytes>"}                  a POST of exactly these bytes, with the session's
//                                                        headers and the same authorization ("content_type" optional)
//   {"op":"wait_file","path":"F"}                        until F exists (60 s, or "timeout_ms")
//   {"op":"sleep","ms":N}
//
// With --token-file (the mandate token) and --key-file (the agent's private key, Ed25519 or P-256: a JWK with
// "d", or the PKCS#8 PEM `mandate actor keygen --out` writes), every HTTP request — the POSTs, the GET of
// the server's event stream, the DELETE at the end — carries `Authorization: DPoP <token>` and a fresh RFC 9449 proof (`DPoP:`) for its own method and URL, made
// by the dpop library (alg "Ed25519" per RFC 9864 for an Ed25519 key, "ES256" for P-256). Without them, no
// Authorization is sent. The token and key are never printed.
//
// Output, one JSON object a line, on stdout:
//   {"session":"<Mcp-Session-Id>"}                       after initialize
//   {"step":i,"ok":true,"result":R}                      i counts from 0; R per op:
//       list_tools  {"names":[...],"tools":[<Tool>...]}
//       call        the CallToolResult ({"content":[...],"isError"?:..,"structuredContent"?:..})
//       raw         {"status":N,"content_type":"..","body":"<text>","messages":[<JSON-RPC messages in the body>]}
//       wait_file   {"path":"..","waited_ms":N}
//       sleep       {"slept_ms":N}
//   {"step":i,"ok":false,"error":{"code":C,"message":M,"data":D}}
//       a JSON-RPC error response from the server, as it came (e.g. -32001 denied by mandate, -32002 held
//       for approval). An error made on this side has "local":true (an SDK timeout, which the SDK also gives
//       code -32001, a result failing the tool's output schema, wait_file timing out), and an HTTP-level
//       refusal has "http_status" (code then is the JSON-RPC code in the response body, or null).
//   {"closed":true} | {"closed":false,"error":".."}      the DELETE of the session at the end
//
// Exit 0 when every step ran (errors are results); 1 for bad usage, 2 when it cannot connect (initialize
// failed: the message on stderr names the HTTP status), 3 for anything else unexpected.
//
// Importable: the bench (bench/mcp/gateway_latency.mjs) uses loadAgentKey, dpopFetch and connect.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { generateProof } from 'dpop';

// The agent's key pair from a private JWK: a non-extractable signing key and the extractable public key
// (the dpop library puts its JWK in each proof's header).
export async function loadAgentKey(path) {
  let jwk;
  const text = readFileSync(path, 'utf8');
  try {
    // A JWK, or a PKCS#8 PEM (what `mandate actor keygen --out` writes).
    jwk = text.trimStart().startsWith('-----BEGIN') ? createPrivateKey(text).export({ format: 'jwk' }) : JSON.parse(text);
  } catch {
    // Not the error's message: JSON.parse quotes the text, which is the private key.
    throw new Error(`${path}: neither a JWK nor a PKCS#8 PEM private key`);
  }
  let algorithm;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') algorithm = { name: 'Ed25519' };
  else if (jwk.kty === 'EC' && jwk.crv === 'P-256') algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  else throw new Error(`${path}: not an Ed25519 (OKP) or P-256 (EC) JWK`);
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error(`${path}: not a private JWK (no "d" or "x")`);
  const pub = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y === undefined ? {} : { y: jwk.y }) };
  return {
    publicKey: await crypto.subtle.importKey('jwk', pub, algorithm, true, ['verify']),
    privateKey: await crypto.subtle.importKey('jwk', { ...pub, d: jwk.d }, algorithm, false, ['sign']),
  };
}

// RFC 9449 htu: the request's URI without query and fragment.
export const htuOf = (url) => {
  const u = new URL(url instanceof Request ? url.url : String(url));
  return `${u.origin}${u.pathname}`;
};

// A fetch that adds `Authorization: DPoP <token>` and a fresh proof for each request's own method and URL
// (a redirect the SDK follows is a new call here, so it gets its own proof). A server's DPoP-Nonce is used
// from then on; a 400/401 with error="use_dpop_nonce" is retried once with the new nonce.
export function dpopFetch({ token, keyPair, baseFetch = globalThis.fetch }) {
  let nonce;
  return async (url, init = {}) => {
    const htm = (init.method ?? (url instanceof Request ? url.method : 'GET')).toUpperCase();
    const htu = htuOf(url);
    const headers = new Headers(init.headers ?? (url instanceof Request ? url.headers : undefined));
    const send = async () => {
      headers.set('authorization', `DPoP ${token}`);
      headers.set('dpop', await generateProof(keyPair, htu, htm, nonce, token));
      return baseFetch(url, { ...init, headers });
    };
    let response = await send();
    const offered = response.headers.get('dpop-nonce');
    if (offered && offered !== nonce) {
      nonce = offered;
      const retry = (response.status === 400 || response.status === 401)
        && /use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? '');
      if (retry) {
        await response.body?.cancel();
        response = await send();
      }
    }
    return response;
  };
}

// A connected SDK client; its transport's fetch carries the DPoP headers when token and keyPair are given.
export async function connect(url, { token, keyPair, name = 'mandate-test-agent' } = {}) {
  const fetch = token === undefined ? undefined : dpopFetch({ token, keyPair });
  const transport = new StreamableHTTPClientTransport(new URL(url), fetch ? { fetch } : {});
  const client = new Client({ name, version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, transport, fetch: fetch ?? globalThis.fetch };
}

const usage = 'usage: node tests/mcp/agent_client.mjs --url URL [--token-file F --key-file K] [--timeout-ms MS] [--steps JSON]';
const OPS = new Set(['list_tools', 'call', 'raw', 'wait_file', 'sleep']);

function fail(code, message) {
  process.stderr.write(`agent_client: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const known = { '--url': 'url', '--token-file': 'tokenFile', '--key-file': 'keyFile', '--steps': 'steps', '--timeout-ms': 'timeoutMs' };
    if (!(flag in known) || value === undefined) fail(1, `${flag === undefined ? 'missing arguments' : `bad argument ${flag}`}\n${usage}`);
    args[known[flag]] = value;
  }
  if (!args.url) fail(1, `--url is required\n${usage}`);
  if ((args.tokenFile === undefined) !== (args.keyFile === undefined)) fail(1, '--token-file and --key-file go together');
  return args;
}

function parseSteps(text) {
  let steps;
  try {
    steps = JSON.parse(text);
  } catch (e) {
    fail(1, `steps are not JSON: ${e.message}`);
  }
  if (!Array.isArray(steps)) fail(1, 'steps must be a JSON array');
  steps.forEach((s, i) => {
    if (!s || !OPS.has(s.op)) fail(1, `step ${i}: unknown op ${JSON.stringify(s?.op)}`);
    if (s.op === 'call' && typeof s.name !== 'string') fail(1, `step ${i}: call needs "name"`);
    if (s.op === 'raw' && typeof s.body !== 'string') fail(1, `step ${i}: raw needs "body" (a string)`);
    if (s.op === 'wait_file' && typeof s.path !== 'string') fail(1, `step ${i}: wait_file needs "path"`);
    if (s.op === 'sleep' && !Number.isFinite(s.ms)) fail(1, `step ${i}: sleep needs "ms"`);
  });
  return steps;
}

// JSON-RPC messages in a response body: a JSON message or batch, or the data of each SSE event.
function messagesIn(body, contentType) {
  const parse = (text) => { try { return JSON.parse(text); } catch { return undefined; } };
  if (/^text\/event-stream/i.test(contentType ?? '')) {
    const out = [];
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      const message = data ? parse(data) : undefined;
      if (message !== undefined) out.push(message);
    }
    return out;
  }
  const message = parse(body);
  return message === undefined ? [] : [message].flat();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const steps = parseSteps(args.steps !== undefined && args.steps !== '-' ? args.steps : readFileSync(0, 'utf8'));
  const timeoutMs = args.timeoutMs === undefined ? 60000 : Number(args.timeoutMs);
  let auth = {};
  try {
    if (args.tokenFile) auth = { token: readFileSync(args.tokenFile, 'utf8').trim(), keyPair: await loadAgentKey(args.keyFile) };
  } catch (e) {
    fail(1, `cannot read the token or key: ${e.message}`);
  }

  let connection;
  try {
    connection = await connect(args.url, auth);
  } catch (e) {
    fail(2, `cannot connect to ${args.url}: ${e.message}${e.code > 0 ? ` (HTTP ${e.code})` : ''}`);
  }
  const { client, transport, fetch } = connection;
  client.onerror = (e) => process.stderr.write(`agent_client: transport: ${e.message}\n`);
  // The last JSON-RPC error response the server sent: an McpError that matches it came from the server,
  // any other was made here (the SDK makes timeouts with -32001 too).
  let serverError;
  const onmessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (message && message.error && 'id' in message) serverError = message.error;
    onmessage?.(message, extra);
  };
  const print = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  print({ session: transport.sessionId ?? null });

  const errorOf = (e) => {
    if (e instanceof McpError) {
      if (serverError && serverError.code === e.code && e.message.endsWith(serverError.message)) {
        return { code: serverError.code, message: serverError.message, data: serverError.data ?? null };
      }
      return { code: e.code, message: e.message, data: e.data ?? null, local: true };
    }
    // StreamableHTTPError: code is the HTTP status; the text after "Error POSTing to endpoint: " is the body.
    if (typeof e?.code === 'number' && e.code >= 100) {
      const body = e.message.replace(/^Streamable HTTP error: Error POSTing to endpoint: /, '');
      const [first] = messagesIn(body, 'application/json');
      const rpc = first && typeof first.error === 'object' ? first.error : undefined;
      return { code: rpc?.code ?? null, message: rpc?.message ?? e.message, data: rpc?.data ?? null, http_status: e.code };
    }
    return { code: null, message: String(e?.message ?? e), data: null, local: true };
  };

  const run = {
    async list_tools() {
      const tools = [];
      let cursor;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return { names: tools.map((t) => t.name), tools };
    },
    call: (s) => client.callTool({ name: s.name, arguments: s.arguments ?? {} }, undefined, { timeout: s.timeout_ms ?? timeoutMs }),
    async raw(s) {
      const headers = {
        'content-type': s.content_type ?? 'application/json',
        accept: 'application/json, text/event-stream',
      };
      if (transport.sessionId) headers['mcp-session-id'] = transport.sessionId;
      if (transport.protocolVersion) headers['mcp-protocol-version'] = transport.protocolVersion;
      const response = await fetch(args.url, {
        method: 'POST', headers, body: s.body, signal: AbortSignal.timeout(s.timeout_ms ?? timeoutMs),
      });
      const body = await response.text();
      const contentType = response.headers.get('content-type');
      return { status: response.status, content_type: contentType, body, messages: messagesIn(body, contentType) };
    },
    async wait_file(s) {
      const start = Date.now();
      const limit = s.timeout_ms ?? 60000;
      while (!existsSync(s.path)) {
        if (Date.now() - start > limit) throw new Error(`timed out after ${limit} ms waiting for ${s.path}`);
        await sleep(25);
      }
      return { path: s.path, waited_ms: Date.now() - start };
    },
    async sleep(s) {
      await sleep(s.ms);
      return { slept_ms: s.ms };
    },
  };

  for (const [i, s] of steps.entries()) {
    serverError = undefined;
    try {
      print({ step: i, ok: true, result: await run[s.op](s) });
    } catch (e) {
      print({ step: i, ok: false, error: errorOf(e) });
    }
  }

  try {
    await transport.terminateSession();
    print({ closed: true });
  } catch (e) {
    print({ closed: false, error: e.message });
  }
  await client.close().catch(() => {});
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => fail(3, e?.stack ?? String(e)));
}
