#!/usr/bin/env node
// Builds the web console into web/dist: one JavaScript bundle and one style
// sheet with content-hashed names (esbuild, minified), and index.html that
// references them. `mandate serve` embeds web/dist at build time and serves it
// under /console/ (scripts/build.sh runs this before the C++ build).
//
// usage: node web/build.mjs            (npm run build:web)
// Prints each file's size and gzip size, and the first load's total.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, 'dist');
const PREFIX = '/console/';
// The first load must stay small (the issue asks for under 150 KB compressed).
const BUDGET_GZIP = 150 * 1024;

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { console: join(web, 'src/main.js'), style: join(web, 'src/console.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  // Under assets/: content-hashed, so the server lets browsers keep them for good.
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => relative(join(dist), join(process.cwd(), p)));
const script = outputs.find((p) => p.endsWith('.js'));
const style = outputs.find((p) => p.endsWith('.css'));
if (!script || !style) throw new Error(`web/build.mjs: esbuild produced ${outputs.join(', ')}`);

// The icon is copied under a hashed name too, so it can be cached for good as well.
const icon = readFileSync(join(web, 'src/icon.svg'));
const iconName = `assets/icon-${createHash('sha256').update(icon).digest('hex').slice(0, 8)}.svg`;
copyFileSync(join(web, 'src/icon.svg'), join(dist, iconName));

const html = readFileSync(join(web, 'src/index.html'), 'utf8')
  .replaceAll('%SCRIPT%', PREFIX + script)
  .replaceAll('%STYLE%', PREFIX + style)
  .replaceAll('%ICON%', PREFIX + iconName);
if (html.includes('%')) throw new Error('web/build.mjs: a placeholder was left in index.html');
writeFileSync(join(dist, 'index.html'), html);

let total = 0;
const rows = [];
for (const file of ['index.html', script, style]) {
  const bytes = readFileSync(join(dist, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  rows.push(`  ${basename(file).padEnd(28)} ${String(bytes.length).padStart(7)} B  ${String(gz).padStart(6)} B gzip`);
}
console.log(`web/dist: first load (index.html + script + style)\n${rows.join('\n')}\n  total ${total} B gzip (${(total / 1024).toFixed(1)} KB)`);
if (total > BUDGET_GZIP) {
  console.error(`web/build.mjs: the first load is ${total} B gzip, over the budget of ${BUDGET_GZIP} B`);
  process.exit(1);
}
