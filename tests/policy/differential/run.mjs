// Differential test generator: node run.mjs SEED COUNT OUTDIR
//
// Writes at least COUNT random requests, grouped in cases (one policy set,
// one entity store, several requests), in the Cedar integration-test format
// with @cedar-policy/cedar-wasm's answers (decision, determining policies,
// erroring policies) as the expectations; `mandate policy test OUTDIR` then
// checks mandate against them. Case i of seed S is generated from (S, i)
// alone. Inputs the reference rejects go to OUTDIR/rejected/ (manifest.json
// lists them) for the driver to check that mandate rejects them too.
// Prints one JSON line of statistics.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

import { damageEntities, damagePolicies } from './bad_input.mjs';
import { PolicyGen } from './policies.mjs';
import { Random } from './random.mjs';
import { makeRequest, makeWorld } from './world.mjs';

const REQUESTS_PER_CASE = 10;
const ERROR_RATE = 0.04;          // chance that an expression node is built for another type
const DAMAGED_POLICIES = 0.03;    // chance that a case's policy text is damaged
const DAMAGED_ENTITIES = 0.02;    // chance that its entities are

const [seedArg, countArg, outdir] = process.argv.slice(2);
if (!/^\d+$/.test(seedArg ?? '') || !/^\d+$/.test(countArg ?? '') || !outdir) {
  console.error('usage: node run.mjs SEED COUNT OUTDIR');
  process.exit(2);
}
const seed = Number(seedArg) >>> 0;
const count = Number(countArg);
mkdirSync(join(outdir, 'rejected'), { recursive: true });

const stats = {
  seed, cases: 0, requests: 0, allow: 0, deny: 0, requests_with_errors: 0, erroring_policies: 0,
  determining_policies: 0, policies: 0, rejected_policies: 0, rejected_entities: 0, accepted_damage: 0,
};
// How many accepted cases use each language feature (a rough textual count,
// to show the generator reaches all of them).
const FEATURES = ['==', '!=', ' < ', '<=', ' > ', '>=', ' + ', ' - ', ' * ', '-(', ' in ', ' has ', ' like ', ' is ',
  'if ', '&&', '||', '!(', '.contains(', '.containsAll(', '.containsAny(', '.isEmpty()', '.getTag(', '.hasTag(',
  'decimal(', 'ip(', 'datetime(', 'duration(', '.lessThan', '.greaterThan', '.isInRange(', '.isLoopback()',
  '.isMulticast()', '.isIpv4()', '.isIpv6()', '.offset(', '.durationSince(', '.toDate()', '.toTime()', '.toDays()',
  '.toMilliseconds()', '["', '{', 'unless', 'forbid', 'permit', '@', 'principal is', 'principal in', 'action in [',
  'resource ==', '\\*', '\\u{', '9223372036854775807', '-9223372036854775808'];
stats.coverage = Object.fromEntries(FEATURES.map((f) => [f.trim(), 0]));
const rejected = [];
const message = (answer) => answer.errors.map((e) => e.message).join('; ');

function writeCase(name, policies, entities, requests) {
  writeFileSync(join(outdir, `${name}.cedar`), policies);
  writeFileSync(join(outdir, `${name}.entities.json`), JSON.stringify(entities, null, 1));
  const test = { policies: `${name}.cedar`, entities: `${name}.entities.json`, shouldValidate: false, requests };
  writeFileSync(join(outdir, `${name}.json`), JSON.stringify(test, null, 1));
}

function reject(name, kind, text, why) {
  const file = `${name}.${kind === 'policies' ? 'cedar' : 'entities.json'}`;
  writeFileSync(join(outdir, 'rejected', file), text);
  rejected.push({ file, kind, reference: why });
  stats[`rejected_${kind}`]++;
}

function runCase(index) {
  const r = new Random(seed, index);
  const world = makeWorld(r);
  const gen = new PolicyGen(r, world, ERROR_RATE);
  let policies = gen.policySet();
  let entities = world.entities;
  const damage = r.chance(DAMAGED_POLICIES) ? 'policies' : r.chance(DAMAGED_ENTITIES) ? 'entities' : null;
  if (damage === 'policies') policies = damagePolicies(r, policies);
  if (damage === 'entities') entities = damageEntities(r, world);
  const name = `s${seed}-c${index}`;

  // The reference's fast path (parse the policy set once per case) gives
  // the same answers as isAuthorized at half the cost.
  const parsed = cedar.preparsePolicySet('case', { staticPolicies: policies });
  if (parsed.type !== 'success') return reject(name, 'policies', policies, message(parsed));
  const requests = [];
  for (let k = 0; k < REQUESTS_PER_CASE; k++) {
    const request = makeRequest(r, world);
    const answer = cedar.statefulIsAuthorized({ ...request, preparsedPolicySetId: 'case', entities });
    if (answer.type !== 'success') {
      // Requests are always well-formed, so a failure is the entity store's.
      if (damage === 'entities') return reject(name, 'entities', JSON.stringify(entities), message(answer));
      throw new Error(`${name}: the reference failed on an undamaged case: ${message(answer)}`);
    }
    const { decision, diagnostics } = answer.response;
    requests.push({
      description: `seed ${seed} case ${index} request ${k}`,
      ...request,
      validateRequest: false,
      decision,
      reason: diagnostics.reason,
      errors: diagnostics.errors.map((e) => e.policyId),
    });
    stats[decision]++;
    stats.requests_with_errors += diagnostics.errors.length > 0;
    stats.erroring_policies += diagnostics.errors.length;
    stats.determining_policies += diagnostics.reason.length;
  }
  if (damage) stats.accepted_damage++;
  for (const f of FEATURES) stats.coverage[f.trim()] += policies.includes(f);
  writeCase(name, policies, entities, requests);
  stats.cases++;
  stats.requests += requests.length;
  stats.policies += policies.split(/^(?:permit|forbid) \(/m).length - 1;
}

for (let index = 0; stats.requests < count; index++) runCase(index);
writeFileSync(join(outdir, 'rejected', 'manifest.json'), JSON.stringify(rejected, null, 1));
console.log(JSON.stringify(stats));
