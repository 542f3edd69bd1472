/**
 * Where the conformance suite reads Orb's published OpenAPI spec, which is never copied into this repo:
 * $ORB_OPENAPI_SPEC, else ../shared/orb-openapi/orb-openapi.json beside the repository (both resolved
 * from the repository root).
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export const OPENAPI_SPEC_PATH = resolve(REPO_ROOT, process.env.ORB_OPENAPI_SPEC || '../shared/orb-openapi/orb-openapi.json');

/** Ends the process with one line when the spec cannot be read: conformance never passes by skipping. */
export function exitUnlessSpecReadable(): void {
  try {
    accessSync(OPENAPI_SPEC_PATH, constants.R_OK);
  } catch {
    process.stderr.write(`test:conformance: cannot read Orb's OpenAPI spec at ${OPENAPI_SPEC_PATH}; set ORB_OPENAPI_SPEC to its path\n`);
    process.exit(1);
  }
}
