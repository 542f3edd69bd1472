/**
 * Preloaded with `node --import` by the CLI tests: appends the URL of every module the process
 * imports to the file named by $IMPORT_LOG, so a test can tell what a command loaded.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Module hooks run in their own thread, which loads this file again.
if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.IMPORT_LOG, `${resolved.url}\n`);
  return resolved;
}
