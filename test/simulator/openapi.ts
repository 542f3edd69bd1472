/** Validators for Orb's published OpenAPI schemas, read at test time (see openapi-spec.ts). */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENAPI_SPEC_PATH } from './openapi-spec.js';

const SPEC_ID = 'https://orb.simulator.test/openapi.json';

const spec = JSON.parse(readFileSync(OPENAPI_SPEC_PATH, 'utf8'));
// OpenAPI extensions (discriminator, x-stainless-*) are not JSON Schema keywords: strict off.
const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateSchema: false });
addFormats.default(ajv);
ajv.addSchema({ $id: SPEC_ID, components: spec.components });

/** A function returning the schema violations of a value (empty when it conforms). */
export function validatorFor(name: string): (value: unknown) => string[] {
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  return (value: unknown) => {
    const ok = validate(value);
    return ok ? [] : (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message}`);
  };
}
