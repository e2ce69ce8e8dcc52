// The random world a case runs in: typed attribute, tag and context layouts
// shared by every entity, pools of literals (valid and invalid), an entity
// hierarchy (attributes, tags, parents, action groups) and requests.
//
// Types: 'Bool' 'Long' 'String' 'Entity' 'decimal' 'ipaddr' 'datetime'
// 'duration', {set: T} and {record: {field: T}}. Expressions are generated
// against these layouts so that most are well-typed; entities miss
// attributes now and then, and a few hold a value of the wrong type, which
// is where runtime errors come from besides the generator's deliberate ones.

export const PROFILE = {
  record: { team: 'String', level: 'Long', nested: { record: { deep: 'Bool' } }, langs: { set: 'String' } },
};
export const ATTRS = {
  age: 'Long', score: 'Long', name: 'String', email: 'String', active: 'Bool', manager: 'Entity',
  owner: 'Entity', roles: { set: 'String' }, nums: { set: 'Long' }, friends: { set: 'Entity' },
  limit: 'decimal', addr: 'ipaddr', created: 'datetime', ttl: 'duration', profile: PROFILE, 'odd key': 'String',
};
export const TAGS = { env: 'String', tier: 'Long', on: 'Bool', region: 'String' };
export const CONTEXT = {
  ip: 'ipaddr', n: 'Long', flag: 'Bool', s: 'String', when: 'datetime', ttl: 'duration', items: { set: 'Long' },
  rec: PROFILE, who: 'Entity', amount: 'decimal', names: { set: 'String' }, 'the key': 'Long',
};
export const SCALARS = ['Bool', 'Long', 'String', 'Entity', 'decimal', 'ipaddr', 'datetime', 'duration'];
export const ALL_TYPES = [...SCALARS, { set: 'Long' }, { set: 'String' }, { set: 'Entity' }, PROFILE];

export const sameType = (a, b) => JSON.stringify(a) === JSON.stringify(b);
export const kindOf = (t) => (typeof t === 'string' ? t : t.set !== undefined ? 'Set' : 'Record');

// Values that fit in a JS number, for entities and context (JSON crosses
// into cedar-wasm as JS numbers); the policy literals add the 64-bit edges.
export const SAFE_LONGS = [0, 1, -1, 2, 3, 7, 42, 100, -100, 65536, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)];
export const EDGE_LONGS = ['9223372036854775807', '-9223372036854775808', '4611686018427387904', '3037000500',
  '-3037000500', '9223372036854775806'];
export const STRINGS = ['', 'a', 'alice', 'Alice', 'abc', 'a*b', 'x y', 'dev', 'ops', 'prod', 'core', 'h\u00e9llo',
  '\u{1F600}', 'tab\there', 'quote"d', 'back\\slash', 'multi\nline', 'nul\0byte', '***', 'ab', 'ba'];
export const DECIMALS = ['0.0', '1.5', '-1.5', '1.0000', '1.00', '1.0', '922337203685477.5807', '-922337203685477.5808',
  '0.1234', '12.3', '-0.0', '100.01'];
export const BAD_DECIMALS = ['1', '1.23456', 'abc', '1.', '.5', '922337203685477.5808', '1e3', ' 1.0', '--1.0', ''];
export const IPS = ['127.0.0.1', '10.0.0.1', '10.0.0.0/8', '192.168.1.1/24', '::1', '::', 'ff02::1', '224.0.0.1',
  '2001:db8::/32', '0.0.0.0/0', '255.255.255.255', '127.0.0.0/8', '::1/128', '10.1.2.3/32', 'fe80::1:2:3:4'];
export const BAD_IPS = ['1.2.3', '256.0.0.1', '10.0.0.1/33', '::1/129', '01.2.3.4', 'abc', '1.2.3.4/', '::g',
  '127.0.0.1 ', '1:2:3:4:5:6:7:8:9', ''];
export const DATETIMES = ['2024-10-15', '2024-10-15T11:35:00Z', '2024-10-15T11:35:00.123Z', '2024-10-15T11:35:00+0130',
  '2024-10-15T11:35:00.999-2359', '1969-12-31T23:59:59Z', '1970-01-01', '0001-01-01', '9999-12-31T23:59:59.999Z',
  '2024-02-29', '1960-06-01T12:00:00.001Z'];
export const BAD_DATETIMES = ['2024-13-01', '2023-02-29', '2024-1-1', '2024-10-15T25:00:00Z', '2024-10-15T11:35:00',
  '2024-10-15 11:35:00Z', 'abc', '2024-10-15T11:35:00.12Z', '2024-10-15T11:35:60Z', '2024-10-15T11:35:00+2400', ''];
export const DURATIONS = ['0ms', '1ms', '1s', '1m', '1h', '1d', '1d2h3m4s5ms', '-1d', '-1h30m', '90m', '25h',
  '9223372036854775807ms', '-9223372036854775808ms', '106751991167d', '-2d12h'];
export const BAD_DURATIONS = ['', '1', '1x', '1h1d', '--1d', '1.5h', '1d 2h', '9223372036854775808ms', 'd',
  '106751991168d', '1ms1s'];

