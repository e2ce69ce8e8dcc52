// Damage to policy text and entities JSON, mostly (not always) invalid: the
// reference decides. What it rejects, mandate must reject (exit 2); what it
// still accepts becomes an ordinary case.
import { GHOSTS, extn } from './world.mjs';

const BAD_CONDITIONS = [
  '!!!!!true', '- - - - -1 == 1', 'foo(1)', 'principal.foo()', '9223372036854775808 == 1', '{a: 1, a: 2} == {a: 2}',
  '"\\q" == ""', '"\\u{110000}" == ""', '"\\u{}" == ""', '"\\x80" == ""', 'principal in', 'principal has', '1 +',
  'if true then 1', 'principal is 1', 'principal like "a"', '"a" like 1', 'decimal()', 'ip("1", "2")',
  'context.1', 'principal.has', 'action in [', '[1, 2,] == [1]', '{} == {,}', 'true && && true', 'User::"a"::"b"',
  'User::a == principal', '"unterminated', 'principal.getTag()', '(((((true)))))', 'principal == ?principal',
  '-9223372036854775808 == -9223372036854775808', '- 9223372036854775808 < 0', '!!!!true', '----1 == 1',
  '"a" like "\\*\\**"', 'if true then true else false', 'context["x"] == 1', 'principal has "" ',
];
const BAD_SCOPES = [
  'principal in []', 'action is Action', 'resource == [Photo::"p"]', 'principal == principal', 'principal in 1',
  'action in [Action::"a",]', 'principal is User in [Group::"g"]', 'action == [Action::"a"]', 'principal is',
  'resource is Photo in', 'principal == User', 'action in Action', 'principal, principal',
];
const BAD_FRAGMENTS = ['(', ')', ';', '==', 'when', 'unless', '"', '@', '{', '}', '[', ']', ',', 'permit', '::',
  '@id("x")', '\\', 'in', 'has', 'like', 'is'];

// Damage works on code points: cutting a JS string between the halves of a
// surrogate pair would make text that is not Unicode at all, which the
// reference's bindings throw on instead of answering.
export function damagePolicies(r, policyText) {
  const text = Array.from(policyText);
  return r.weighted([
    [3, () => `${policyText}\npermit (principal, action, resource) when { ${r.pick(BAD_CONDITIONS)} };\n`],
    [2, () => `${policyText}\nforbid (${r.pick(BAD_SCOPES)}, action, resource);\n`],
    [1, () => `@id("a")\n@id("b")\n${policyText}`],
    [2, () => {
      const at = r.int(text.length + 1);
      return text.slice(0, at).join('') + r.pick(BAD_FRAGMENTS) + text.slice(at).join('');
    }],
    [2, () => {
      const at = r.int(text.length);
      return text.slice(0, at).join('') + text.slice(at + r.range(1, 3)).join('');
    }],
  ])();
}

// Returns a damaged copy of the entities array.
export function damageEntities(r, world) {
  const entities = structuredClone(world.entities);
  const victim = r.pick(entities);
  r.weighted([
    [2, () => {  // a cycle: some ancestor gets the victim as a parent (or the victim itself)
      const parent = victim.parents.length && r.chance(0.7)
        ? entities.find((e) => e.uid.type === victim.parents[0].type && e.uid.id === victim.parents[0].id) ?? victim
        : victim;
      parent.parents.push(victim.uid);
    }],
    [1, () => entities.push({ ...structuredClone(victim), attrs: { ...victim.attrs, age: 12345 } })],
    [1, () => entities.push(structuredClone(victim))],  // an identical duplicate
    [1, () => { victim.attrs.bad = extn(r.pick(['decimal', 'ip', 'datetime', 'duration']), 'nonsense'); }],
    [1, () => { victim.attrs.bad = extn('nosuchfn', '1'); }],
    [1, () => { victim.attrs.bad = null; }],
    [1, () => { victim.attrs.bad = 1.5; }],
    [1, () => { victim.attrs.bad = 1e20; }],
    [1, () => { victim.parents.push({ type: 'User' }); }],
    [1, () => { victim.attrs.bad = { __entity: { type: 'User' } }; }],
    [1, () => { victim.parents.push(r.pick(GHOSTS)); }],  // valid: a parent the store does not hold
    [1, () => { victim.tags = { bad: null }; }],
    [1, () => { delete victim.attrs; }],
  ])();
  return entities;
}
