/** mallopt's parameters (glibc's malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
/** glibc's own starting value of both thresholds. */
const DEFAULT_THRESHOLD = 128 * 1024;

/**
 * Holds glibc's mmap and trim thresholds at their starting 128 KiB, as MALLOC_MMAP_THRESHOLD_ and
 * MALLOC_TRIM_THRESHOLD_ would from the process's start. Left to itself, glibc raises both each
 * time a block it had mapped on its own is freed (V8's compiler, undici's WebAssembly parser and
 * DuckDB's checkpoints free blocks of 1-4 MB), and each thread's arena then keeps up to twice that
 * free instead of returning it: a first sync of 1,000 subscriptions into DuckDB peaked at 257-259
 * MiB with the thresholds held, 284-288 without. glibc reads those variables only as a process
 * starts, which is why this calls mallopt through an FFI. It does nothing where the user set
 * either variable (glibc honoured it already), off Linux, or without glibc (musl: no libc.so.6).
 * Returns whether the thresholds are held.
 */
export async function holdMallocThresholds(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (process.platform !== 'linux' || env.MALLOC_MMAP_THRESHOLD_ !== undefined || env.MALLOC_TRIM_THRESHOLD_ !== undefined) return false;
  try {
    const { default: koffi } = await import('koffi');
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int param, int value)') as (param: number, value: number) => number;
    // Either call fixes both thresholds for good (glibc stops adjusting them); both set the values.
    return mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD) === 1 && mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD) === 1;
  } catch {
    // No prebuilt FFI for this platform, or no glibc: memory is then as without this call.
    return false;
  }
}
