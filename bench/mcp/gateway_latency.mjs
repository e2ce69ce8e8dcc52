// What `mandate mcp` adds to a tools/call: the same MCP server timed directly and through the gateway, with
// real SDK clients (one session per concurrent worker) over Streamable HTTP; through the gateway each HTTP
// request carries `Authorization: DPoP <token>` and a fresh proof (tests/mcp/agent_client.mjs's fetch).
//
//   node bench/mcp/gateway_latency.mjs --direct URL [--gateway URL --token-file F --key-file K]
//       [--calls N=2000] [--concurrency 1,8,32] [--tool echo] [--gateway-tool everything__echo] [--arguments '{"message":"hi"}']
//       [--warmup W=200] [--rounds R=10] [--json]
//
// For each concurrency c: c sessions per target, W warm-up calls on each, then the N calls in R rounds that
// alternate the targets (direct first in even rounds, gateway first in odd), so both see the same machine.
// Latency is one callTool round trip (µs); calls/s is the calls over the time the target's rounds took.
// The agent's cost of a DPoP proof (the dpop library, the key's alg) is timed on its own: the gateway's
// numbers include one proof per call, the direct ones none.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { connect, loadAgentKey } from '../../tests/mcp/agent_client.mjs';
import { generateProof } from 'dpop';

const usage = `usage: node bench/mcp/gateway_latency.mjs --direct URL [--gateway URL --token-file F --key-file K]
       [--calls N=2000] [--concurrency 1,8,32] [--tool echo] [--gateway-tool everything__echo] [--arguments '{"message":"hi"}']
       [--warmup W=200] [--rounds R=10] [--json]`;

