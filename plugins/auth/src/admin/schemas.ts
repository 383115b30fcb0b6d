import { Ajv, type ErrorObject, type SchemaObject } from 'ajv';
import { GatewayError } from '@sluice/core';
import { parseCidr } from '../ip.js';
import { parseExpiry } from './expiry.js';

/** JSON bodies of the admin API. Every field has a description: they double as the API reference. */
const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

// Metadata and limits are free-form, but their keys must be storable as MongoDB field names.
const freeForm = (description: string): SchemaObject => ({
  type: 'object',
  description,
  propertyNames: { pattern: '^[^$.][^.]*$', maxLength: 128 },
});
const nullable = (schema: SchemaObject): SchemaObject => ({ anyOf: [schema, { type: 'null' }], description: schema['description'] });
const stringList = (description: string, format?: string): SchemaObject => ({
  type: 'array',
  description,
  maxItems: 1000,
  items: { type: 'string', minLength: 1, maxLength: 256, ...(format ? { format } : {}) },
});

const tenantFields = {
  group: { type: 'string', pattern: NAME, description: 'Group: decides which channels serve the tenant (default "default").' },
  enabled: { type: 'boolean', description: 'A disabled tenant: every key of it answers 401.' },
  limits: nullable(freeForm('Rate-limit and budget settings, read by @sluice/quota.')),
  metadata: freeForm('Free-form data, readable by routing rules as principal.metadata.'),
};

export const createTenantSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: NAME, description: 'Tenant id (letters, digits, ".", "_", "-").' }, ...tenantFields },
};

export const updateTenantSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: tenantFields,
};

const keyFields = {
  name: nullable({ type: 'string', minLength: 1, maxLength: 200, description: 'A label for people.' }),
  enabled: { type: 'boolean', description: 'A disabled key answers 401.' },
  expires: nullable({ type: 'string', format: 'expiry', description: 'ISO 8601 date-time, or a duration from now: "30d", "12h".' }),
  models: nullable(stringList('Model globs the key may use ("gpt-4o*"); null = every model its group may use.')),
  channels: nullable(stringList('Channel names the key is bound to; null = any channel of its group.')),
  ips: nullable(stringList('CIDR allow-list for the caller address ("10.0.0.0/8", "2001:db8::/32"); null = any.', 'cidr')),
  limits: nullable(freeForm('Rate-limit and budget settings of this key, read by @sluice/quota.')),
  metadata: freeForm('Free-form data (merged over the tenant\'s), readable by routing rules.'),
};

export const createKeySchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['tenant'],
  properties: { tenant: { type: 'string', pattern: NAME, description: 'The tenant the key belongs to.' }, ...keyFields },
};

export const updateKeySchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: keyFields,
};

const ajv = new Ajv({ allErrors: false, strict: true, coerceTypes: false, useDefaults: false, allowUnionTypes: true });
ajv.addFormat('expiry', { type: 'string', validate: (value: string) => parseExpiry(value, 0) !== undefined });
ajv.addFormat('cidr', { type: 'string', validate: (value: string) => parseCidr(value) !== undefined });

/** "/models/0" → "models[0]" */
function paramOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1);
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  return segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'unknown field';
    case 'required':
      return 'is required';
    case 'minProperties':
      return 'give at least one field to change';
    case 'format':
      return error.params['format'] === 'cidr' ? 'must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32' : 'must be an ISO 8601 date-time or a duration such as "30d"';
    case 'pattern':
      return error.instancePath.includes('/metadata') || error.instancePath.includes('/limits')
        ? 'keys may not start with "$" or contain "."'
        : 'may contain only letters, digits, ".", "_" and "-" (and start with a letter or digit)';
    default:
      return error.message ?? 'is invalid';
  }
}

/** A validator that throws a 400 naming the field, in the gateway's error shape. */
export function bodyValidator<T>(schema: SchemaObject): (body: unknown) => T {
  const validate = ajv.compile(schema);
  return (body) => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'The request body must be a JSON object.');
    }
    if (!validate(body)) {
      const error = validate.errors?.[0];
      const param = error ? paramOf(error) : '';
      const message = error ? `${param || 'body'}: ${describe(error)}` : 'invalid body';
      throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', message, param ? { param } : {});
    }
    return body as T;
  };
}
