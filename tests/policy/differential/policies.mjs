// Type-directed generation of Cedar policy text. `expr(t, depth)` returns an
// expression that has type `t` when the data has the expected layout; with
// probability `errorRate` a node is built for another type instead, and
// invalid extension literals, missing attributes and overflow add the
// runtime errors the reference must agree on.
import {
  ALL_TYPES, ATTRS, BAD_DATETIMES, BAD_DECIMALS, BAD_DURATIONS, BAD_IPS, CONTEXT, DATETIMES, DECIMALS, DURATIONS,
  EDGE_LONGS, ENTITY_TYPES, GHOSTS, IPS, PROFILE, SAFE_LONGS, STRINGS, TAGS, kindOf, sameType,
} from './world.mjs';

// Cedar string literal; escapes chosen at random so both forms are parsed.
export function cedarString(r, s) {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += r.pick(['\\n', '\\u{a}', '\\x0a']);
    else if (ch === '\t') out += r.pick(['\\t', '\\u{9}']);
    else if (ch === '\0') out += r.pick(['\\0', '\\u{0}', '\\x00']);
    else if (cp > 0x7f && r.chance(0.5)) out += `\\u{${cp.toString(16)}}`;
    else if (ch === "'" && r.chance(0.5)) out += "\\'";
    else out += ch;
  }
  return out + '"';
}

export const cedarUid = (r, uid) => `${uid.type}::${cedarString(r, uid.id)}`;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['true', 'false', 'if', 'then', 'else', 'in', 'is', 'like', 'has', '__cedar']);
const isIdent = (name) => IDENT.test(name) && !RESERVED.has(name);
const ATTR_NAMES = [...Object.keys(ATTRS), 'missing', 'team', 'level', 'x'];

export class PolicyGen {
  constructor(r, world, errorRate) {
    this.r = r;
    this.world = world;
    this.errorRate = errorRate;
  }

  // --- literals -------------------------------------------------------------

  uidLiteral() {
    const r = this.r;
    return cedarUid(r, r.weighted([[6, () => r.pick(this.world.uids)], [2, () => r.pick(this.world.actions)],
      [1, () => r.pick(GHOSTS)]])());
  }

  longLiteral() {
    const r = this.r;
    return r.chance(0.15) ? r.pick(EDGE_LONGS) : String(r.pick(SAFE_LONGS));
  }

  extLiteral(fn, good, bad) {
    const r = this.r;
    const text = r.chance(0.05) ? r.pick(bad) : r.pick(good);
    return `${fn}(${cedarString(r, text)})`;
  }

  // `like` pattern: pieces of a pool string with wildcards and escaped stars.
  pattern() {
    const r = this.r;
    let out = '"';
    for (const ch of r.pick(STRINGS)) {
      if (r.chance(0.25)) out += '*';
      if (ch === '*') out += r.chance(0.7) ? '\\*' : '*';
      else if (r.chance(0.15)) out += '*';  // a wildcard standing in for the character
      else out += cedarString(r, ch).slice(1, -1);
    }
    if (r.chance(0.1)) out += '\\*';  // a literal star, which only some strings hold
    if (r.chance(0.3)) out += '*';
    return out + '"';
  }

  // --- attribute access -----------------------------------------------------

  entityBase() {
    const r = this.r;
    return r.weighted([[4, 'principal'], [4, 'resource'], [1, 'action'], [1, 'principal.manager'],
      [1, 'resource.owner'], [1, this.uidLiteral()], [1, 'context.who']]);
  }

