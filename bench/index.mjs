// `npm run bench [-- NAME…]`: runs the benchmarks one after another (never two at once: they
// would time each other) and writes each one's section of BENCHMARKS.md, between markers, so a
// single benchmark can be run again without losing the others' figures.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const BENCHMARKS = ['rate-limits', 'scale', 'load-path', 'incremental', 'model-build', 'money-width', 'simulator-scale'];
const FILE = join(ROOT, 'BENCHMARKS.md');
const HEADER = `# Benchmarks

Written by \`npm run bench\` (all of them) or \`npm run bench -- NAME…\` (some: ${BENCHMARKS.join(', ')}), on the
project's 2-core, 24 GiB machines, which are shared and noisy: the claims are ratios measured side by
side in one run, not absolute times. Each section gives the command that produced it and its date.
`;

const chosen = process.argv.slice(2);
for (const name of chosen) if (!BENCHMARKS.includes(name)) throw new Error(`no benchmark ${name}; there are: ${BENCHMARKS.join(', ')}`);

for (const name of chosen.length > 0 ? chosen : BENCHMARKS) {
  console.error(`bench: ${name}…`);
  const run = spawnSync(process.execPath, [join(ROOT, 'bench', `${name}.mjs`)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) {
    console.error(`bench: ${name} failed (exit ${run.status}); BENCHMARKS.md keeps its previous figures`);
    process.exitCode = 1;
    continue;
  }
  writeSection(name, run.stdout.trim());
  console.error(`bench: ${name} written to BENCHMARKS.md`);
}

/** Replaces (or adds, in the order of BENCHMARKS) the section of `name`. */
function writeSection(name, text) {
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const sections = new Map();
  for (const match of current.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g)) sections.set(match[1], match[2]);
  sections.set(name, text);
  const body = BENCHMARKS.filter((key) => sections.has(key)).map((key) => `<!-- bench:${key} -->\n${sections.get(key)}\n<!-- /bench:${key} -->`);
  writeFileSync(FILE, `${HEADER}\n${body.join('\n\n')}\n`);
}
