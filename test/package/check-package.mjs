#!/usr/bin/env node
/**
 * Checks the package as a user gets it: packs the built repository (`npm run build` first), installs
 * the tarball into a fresh project, type-checks a TypeScript file that imports `orb-sync/simulator`
 * with the repository's own compiler, runs it (it starts the simulator and reads one page of
 * subscriptions) and runs the installed `orb-sync --version`. Temp dirs are removed either way;
 * any failure exits 1 with one line naming the step.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO = join(import.meta.dirname, '../..');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const run = promisify(execFile);

// Uses only the package's public subpath. The @ts-expect-error line proves the types are the
// package's own: were the import typed `any`, the directive would be unused, which is an error.
const CONSUMER = `import { createSimulator, type Simulator, type SimulatorOptions } from 'orb-sync/simulator';

// @ts-expect-error seed is a number
export const wrongOptions: SimulatorOptions = { seed: 'one' };

const simulator: Simulator = createSimulator({ seed: 7, customers: 3, subscriptions: 5, days: 10, apiKey: 'package-check' });
const baseUrl = await simulator.listen();
try {
  const response = await fetch(\`\${baseUrl}/v1/subscriptions?limit=2\`, { headers: { authorization: 'Bearer package-check' } });
  const page = (await response.json()) as { data?: Array<{ id: string }> };
  if (response.status !== 200 || !page.data?.length) {
    throw new Error(\`GET /v1/subscriptions answered \${response.status}: \${JSON.stringify(page).slice(0, 200)}\`);
  }
  console.log(\`served \${page.data.length} subscriptions\`);
} finally {
  await simulator.close();
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    outDir: 'out',
    // Node's own types (fetch, console) from the repository, so the check installs nothing else.
    typeRoots: [join(REPO, 'node_modules/@types')],
    types: ['node'],
  },
  files: ['consumer.ts'],
};

/** Runs one step; on failure, throws one line naming the step and the command's last output line. */
async function step(name, file, args, cwd) {
  try {
    return (await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const output = `${error.stdout ?? ''}\n${error.stderr ?? ''}`.trim().split('\n');
    const detail = output.filter((line) => line.trim() !== '').slice(-3).join(' | ') || error.message;
    throw new Error(`${name} failed: ${detail}`);
  }
}

const started = performance.now();
const temp = mkdtempSync(join(tmpdir(), 'orb-sync-package-'));
try {
  const [packed] = JSON.parse(await step('npm pack', 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', temp], REPO));
  const project = join(temp, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'orb-sync-package-check', private: true, type: 'module' }));
  await step('npm install of the tarball', 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(temp, packed.filename)], project);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
  await step("type-checking an import of 'orb-sync/simulator'", process.execPath, [TSC, '-p', project], project);
  const served = await step('running the simulator from the package', process.execPath, [join(project, 'out/consumer.js')], project);
  const installedVersion = await step('the installed orb-sync --version', join(project, 'node_modules/.bin/orb-sync'), ['--version'], project);
  if (installedVersion.trim() !== version) throw new Error(`the installed orb-sync --version printed ${JSON.stringify(installedVersion.trim())}, not ${version}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`check-package: ${packed.filename} installs, type-checks 'orb-sync/simulator', ${served.trim()}, and runs orb-sync ${version} (${seconds}s)`);
} catch (error) {
  console.error(`check-package: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(temp, { recursive: true, force: true });
}
