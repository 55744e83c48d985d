/**
 * The OpenAI OpenAPI spec (in ../shared/api-specs) turned into JSON-Schema validators, so the fake
 * OpenAI server can check every request it receives, and its own responses, against the vendor's
 * published schemas instead of against our own idea of the protocol.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const OPENAI_SPEC_PATH = path.resolve(__dirname, '../../../shared/api-specs/openai/openapi.yaml');

const SPEC_ID = 'openai-openapi';

/** Schema names of the operations the fake serves. */
export type OpenAISchemaName =
  | 'CreateChatCompletionRequest'
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'CreateEmbeddingRequest'
  | 'CreateEmbeddingResponse'
  | 'ListModelsResponse'
  | 'ErrorResponse'
  | 'CreateFileRequest'
  | 'OpenAIFile'
  | 'CreateFineTuningJobRequest'
  | 'FineTuningJob'
  | 'ListFineTuningJobEventsResponse'
  | 'ListFineTuningJobCheckpointsResponse'
  | 'ChatCompletionRequestSystemMessage'
  | 'ChatCompletionRequestUserMessage'
  | 'FineTuneChatCompletionRequestAssistantMessage';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rewrites one component schema (recursively) into plain JSON Schema 2020-12:
 * - `#/components/schemas/X` refs point into the `$defs` of the document ajv is given;
 * - OpenAPI 3.0's `nullable: true`, still used in places in this 3.1 file, becomes a real null type
 *   (ajv's own `nullable` support refuses it next to `$ref`, which the spec does);
 * - draft 2019's `$recursiveRef: "#"` (unknown to 2020-12) points back at its own component;
 * - OpenAPI 3.0's boolean `exclusiveMinimum: true` (the fine-tuning hyperparameters use it) becomes
 *   2020-12's numeric form, `exclusiveMinimum: <minimum>`.
 */
function toJsonSchema(node: Json, componentName: string): Json {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, componentName));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace('#/components/schemas/', '#/$defs/');
    } else if (key === '$recursiveRef' && value === '#') {
      out['$ref'] = `#/$defs/${componentName}`;
    } else if (key === '$recursiveAnchor' && typeof value === 'boolean') {
    } else {
      out[key] = toJsonSchema(value, componentName);
    }
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
  if (out['nullable'] !== true) return out;
  delete out['nullable'];
  const type = out['type'];
  if (typeof type === 'string' || Array.isArray(type)) {
    const types = Array.isArray(type) ? type : [type];
    if (!types.includes('null')) out['type'] = [...types, 'null'];
    const enumValues = out['enum'];
    if (Array.isArray(enumValues) && !enumValues.includes(null)) out['enum'] = [...enumValues, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function getAjv(): Ajv2020 {
  if (ajv) return ajv;
  const spec = parse(readFileSync(OPENAI_SPEC_PATH, 'utf8')) as JsonObject;
  const components = spec['components'];
  const schemas = isObject(components) ? components['schemas'] : undefined;
  if (!isObject(schemas)) throw new Error(`${OPENAI_SPEC_PATH}: no components.schemas`);
  const defs: JsonObject = {};
  for (const [name, schema] of Object.entries(schemas)) defs[name] = toJsonSchema(schema, name);

  // strict: false because OpenAPI adds its own keywords (discriminator, example, x-…); they are
  // annotations, not constraints. The spec is not meta-validated: it is the vendor's, not ours.
  const instance = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(instance);
  // OpenAPI formats with no JSON Schema meaning: accept any value of the declared type.
  for (const format of ['unixtime', 'double', 'float', 'int32', 'int64', 'binary', 'byte']) {
    instance.addFormat(format, true);
  }
  instance.addSchema({ $id: SPEC_ID, $defs: defs });
  ajv = instance;
  return instance;
}

export interface SchemaCheck {
  readonly valid: boolean;
  /** One line per problem, e.g. `/messages/0/role: must be equal to one of the allowed values`. */
  readonly errors: string[];
}

/**
 * Validates `value` against a component schema. `closed` also rejects top-level properties the
 * schema does not define, as the real API does for request bodies ("Unrecognized request argument").
 */
export function checkOpenAISchema(name: OpenAISchemaName, value: unknown, options: { closed?: boolean } = {}): SchemaCheck {
  const key = `${name}:${options.closed ? 'closed' : 'open'}`;
  let validate = compiled.get(key);
  if (!validate) {
    const instance = getAjv();
    validate = instance.compile({
      $ref: `${SPEC_ID}#/$defs/${name}`,
      ...(options.closed ? { unevaluatedProperties: false } : {}),
    });
    compiled.set(key, validate);
  }
  const valid = validate(value) as boolean;
  return { valid, errors: valid ? [] : formatErrors(validate.errors ?? []) };
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((error) => {
    const where = error.instancePath || '(body)';
    const detail = error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : '';
    return `${where}: ${error.message ?? 'invalid'}${detail}`;
  });
}
