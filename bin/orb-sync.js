#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// V8 lets its heap grow up to 4× what survived the last full collection before it collects again,
// and a sync's garbage (Orb's responses, each commit's rows) is plenty: a first sync of 1,000
// subscriptions into PostgreSQL peaked at 389 MiB, 217 MiB growing by 20% instead. Set before
// anything is loaded; unlike a heap limit, it costs some CPU but can never fail a run that needs
// more memory.
setFlagsFromString('--heap-growing-percent=20');

const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
