// Seeded random policies over the schema given, validated in strict mode by
// the reference (cedar-wasm). Prints a JSON array of {policy, valid,
// no_applicable_action} for validator_differential_test.cc to compare with
// mandate's validator.
// Usage: node validator_reference.js PROJECT_DIR SCHEMA SEED COUNT
'use strict';
const fs = require('fs');
const path = require('path');
const [projectDir, schemaPath, seedArg, countArg] = process.argv.slice(2);
const cedar = require(path.join(projectDir, 'node_modules/@cedar-policy/cedar-wasm/nodejs'));
const schema = fs.readFileSync(schemaPath, 'utf8');

let seed = Number(seedArg) >>> 0;
function rnd(n) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
}
const pick = (list) => list[rnd(list.length)];

// Untyped pieces: any expression shape, mostly ill-typed.
const entities = ['principal', 'resource', 'principal.manager', 'resource.owner', 'App::User::"a"', 'App::Doc::"d"',
  'App::Folder::"f"', 'App::Group::"g"', 'App::Color::"red"', 'action', 'App::Action::"read"', 'App::Action::"admin"'];
const attrs = ['name', 'age', 'addr', 'tags', 'manager', 'ip', 'score', 'born', 'wait', 'rec', 'owner', 'public',
  'labels', 'nope', 'zip', 'a', 'b', 'n', 'flag'];
function atom(d) {
  switch (rnd(14)) {
    case 0: return pick(['true', 'false']);
    case 1: return String(rnd(5) - 1);
    case 2: return pick(['"a"', '""', '"x*"']);
    case 3: return pick(entities);
    case 4: return 'context';
    case 5: return pick(entities) + '.' + pick(attrs);
    case 6: return pick(['principal', 'resource', 'context', 'principal.addr', 'principal.rec']) + '.' + pick(attrs);
    case 7: return pick(['ip("1.2.3.4")', 'ip("bad")', 'decimal("1.5")', 'datetime("2024-01-01")', 'duration("1h")',
      'decimal(principal.name)']);
    case 8: return '[' + Array.from({ length: rnd(3) }, () => untyped(d + 1)).join(', ') + ']';
    case 9: return '{' + Array.from({ length: rnd(3) }, (_, i) => pick(['a', 'b', 'zip']) + i + ': ' + untyped(d + 1)).join(', ') + '}';
    case 10: return pick(['principal', 'resource', 'context', 'principal.rec']) + ' has ' + pick(attrs);
    case 11: return pick(['principal', 'resource']) + '.hasTag("' + pick(['x', 'y']) + '")';
    case 12: return pick(['principal', 'resource']) + '.getTag("' + pick(['x', 'y']) + '")';
    default: return pick(entities) + ' is ' + pick(['App::User', 'App::Doc', 'App::Folder']);
  }
}
function untyped(d) {
  if (d > 3) return atom(d);
  const a = () => untyped(d + 1);
  switch (rnd(15)) {
    case 0: return `(${a()} && ${a()})`;
    case 1: return `(${a()} || ${a()})`;
    case 2: return `(if ${a()} then ${a()} else ${a()})`;
    case 3: return `(${a()} == ${a()})`;
    case 4: return `(${a()} < ${a()})`;
    case 5: return `(${a()} in ${a()})`;
    case 6: return `(${a()}).contains(${a()})`;
    case 7: return `(${a()}).containsAny(${a()})`;
    case 8: return '!' + atom(d + 1);
    case 9: return `(${a()} + ${a()})`;
    case 10: return `(${a()} like "a*")`;
    case 11: return `(${a()}).isEmpty()`;
    case 12: return `(${a()}).lessThan(${a()})`;
    case 13: return `(${a()} != ${a()})`;
    default: return atom(d);
  }
}

// Typed pieces: booleans whose safety depends on `has`/`hasTag` guards,
// short-circuiting and the request environment.
const booleans = ['principal has age', 'principal.age > 1', 'context.flag', 'resource.public',
  'principal.tags.contains("a")', 'principal.hasTag("x")', 'principal.getTag("x") == "y"', 'principal.ip.isLoopback()',
  'principal.score.lessThan(decimal("1.0"))', 'principal.born < datetime("2024-01-01")', 'principal in App::Group::"g"',
  'resource in App::Folder::"f"', 'principal.rec.a == 1', 'principal has rec', 'principal.rec has b',
  'principal.rec.b like "x*"', 'action in [App::Action::"write"]', 'principal.addr.zip == 1', 'principal.addr has zip',
  'context.n == 1', 'context has n', 'resource.owner == principal', 'resource is App::Doc', 'resource.owner.name == "a"',
  'resource has owner', 'principal has manager', 'principal.manager.age == 2', 'principal.manager has age',
  'resource.hasTag("x")', 'resource.labels.contains(principal.age)', 'true', 'false', 'principal == resource',
  'action == App::Action::"admin"', 'context.ip == principal.ip', '[principal.name, "a"].contains("b")',
  '{a: principal.age} == {a: 1}', '(if principal has age then principal.age else 0) > 1'];
function typed(d) {
  if (d > 3) return pick(booleans);
  const a = () => typed(d + 1);
  switch (rnd(7)) {
    case 0: case 1: return `(${a()} && ${a()})`;
    case 2: return `(${a()} || ${a()})`;
    case 3: return `!(${a()})`;
    case 4: return `(if ${a()} then ${a()} else ${a()})`;
    default: return pick(booleans);
  }
}

const principals = ['principal', 'principal == App::User::"a"', 'principal in App::Group::"g"', 'principal is App::User',
  'principal == ?principal', 'principal in ?principal'];
const actions = ['action', 'action == App::Action::"read"', 'action in [App::Action::"write"]',
  'action == App::Action::"paint"', 'action in [App::Action::"admin", App::Action::"read"]'];
const resources = ['resource', 'resource is App::Doc', 'resource in App::Folder::"f"', 'resource == App::Color::"red"',
  'resource in ?resource'];

const out = [];
for (let i = 0; i < Number(countArg); i++) {
  const body = i % 2 ? typed(0) : untyped(0);
  const policy = `permit(${pick(principals)}, ${pick(actions)}, ${pick(resources)}) when { ${body} };`;
  const template = policy.includes('?principal') || policy.includes('?resource');
  const policies = template ? { templates: { policy0: policy } } : { staticPolicies: policy };
  const r = cedar.validate({ schema, policies, validationSettings: { mode: 'strict' } });
  if (r.type !== 'success') continue;  // not valid Cedar syntax
  // Since Cedar 4.13 a scope no action applies to is a warning, not an
  // error: report it apart so mandate's warning is compared too.
  const noApplicableAction = r.validationWarnings.some((w) => w.error.message.includes('applicable action'));
  out.push({ policy, valid: r.validationErrors.length === 0, no_applicable_action: noApplicableAction });
}
process.stdout.write(JSON.stringify(out));
