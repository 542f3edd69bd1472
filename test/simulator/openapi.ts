/** Validators for Orb's published OpenAPI schemas, loaded at test time (never copied into the repo). */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SPEC_PATH = '/work/shared/orb-openapi/orb-openapi.json';
const SPEC_ID = 'https://orb.simulator.test/openapi.json';

const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
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
