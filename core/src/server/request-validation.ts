import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { GatewayError } from '../errors.js';
import { formatPath, pointerToSegments } from '../config/validate.js';

/** Compiles a surface's request schemas once; validation errors become 400s naming the parameter at fault. */
export function createRequestValidator(schema: SchemaObject): (body: unknown) => void {
  const ajv = new Ajv({ allErrors: false, strict: false, allowUnionTypes: true });
  const validate: ValidateFunction = ajv.compile(schema);
  return (body) => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'The request body must be a JSON object.');
    }
    if (!validate(body)) throw toRequestError(validate.errors?.[0]);
  };
}

function toRequestError(error: ErrorObject | undefined): GatewayError {
  if (!error) return new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'Invalid request body.');
  const segments = pointerToSegments(error.instancePath);
  if (error.keyword === 'required') {
    const param = formatPath([...segments, String(error.params['missingProperty'])]);
    return new GatewayError('SLUICE_ERR_INVALID_REQUEST', `Missing required parameter: '${param}'.`, { param });
  }
  const param = formatPath(segments);
  const detail =
    error.keyword === 'type'
      ? `expected ${String(error.params['type']).replace(',', ' or ')}`
      : error.keyword === 'enum'
        ? `expected one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
        : (error.message ?? 'invalid');
  return new GatewayError('SLUICE_ERR_INVALID_REQUEST', `Invalid value for '${param}': ${detail}.`, { param });
}

/** Parses a JSON request body (any content type: curl -d sends form encoding by default). */
export function parseJsonBody(payload: unknown): unknown {
  const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : typeof payload === 'string' ? payload : '';
  if (text.trim() === '') throw new GatewayError('SLUICE_ERR_INVALID_JSON', 'The request body is empty; expected a JSON object.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError('SLUICE_ERR_INVALID_JSON', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
