#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// V8 lets its heap grow up to 4× what survived the last full collection before it collects again,
// and a sync's garbage (Orb's responses, each commit's rows) is plenty: a first sync of 1,000
// subscriptions into PostgreSQL peaked at 389 MiB, 217 MiB growing by 20% instead. Set before
// anything is loaded; unlike a heap limit, it costs some CPU but can never fail a run that needs
// more memory.
setFlagsFromString('--heap-growing-percent=20');
// V8 also grows its young generation from 1 MiB to 16 MiB per semi-space when much of it survives,
// and a sync's responses and commits do: the heap held 30-35 MiB more than at 1 MiB, memory that
// DuckDB, in the same process, then lacks. Kept at 1 MiB it cost about 4% more CPU in a first sync
// of 1,000 subscriptions. (--max-semi-space-size acts only on node's command line, which refuses
// a growth factor below 2; set at run time, the factor is read at each growth.)
setFlagsFromString('--semi-space-growth-factor=1');

// DuckDB allocates through its own jemalloc, which gives each of the threads that call into it
// (libuv's workers, DuckDB's own) an arena of its own that keeps freed pages for reuse. One arena
// for all of them: a full model build of 1,000 subscriptions peaked at 232 MiB, not 257, in the
// same time. jemalloc reads this when DuckDB's library loads, which is after this line.
process.env.DUCKDB_JE_MALLOC_CONF ??= 'narenas:1';

// glibc's own thresholds for giving memory back, held before DuckDB loads and the sync allocates.
const { holdMallocThresholds } = await import('../dist/util/malloc-thresholds.js');
await holdMallocThresholds();

const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
