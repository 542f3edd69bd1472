// Preloaded into an orb-sync process by the benchmarks (node --import): as the process exits,
// writes its peak resident memory (VmHWM: the whole process, so DuckDB inside it counts) and CPU
// time to $BENCH_PEAK_FILE.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_PEAK_FILE;
if (file) {
  process.on('exit', () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        vmHwmKiB: kib('VmHWM'),
        vmRssKiB: kib('VmRSS'),
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        heapUsedMiB: process.memoryUsage().heapUsed / 1048576,
      }),
    );
  });
}