  // Accesses that yield type `t`, each with the test that guards it.
  accesses(t) {
    const r = this.r;
    const base = this.entityBase();
    const out = [];
    const field = (obj, name) => (isIdent(name) && r.chance(0.85) ? `${obj}.${name}` : `${obj}[${cedarString(r, name)}]`);
    const has = (obj, name) => `${obj} has ${isIdent(name) ? name : cedarString(r, name)}`;
    for (const [name, at] of Object.entries(ATTRS)) {
      if (sameType(at, t)) out.push({ text: field(base, name), guard: has(base, name) });
    }
    for (const [name, at] of Object.entries(PROFILE.record)) {
      if (!sameType(at, t)) continue;
      const guard = r.chance(0.5) ? `${base} has profile.${name}` : `${base} has profile && ${base}.profile has ${name}`;
      out.push({ text: `${base}.profile.${name}`, guard });
      out.push({ text: `context.rec.${name}`, guard: `context has rec.${name}` });
    }
    if (sameType(t, 'Bool')) {
      out.push({ text: `${base}.profile.nested.deep`, guard: `${base} has profile.nested.deep` });
    }
    for (const [name, ct] of Object.entries(CONTEXT)) {
      if (sameType(ct, t)) out.push({ text: field('context', name), guard: has('context', name) });
    }
    for (const [name, tt] of Object.entries(TAGS)) {
      if (sameType(tt, t)) {
        out.push({ text: `${base}.getTag(${cedarString(r, name)})`, guard: `${base}.hasTag(${cedarString(r, name)})` });
      }
    }
    return out;
  }

  access(t) {
    const options = this.accesses(t);
    return options.length ? this.r.pick(options).text : null;
  }

  // --- expressions ----------------------------------------------------------

  expr(t, depth) {
    const r = this.r;
    if (r.chance(this.errorRate)) t = r.pick(ALL_TYPES);  // deliberately ill-typed (or, by chance, not)
    if (depth <= 0 || r.chance(0.2)) return this.leaf(t);
    switch (kindOf(t)) {
      case 'Bool': return this.boolExpr(depth);
      case 'Long': return this.longExpr(depth);
      case 'Entity':
        return r.weighted([[3, () => this.leaf(t)], [1, () => this.ite(t, depth)]])();
      case 'datetime':
        return r.weighted([[2, () => this.leaf(t)], [1, () => this.ite(t, depth)],
          [2, () => `${this.paren(this.expr('datetime', depth - 1))}.offset(${this.expr('duration', depth - 1)})`],
          [1, () => `${this.paren(this.expr('datetime', depth - 1))}.toDate()`]])();
      case 'duration':
        return r.weighted([[2, () => this.leaf(t)], [1, () => this.ite(t, depth)],
          [2, () => `${this.paren(this.expr('datetime', depth - 1))}.durationSince(${this.expr('datetime', depth - 1)})`],
          [1, () => `${this.paren(this.expr('datetime', depth - 1))}.toTime()`]])();
      case 'Set':
        return r.weighted([[3, () => this.setLiteral(t, depth)], [1, () => this.leaf(t)], [1, () => this.ite(t, depth)]])();
      case 'Record':
        return r.weighted([[3, () => this.recordLiteral(t, depth)], [1, () => this.leaf(t)], [1, () => this.ite(t, depth)]])();
      default:
        return r.weighted([[4, () => this.leaf(t)], [1, () => this.ite(t, depth)]])();
    }
  }

  paren(text) { return `(${text})`; }

  ite(t, depth) {
    return `(if ${this.expr('Bool', depth - 1)} then ${this.expr(t, depth - 1)} else ${this.expr(t, depth - 1)})`;
  }

  // A literal or an attribute access of type `t`.
  leaf(t) {
    const r = this.r;
    if (r.chance(0.45)) {
      const a = this.access(t);
      if (a !== null) return a;
    }
    switch (kindOf(t)) {
      case 'Bool': return r.pick(['true', 'false']);
      case 'Long': return this.longLiteral();
      case 'String': return cedarString(r, r.pick(STRINGS));
      case 'Entity': return r.weighted([[3, () => this.uidLiteral()], [2, () => 'principal'], [2, () => 'resource'],
        [1, () => 'action']])();
      case 'decimal': return this.extLiteral('decimal', DECIMALS, BAD_DECIMALS);
      case 'ipaddr': return this.extLiteral('ip', IPS, BAD_IPS);
      case 'datetime': return this.extLiteral('datetime', DATETIMES, BAD_DATETIMES);
      case 'duration': return this.extLiteral('duration', DURATIONS, BAD_DURATIONS);
      case 'Set': return this.setLiteral(t, 0);
      case 'Record': return r.chance(0.2) ? 'context' : this.recordLiteral(t, 0);
    }
    throw new Error(`leaf of ${JSON.stringify(t)}`);
  }

