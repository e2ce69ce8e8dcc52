// The reference engine's side of bench_policy: runs @cedar-policy/cedar-wasm
// on the workload files bench_policy wrote, on its fastest path (the policy
// set preparsed once, statefulIsAuthorized per request), and prints one JSON
// object: timings per decision and every decision, so that bench_policy can
// check that both engines agree before it compares their speed.
//
//   node bench/cedar_wasm_bench.mjs DIR --sizes 10,100 --rounds 5 --budget-ms 20000 \
//        [--max-requests N] --full-size 100 --full-requests 20
//
// DIR holds entities.json and, per size N, policies-N.cedar and
// requests-N.json (an array of {principal, action, resource, context, slice}).
// cedar-wasm takes the entities with every request (its API has no way to
// keep them), so each request is timed twice over: with `slice` (the
// request's entities and their ancestors, prepared before timing, the
// cheapest input that gives the same decision) and, for --full-requests
// requests, with all of entities.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

function parseArgs(argv) {
  const args = { dir: argv[0], sizes: [100], rounds: 5, budgetMs: 20000, maxRequests: Infinity, fullSize: 0, fullRequests: 0 };
  for (let i = 1; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (argv[i] === '--sizes') args.sizes = value.split(',').map(Number);
    else if (argv[i] === '--rounds') args.rounds = Number(value);
    else if (argv[i] === '--budget-ms') args.budgetMs = Number(value);
    else if (argv[i] === '--max-requests') args.maxRequests = Number(value);
    else if (argv[i] === '--full-size') args.fullSize = Number(value);
    else if (argv[i] === '--full-requests') args.fullRequests = Number(value);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!args.dir) throw new Error('usage: cedar_wasm_bench.mjs DIR [--sizes N,N] [--rounds R] ...');
  return args;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const key = (uid) => `${uid.type}::${uid.id}`;

function percentiles(samples, cpuNs) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { n: sorted.length, p50_ns: at(0.5), p99_ns: at(0.99), mean_ns: mean, cpu_mean_ns: cpuNs / sorted.length };
}

function call(setId, request, entities) {
  return {
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: request.context,
    preparsedPolicySetId: setId,
    entities,
  };
}

function decide(input) {
  const answer = cedar.statefulIsAuthorized(input);
  if (answer.type !== 'success') throw new Error(`cedar-wasm failed: ${JSON.stringify(answer.errors)}`);
  return answer.response;
}

// Up to `rounds` passes over the inputs, fewer when a pass takes longer
// than the budget allows (a full scan of 10,000 policies per request is slow).
function timeCalls(inputs, rounds, budgetMs) {
  const samples = [];
  const deadline = Date.now() + budgetMs;
  // CPU time as well as wall time: on a shared machine the wall clock also
  // counts the time spent waiting for a CPU.
  const cpuStart = process.cpuUsage();
  for (let round = 0; round < rounds && (round === 0 || Date.now() < deadline); ++round) {
    for (const input of inputs) {
      const start = process.hrtime.bigint();
      decide(input);
      samples.push(Number(process.hrtime.bigint() - start));
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  return percentiles(samples, (cpu.user + cpu.system) * 1000);
}

function runSize(dir, size, args, byUid) {
  const setId = `workload-${size}`;
  const text = readFileSync(join(dir, `policies-${size}.cedar`), 'utf8');
  const loadStart = process.hrtime.bigint();
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: text });
  const loadNs = Number(process.hrtime.bigint() - loadStart);
  if (parsed.type !== 'success') throw new Error(`preparsePolicySet: ${JSON.stringify(parsed.errors)}`);

  // The first --max-requests only: a full scan of 10,000 policies per request is slow.
  const requests = readJson(join(dir, `requests-${size}.json`)).slice(0, args.maxRequests);
  const inputs = requests.map((r) => call(setId, r, r.slice.map((uid) => byUid.get(key(uid))).filter(Boolean)));
  // The untimed first round warms the engine and records the decisions.
  const decisions = inputs.map((input) => {
    const response = decide(input);
    return {
      decision: response.decision,
      reasons: response.diagnostics.reason,
      errors: response.diagnostics.errors.map((e) => e.policyId),
    };
  });
  return { policies: size, load_ns: loadNs, slice: timeCalls(inputs, args.rounds, args.budgetMs), decisions, setId, requests };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const entities = readJson(join(args.dir, 'entities.json'));
  const byUid = new Map(entities.map((e) => [key(e.uid), e]));
  const out = { cedar_version: cedar.getCedarVersion(), sets: [] };
  // Compiles the module's code before anything is timed.
  cedar.preparsePolicySet('warm-up', { staticPolicies: 'permit(principal, action, resource);' });
  decide(call('warm-up', { ...readJson(join(args.dir, `requests-${args.sizes[0]}.json`))[0] }, []));
  for (const size of args.sizes) {
    process.stderr.write(`cedar-wasm: ${size} policies\n`);
    const result = runSize(args.dir, size, args, byUid);
    if (size === args.fullSize && args.fullRequests > 0) {
      const inputs = result.requests.slice(0, args.fullRequests).map((r) => call(result.setId, r, entities));
      decide(inputs[0]);
      out.full_entities = { policies: size, entities: entities.length, ...timeCalls(inputs, 1, 0) };
    }
    delete result.requests;
    delete result.setId;
    out.sets.push(result);
  }
  process.stdout.write(JSON.stringify(out));
}

main();
