import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const MODULE = pathToFileURL(join(ROOT, 'dist/util/malloc-thresholds.js')).href;

/**
 * In a new process (glibc's thresholds are per process): holds them or not, frees an 8 MiB block
 * glibc mapped on its own, which raises a threshold left to itself to 8 MiB, then asks glibc's
 * mallinfo2 whether a 1 MiB block is mapped on its own, as it is under a 128 KiB threshold (and
 * so given back to the system when freed).
 */
const PROBE = `
import koffi from 'koffi';
import { holdMallocThresholds } from '${MODULE}';
const held = process.argv[1] === 'hold' ? await holdMallocThresholds() : false;
const libc = koffi.load('libc.so.6');
const malloc = libc.func('void *malloc(size_t size)');
const free = libc.func('void free(void *ptr)');
const fields = ['arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost'];
const mallinfo2 = libc.func('mallinfo2', koffi.struct(Object.fromEntries(fields.map((f) => [f, 'size_t']))), []);
free(malloc(8 << 20));
const before = Number(mallinfo2().hblkhd);
const block = malloc(1 << 20);
const mapped = Number(mallinfo2().hblkhd) - before >= 1 << 20;
free(block);
console.log(JSON.stringify({ held, mapped }));
`;

function probe(mode: 'hold' | 'leave', env: Record<string, string> = {}): { held: boolean; mapped: boolean } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, mode], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout);
}

// The project's machines and CI run Linux with glibc; the probe needs its mallinfo2 (glibc 2.33+).
describe('holdMallocThresholds', () => {
  it('left alone, glibc raises its threshold past a freed 8 MiB block, and a 1 MiB block then stays in its arena', () => {
    expect(probe('leave')).toEqual({ held: false, mapped: false });
  });

  it('held, a 1 MiB block is still mapped on its own after that free, as at the start', () => {
    expect(probe('hold')).toEqual({ held: true, mapped: true });
  });

  it('leaves a threshold the user set in the environment as it is', () => {
    // 2 MiB: had it been set to 128 KiB here, the 1 MiB block would be mapped.
    expect(probe('hold', { MALLOC_MMAP_THRESHOLD_: String(2 << 20) })).toEqual({ held: false, mapped: false });
    // Setting either one stops glibc raising both, so the mapping tells nothing here.
    expect(probe('hold', { MALLOC_TRIM_THRESHOLD_: String(2 << 20) }).held).toBe(false);
  });
});