  setLiteral(t, depth) {
    const n = this.r.weighted([[1, 0], [3, 1], [3, 2], [2, 3]]);
    const comma = n > 0 && this.r.chance(0.1) ? ',' : '';  // Cedar's lists take a trailing comma
    return `[${Array.from({ length: n }, () => this.expr(t.set, depth - 1)).join(', ')}${comma}]`;
  }

  recordLiteral(t, depth) {
    const r = this.r;
    const fields = Object.entries(t.record).filter(() => r.chance(0.85));
    const comma = fields.length > 0 && r.chance(0.1) ? ',' : '';
    return `{${fields.map(([k, ft]) => `${isIdent(k) && r.chance(0.7) ? k : cedarString(r, k)}: ${this.expr(ft, depth - 1)}`).join(', ')}${comma}}`;
  }

  longExpr(depth) {
    const r = this.r;
    const sub = () => this.expr('Long', depth - 1);
    return r.weighted([
      [3, () => this.leaf('Long')],
      [4, () => `(${sub()} ${r.pick(['+', '-', '*'])} ${sub()})`],
      [1, () => `-${this.paren(sub())}`],
      [1, () => `-${r.pick(SAFE_LONGS.filter((n) => n >= 0))}`],
      [1, () => this.ite('Long', depth)],
      [2, () => `${this.paren(this.expr('duration', depth - 1))}.${r.pick(['toDays', 'toHours', 'toMinutes', 'toSeconds', 'toMilliseconds'])}()`],
    ])();
  }

  boolExpr(depth) {
    const r = this.r;
    const sub = () => this.expr('Bool', depth - 1);
    return r.weighted([
      [1, () => this.leaf('Bool')],
      [7, () => { const t = r.pick(ALL_TYPES); return this.test(t, this.leaf(t), depth); }],
      [8, () => { const t = r.pick(ALL_TYPES); return this.test(t, this.expr(t, depth - 1), depth); }],
      [4, () => this.guarded(depth)],
      [3, () => `(${sub()} ${r.pick(['&&', '||'])} ${sub()})`],
      [1, () => `!${this.paren(sub())}`],
      [1, () => `${'!'.repeat(r.range(1, 4))}${this.leaf('Bool')}`],
      [1, () => this.ite('Bool', depth)],
      [2, () => `${this.paren(this.expr(r.pick(['Entity', PROFILE]), depth - 1))} has ${r.chance(0.8) ? r.pick(ATTR_NAMES.filter(isIdent)) : cedarString(r, r.pick(ATTR_NAMES))}`],
      [1, () => `(${this.expr(r.pick(ALL_TYPES), depth - 1)} ${r.pick(['==', '!='])} ${this.expr(r.pick(ALL_TYPES), depth - 1)})`],
    ])();
  }

  // `(guard && test(access))`: the idiomatic safe attribute use.
  guarded(depth) {
    const r = this.r;
    const t = r.pick(ALL_TYPES);
    const options = this.accesses(t);
    if (options.length === 0) return this.boolExpr(depth);
    const { text, guard } = r.pick(options);
    return `(${guard} && ${this.test(t, text, depth)})`;
  }

