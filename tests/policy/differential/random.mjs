// A small seeded PRNG (sfc32, seeded through splitmix32) so that a seed and a
// case index reproduce the same case on any machine and Node version.

function splitmix32(state) {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Random {
  // Each (seed, stream) pair is an independent sequence: a case is
  // reproducible from its own index, without generating the ones before it.
  constructor(seed, stream = 0) {
    let s = splitmix32(seed ^ Math.imul(stream + 1, 0x27d4eb2d));
    this.a = (s = splitmix32(s));
    this.b = (s = splitmix32(s));
    this.c = (s = splitmix32(s));
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  next() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n) { return Math.floor(this.next() * n); }          // 0 .. n-1
  range(lo, hi) { return lo + this.int(hi - lo + 1); }     // lo .. hi
  chance(p) { return this.next() < p; }
  pick(items) { return items[this.int(items.length)]; }
  // `choices` is [[weight, value], ...]; returns a value.
  weighted(choices) {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [w, v] of choices) {
      if ((x -= w) < 0) return v;
    }
    return choices[choices.length - 1][1];
  }
  subset(items, p) { return items.filter(() => this.chance(p)); }
}