const IDS = {
  User: ['alice', 'bob', 'carol', 'dave', 'eve', '', '\u00fc', 'a"b', 'new\nline'],
  Group: ['staff', 'admins', 'all', 'eng', 'ops'],
  Photo: ['p1', 'p2', 'vacation.jpg', 'secret'],
  Album: ['a1', 'trip', 'public'],
  'Org::Team': ['core', 'infra'],
};
const COUNTS = { User: [2, 5], Group: [1, 4], Photo: [1, 4], Album: [1, 3], 'Org::Team': [0, 2] };
export const ENTITY_TYPES = Object.keys(IDS);
// Action groups: each action's parents.
const ACTIONS = { view: ['read'], edit: ['write'], delete: ['write'], read: ['all'], write: ['all'], all: [] };
export const GHOSTS = [{ type: 'User', id: 'ghost' }, { type: 'Group', id: 'nobody' }, { type: 'Photo', id: 'gone' },
  { type: 'Action', id: 'ghost' }];

export const extn = (fn, arg) => ({ __extn: { fn, arg } });

// A JSON value (Cedar's entities/context form) of type `t`.
export function jsonValue(r, world, t) {
  switch (kindOf(t)) {
    case 'Bool': return r.chance(0.5);
    case 'Long': return r.pick(SAFE_LONGS);
    case 'String': return r.pick(STRINGS);
    case 'Entity': return { __entity: r.chance(0.9) ? r.pick(world.uids) : r.pick(GHOSTS) };
    case 'decimal': return extn('decimal', r.pick(DECIMALS));
    case 'ipaddr': return extn('ip', r.pick(IPS));
    case 'datetime':
      // The two-argument form is how the reference writes a datetime with an offset.
      if (r.chance(0.1)) {
        return { __extn: { fn: 'offset', args: [extn('datetime', r.pick(DATETIMES)), extn('duration', r.pick(DURATIONS.slice(0, 11)))] } };
      }
      return extn('datetime', r.pick(DATETIMES));
    case 'duration': return extn('duration', r.pick(DURATIONS));
    case 'Set': return Array.from({ length: r.int(4) }, () => jsonValue(r, world, t.set));
    case 'Record': return jsonRecord(r, world, t.record, 0.8);
  }
  throw new Error(`unknown type ${JSON.stringify(t)}`);
}

// A record of the given layout, each field present with probability `p`;
// now and then a field holds a value of another type.
export function jsonRecord(r, world, layout, p) {
  const out = {};
  for (const [name, t] of Object.entries(layout)) {
    if (!r.chance(p)) continue;
    out[name] = jsonValue(r, world, r.chance(0.03) ? r.pick(ALL_TYPES) : t);
  }
  return out;
}

function uidsOfType(r, type) {
  const [lo, hi] = COUNTS[type];
  const ids = IDS[type].filter(() => true);
  const out = [];
  for (let n = r.range(lo, hi); n > 0 && ids.length > 0; n--) out.push({ type, id: ids.splice(r.int(ids.length), 1)[0] });
  return out;
}

// Entities in random order; parents only point forward in that order, so the
// hierarchy is a DAG (the reference rejects cycles: see the bad-input stream).
export function makeWorld(r) {
  const world = { uids: [], entities: [], actions: [] };
  for (const type of ENTITY_TYPES) world.uids.push(...uidsOfType(r, type));
  for (let i = world.uids.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [world.uids[i], world.uids[j]] = [world.uids[j], world.uids[i]];
  }
  world.uids.forEach((uid, i) => {
    const later = world.uids.slice(i + 1);
    const parents = later.length > 0 ? r.subset(later, 1.5 / later.length) : [];
    if (r.chance(0.05)) parents.push(r.pick(GHOSTS));
    const entity = { uid, attrs: jsonRecord(r, world, ATTRS, 0.7), parents };
    if (r.chance(0.5)) entity.tags = jsonRecord(r, world, TAGS, 0.6);
    world.entities.push(entity);
  });
  for (const [id, parents] of Object.entries(ACTIONS)) {
    const uid = { type: 'Action', id };
    world.actions.push(uid);
    if (r.chance(0.1)) continue;  // an action the store does not hold
    const attrs = r.chance(0.2) ? jsonRecord(r, world, ATTRS, 0.3) : {};
    world.entities.push({ uid, attrs, parents: parents.map((p) => ({ type: 'Action', id: p })) });
  }
  world.allUids = [...world.uids, ...world.actions];
  return world;
}

export function makeRequest(r, world) {
  const ofType = (...types) => world.uids.filter((u) => types.includes(u.type));
  const pick = (preferred) => r.weighted([[5, preferred.length ? preferred : world.uids], [2, world.uids], [1, GHOSTS]]);
  return {
    principal: r.pick(pick(ofType('User'))),
    action: r.weighted([[8, () => r.pick(world.actions)], [1, () => r.pick(GHOSTS)], [1, () => r.pick(world.uids)]])(),
    resource: r.pick(pick(ofType('Photo', 'Album'))),
    context: jsonRecord(r, world, CONTEXT, 0.7),
  };
}
