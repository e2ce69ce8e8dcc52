// What the console's browser test needs besides the browser: the checks
// every page gets — no console error, no page error, no CSP violation, no
// serious or critical axe-core violation, no horizontal overflow at 360 px
// and 1440 px.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { Failure, expect } from '../server/e2e/client.mjs';

export { Failure, expect };

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Watches every page of a browser context: console errors (and any message
// about the Content Security Policy), uncaught errors, and CSP violations
// (reported by a listener the page cannot remove, installed before any of
// its scripts). Only pages of the console are held to it.
export class Watcher {
  constructor(base) {
    this.base = base;
    this.problems = [];
    this.pages = new Set();
    this.allowed = new Map();
  }

  // Messages a page is expected to log (a page whose session was ended on purpose).
  allow(page, pattern) {
    this.allowed.set(page, pattern);
  }

  async watch(context, who) {
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const onPage = (page) => {
      this.pages.add({ page, who });
      page.on('console', (msg) => {
        const text = msg.text();
        if (msg.type() !== 'error' && !/content.security.policy/i.test(text)) return;
        if (!page.url().startsWith(`${this.base}/console/`)) return;
        // Asking for the session before signing in is answered 401 by
        // design (GET /console/session); the browser logs that load.
        const at = msg.location()?.url ?? '';
        if (at === `${this.base}/console/session` && /status of 401/.test(text)) return;
        if (this.allowed.get(page)?.test(text)) return;
        this.problems.push(`${who} on ${page.url()}: console ${msg.type()}: ${text} (${at})`);
      });
      page.on('pageerror', (e) => this.problems.push(`${who} on ${page.url()}: uncaught ${e.stack ?? e}`));
    };
    context.on('page', onPage);
  }

  check(when) {
    expect(this.problems.length === 0, `${when}: ${this.problems.join('\n  ')}`);
  }
}

// axe-core, injected through the DevTools protocol (the page's CSP forbids
// inline scripts, rightly); serious and critical violations fail.
export async function checkAccessibility(page, label) {
  await page.evaluate(`window.axe || (function () { ${axeSource}\n}).call(window)`);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.length === 0, `${label}: axe-core found ${bad.map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`).join('; ')}`);
  return violations.length;
}

// No horizontal scrolling at either width.
export async function checkWidths(page, label, widths = [360, 1440]) {
  const before = page.viewportSize();
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(50);
    const overflow = await page.evaluate(() => {
      const d = document.documentElement;
      const wide = [...document.querySelectorAll('main *, header *')]
        .filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1)
        .slice(0, 3)
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''}`);
      return { scroll: d.scrollWidth, client: d.clientWidth, wide };
    });
    expect(overflow.scroll <= overflow.client, `${label} at ${width} px: the page is ${overflow.scroll} px wide (${overflow.wide.join(', ')})`);
  }
  await page.setViewportSize(before);
}

export async function screenshot(page, dir, name, { fullPage = true } = {}) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