  // A Bool expression about `x`, an expression of type `t`.
  test(t, x, depth) {
    const r = this.r;
    const d = depth - 1;
    const eq = () => `(${x} ${r.pick(['==', '!='])} ${this.expr(t, d)})`;
    switch (kindOf(t)) {
      case 'Bool': return r.weighted([[1, () => x], [1, eq]])();
      case 'Long': return `(${x} ${r.pick(['==', '!=', '<', '<=', '>', '>='])} ${this.expr('Long', d)})`;
      case 'String': return r.weighted([[2, eq], [3, () => `(${x} like ${this.pattern()})`]])();
      case 'Entity': return r.weighted([
        [1, eq],
        [3, () => `(${x} in ${this.expr(r.chance(0.6) ? 'Entity' : { set: 'Entity' }, d)})`],
        [2, () => `(${x} is ${r.pick(ENTITY_TYPES)})`],
        [2, () => `(${x} is ${r.pick(ENTITY_TYPES)} in ${this.expr(r.chance(0.7) ? 'Entity' : { set: 'Entity' }, d)})`],
        [1, () => `${this.paren(x)}.hasTag(${this.expr('String', d)})`],
        [1, () => `${this.paren(x)}.hasTag(${cedarString(r, r.pick(Object.keys(TAGS)))})`],
        [1, () => `(${x} has ${r.pick(ATTR_NAMES.filter(isIdent))})`],
      ])();
      case 'Set': return r.weighted([
        [1, eq],
        [3, () => `${this.paren(x)}.contains(${this.expr(t.set, d)})`],
        [2, () => `${this.paren(x)}.${r.pick(['containsAll', 'containsAny'])}(${this.expr(t, d)})`],
        [1, () => `${this.paren(x)}.isEmpty()`],
        [sameType(t.set, 'Entity') ? 2 : 0, () => `(${this.expr('Entity', d)} in ${x})`],
      ])();
      case 'Record': return r.weighted([
        [1, eq],
        [2, () => `(${x} has ${r.pick(['team', 'level', 'nested', 'langs', 'x'])})`],
        [1, () => `(${x} has nested.deep)`],
        [2, () => this.test('Long', `${this.paren(x)}.level`, depth)],
      ])();
      case 'decimal': return r.weighted([[1, eq],
        [4, () => `${this.paren(x)}.${r.pick(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual'])}(${this.expr('decimal', d)})`],
      ])();
      case 'ipaddr': return r.weighted([[1, eq],
        [3, () => `${this.paren(x)}.${r.pick(['isIpv4', 'isIpv6', 'isLoopback', 'isMulticast'])}()`],
        [3, () => `${this.paren(x)}.isInRange(${this.expr('ipaddr', d)})`],
      ])();
      case 'datetime':
      case 'duration':
        return `(${x} ${r.pick(['==', '!=', '<', '<=', '>', '>='])} ${this.expr(t, d)})`;
    }
    throw new Error(`test of ${JSON.stringify(t)}`);
  }

  // --- policies -------------------------------------------------------------

  entityScope(variable) {
    const r = this.r;
    const groups = this.world.uids.filter((u) => ['Group', 'Album', 'Org::Team'].includes(u.type));
    const groupish = () => cedarUid(r, r.weighted([[groups.length ? 4 : 0, () => r.pick(groups)],
      [3, () => r.pick(this.world.uids)], [1, () => r.pick(GHOSTS)]])());
    return r.weighted([
      [7, () => variable],
      [2, () => `${variable} == ${groupish()}`],
      [3, () => `${variable} in ${groupish()}`],
      [2, () => `${variable} is ${r.pick(ENTITY_TYPES)}`],
      [1, () => `${variable} is ${r.pick(ENTITY_TYPES)} in ${groupish()}`],
    ])();
  }

  actionScope() {
    const r = this.r;
    const action = () => cedarUid(r, r.chance(0.9) ? r.pick(this.world.actions) : { type: 'Action', id: 'ghost' });
    return r.weighted([
      [6, () => 'action'],
      [2, () => `action == ${action()}`],
      [2, () => `action in ${action()}`],
      [2, () => `action in [${Array.from({ length: r.range(0, 3) }, action).join(', ')}]`],
    ])();
  }

  annotations() {
    const r = this.r;
    const names = r.subset(['id', 'advice', 'flag', 'owner_note'], 0.25);
    return names.map((n) => (n === 'flag' ? `@${n}\n` : `@${n}(${cedarString(r, r.pick(STRINGS))})\n`)).join('');
  }

  policy(depth) {
    const r = this.r;
    const effect = r.chance(0.75) ? 'permit' : 'forbid';
    const scope = [this.entityScope('principal'), this.actionScope(), this.entityScope('resource')];
    const sep = r.pick([', ', ',\n  ', ',']);
    const clauses = Array.from({ length: r.weighted([[3, 0], [5, 1], [2, 2], [1, 3]]) },
      () => `${r.chance(0.8) ? 'when' : 'unless'} { ${this.expr('Bool', depth)} }`);
    const comment = r.chance(0.1) ? '// generated\n' : '';
    return `${comment}${this.annotations()}${effect} (${scope.join(sep)})${clauses.map((c) => `\n${c}`).join('')};\n`;
  }

  policySet() {
    const n = this.r.weighted([[1, 1], [3, 2], [3, 3], [2, 4], [1, 6]]);
    return Array.from({ length: n }, () => this.policy(this.r.range(1, 4))).join('\n');
  }
}