function fail(message) {
  process.stderr.write(`gateway_latency: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = { calls: 2000, concurrency: [1, 8, 32], tool: 'echo', arguments: { message: 'hi' }, warmup: 200, rounds: 10, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') { o.json = true; continue; }
    const v = argv[++i];
    if (v === undefined) fail(`${flag} needs a value\n${usage}`);
    switch (flag) {
      case '--direct': o.direct = v; break;
      case '--gateway': o.gateway = v; break;
      case '--token-file': o.tokenFile = v; break;
      case '--key-file': o.keyFile = v; break;
      case '--calls': o.calls = Number(v); break;
      case '--concurrency': o.concurrency = v.split(',').map(Number); break;
      case '--tool': o.tool = v; break;
      case '--gateway-tool': o.gatewayTool = v; break;
      case '--arguments': try { o.arguments = JSON.parse(v); } catch (e) { fail(`--arguments: ${e.message}`); } break;
      case '--warmup': o.warmup = Number(v); break;
      case '--rounds': o.rounds = Number(v); break;
      default: fail(`unknown argument ${flag}\n${usage}`);
    }
  }
  if (!o.direct) fail(`--direct is required\n${usage}`);
  if (o.gateway && !(o.tokenFile && o.keyFile)) fail('--gateway needs --token-file and --key-file');
  if (!o.gateway && o.tokenFile && !o.keyFile) fail('--token-file needs --key-file');
  const positive = (n) => Number.isInteger(n) && n > 0;
  if (!positive(o.calls) || !positive(o.rounds) || !o.concurrency.every(positive) || !(Number.isInteger(o.warmup) && o.warmup >= 0)) {
    fail('--calls, --rounds and --concurrency take positive integers, --warmup a count');
  }
  return o;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
const round1 = (x) => Math.round(x * 10) / 10;

async function proofCost(keyPair, token, url) {
  const htu = new URL(url).origin + new URL(url).pathname;
  for (let i = 0; i < 200; i++) await generateProof(keyPair, htu, 'POST', undefined, token);
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 1_000_000_000n || n < 1000) {
    await generateProof(keyPair, htu, 'POST', undefined, token);
    n++;
    elapsed = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsed) / 1e9;
  const alg = JSON.parse(Buffer.from((await generateProof(keyPair, htu, 'POST', undefined, token)).split('.')[0], 'base64url')).alg;
  return { alg, proofs: n, proofs_per_s: Math.round(n / seconds), us_per_proof: round1((seconds * 1e6) / n) };
}

// One call; a JSON-RPC error or an isError result counts as an error.
async function call(client, o) {
  const result = await client.callTool({ name: o.tool, arguments: o.arguments });
  if (result.isError) throw new Error(`${o.tool} answered isError: ${JSON.stringify(result.content).slice(0, 200)}`);
}

// n calls spread over the sessions, each session one call at a time; the latencies in µs and the wall time.
async function burst(sessions, n, o, latencies, errors) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(sessions.map(async ({ client }) => {
    while (next < n) {
      next++;
      const t0 = process.hrtime.bigint();
      try {
        await call(client, o);
        if (latencies) latencies.push(Number(process.hrtime.bigint() - t0) / 1e3);
      } catch (e) {
        errors.count++;
        errors.first ??= e.message;
      }
    }
  }));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let auth;
  if (o.tokenFile) {
    try {
      auth = { token: readFileSync(o.tokenFile, 'utf8').trim(), keyPair: await loadAgentKey(o.keyFile) };
    } catch (e) {
      fail(`cannot read the token or key: ${e.message}`);
    }
  }
  const targets = [{ name: 'direct', url: o.direct, auth: undefined, o }];
  // The gateway names a server's tools <server>__<tool>.
  if (o.gateway) targets.push({ name: 'gateway', url: o.gateway, auth, o: { ...o, tool: o.gatewayTool ?? o.tool } });
  const log = (s) => { if (!o.json) process.stderr.write(`${s}\n`); };

  const out = {
    tool: o.tool, arguments: o.arguments, calls: o.calls, warmup: o.warmup, rounds: o.rounds, concurrency: o.concurrency,
    node: process.version, cpus: cpus().length, targets: {},
  };
  if (auth) out.dpop = await proofCost(auth.keyPair, auth.token, o.gateway);
  for (const t of targets) out.targets[t.name] = { url: t.url, levels: {} };

  for (const c of o.concurrency) {
    const sessions = {};
    for (const t of targets) {
      try {
        sessions[t.name] = await Promise.all(Array.from({ length: c }, () => connect(t.url, t.auth ?? {})));
      } catch (e) {
        fail(`cannot connect to ${t.name} ${t.url}: ${e.message}`);
      }
      const { tools } = await sessions[t.name][0].client.listTools();
      if (!tools.some((x) => x.name === t.o.tool)) fail(`${t.name} lists no tool ${t.o.tool}`);
    }
    const stats = Object.fromEntries(targets.map((t) => [t.name, { latencies: [], seconds: 0, errors: { count: 0 } }]));
    for (const t of targets) await burst(sessions[t.name], o.warmup, t.o, null, stats[t.name].errors);
    log(`concurrency ${c}: warmed up`);
    for (let r = 0; r < o.rounds; r++) {
      const n = Math.floor(o.calls / o.rounds) + (r < o.calls % o.rounds ? 1 : 0);
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) stats[t.name].seconds += await burst(sessions[t.name], n, t.o, stats[t.name].latencies, stats[t.name].errors);
    }
    for (const t of targets) {
      const s = stats[t.name];
      const sorted = s.latencies.sort((a, b) => a - b);
      const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
      out.targets[t.name].levels[c] = {
        p50_us: round1(percentile(sorted, 0.5) ?? NaN), p90_us: round1(percentile(sorted, 0.9) ?? NaN),
        p99_us: round1(percentile(sorted, 0.99) ?? NaN), mean_us: round1(mean),
        calls_per_s: Math.round(sorted.length / s.seconds), ok: sorted.length, errors: s.errors.count,
        ...(s.errors.first ? { first_error: s.errors.first } : {}),
      };
      await Promise.all(sessions[t.name].map(async ({ client, transport }) => {
        await transport.terminateSession().catch(() => {});
        await client.close().catch(() => {});
      }));
    }
  }

  if (o.gateway) {
    const c = o.concurrency.includes(1) ? 1 : o.concurrency[0];
    const d = out.targets.direct.levels[c], g = out.targets.gateway.levels[c];
    out.gateway_minus_direct_us = {
      concurrency: c, p50: round1(g.p50_us - d.p50_us), p90: round1(g.p90_us - d.p90_us), p99: round1(g.p99_us - d.p99_us),
    };
    out.gateway_minus_direct_us.p50_less_proof = round1(out.gateway_minus_direct_us.p50 - out.dpop.us_per_proof);
  }

  const errors = Object.values(out.targets).flatMap((t) => Object.values(t.levels)).reduce((a, l) => a + l.errors, 0);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const p = (s) => process.stdout.write(`${s}\n`);
    p(`tools/call ${o.tool} ${JSON.stringify(o.arguments)}: ${o.calls} calls per target and concurrency, ${o.rounds} alternating rounds, ${o.warmup} warm-up; node ${process.version}, ${out.cpus} cpus`);
    if (out.dpop) p(`dpop proof (${out.dpop.alg}, client side): ${out.dpop.proofs_per_s} proofs/s, ${out.dpop.us_per_proof} µs each — one per HTTP request, so one per call through the gateway`);
    p(`${'target'.padEnd(8)} ${'conc'.padStart(4)} ${'p50 µs'.padStart(9)} ${'p90 µs'.padStart(9)} ${'p99 µs'.padStart(9)} ${'calls/s'.padStart(8)} ${'errors'.padStart(6)}`);
    for (const c of o.concurrency) {
      for (const t of targets) {
        const l = out.targets[t.name].levels[c];
        p(`${t.name.padEnd(8)} ${String(c).padStart(4)} ${String(l.p50_us).padStart(9)} ${String(l.p90_us).padStart(9)} ${String(l.p99_us).padStart(9)} ${String(l.calls_per_s).padStart(8)} ${String(l.errors).padStart(6)}`);
      }
    }
    if (out.gateway_minus_direct_us) {
      const g = out.gateway_minus_direct_us;
      p(`gateway - direct at concurrency ${g.concurrency}: p50 ${g.p50} µs (${g.p50_less_proof} µs without the agent's proof), p90 ${g.p90} µs, p99 ${g.p99} µs`);
    }
  }
  if (errors) {
    const first = Object.values(out.targets).flatMap((t) => Object.values(t.levels)).find((l) => l.first_error)?.first_error;
    process.stderr.write(`gateway_latency: ${errors} calls failed; the first: ${first}\n`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((e) => fail(e?.stack ?? String(e)));
