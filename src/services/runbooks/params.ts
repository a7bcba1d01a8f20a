import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { InvalidParamsError, ValidationError } from '../../errors.ts';

/*
 * Runbook params are checked against each runbook's JSON Schema (draft 2020-12) with Ajv, the
 * reference validator. Compiled validators are cached per schema text; a catalog has few runbooks.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false });
const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const cache = new Map<string, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(key, validate);
  }
  return validate;
}

/** Fails with the schema's own problems when an admin saves an invalid params schema. */
export function checkParamsSchema(schema: Record<string, unknown>): void {
  try {
    compile(schema);
  } catch (err) {
    throw new ValidationError(`paramsSchema is not a valid JSON Schema: ${(err as Error).message}`, [
      { path: 'paramsSchema', message: (err as Error).message },
    ]);
  }
}

export function validateParams(schema: Record<string, unknown>, params: unknown): Record<string, unknown> {
  const validate = compile(schema);
  if (validate(params)) return params as Record<string, unknown>;
  const issues = (validate.errors ?? []).map((e) => ({
    path: `params${e.instancePath.replace(/\//g, '.')}` + (e.keyword === 'required' ? `.${String(e.params.missingProperty)}` : ''),
    message: e.message ?? 'invalid',
  }));
  throw new InvalidParamsError(`params do not match the runbook's schema: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}
