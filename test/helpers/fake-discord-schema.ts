/**
 * Discord's OpenAPI spec (../shared/api-specs/discord/openapi.json) turned into route matchers and
 * JSON-Schema validators, so the fake Discord checks every REST request against the vendor's
 * published description instead of against our own idea of it (as openai-schema.ts does for OpenAI).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export const DISCORD_SPEC_PATH = path.resolve(__dirname, '../../../shared/api-specs/discord/openapi.json');

const SPEC_ID = 'discord-openapi';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `#/components/schemas/X` → `#/$defs/X`, for the one document ajv is given. */
function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '#/$defs/') : rewriteRefs(value);
  }
  return out;
}

/** One REST operation of the spec. */
export interface DiscordOperation {
  readonly method: string;
  /** The spec's path template, e.g. `/channels/{channel_id}/messages`. */
  readonly template: string;
  readonly operationId: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  /** The JSON request body's schema, when the operation takes one. */
  readonly jsonBody?: Json;
  readonly bodyRequired: boolean;
  /** The operation needs the bot token (its `security` names only BotToken); interaction callbacks and webhooks do not. */
  readonly botAuth: boolean;
}

interface Loaded {
  readonly ajv: Ajv2020;
  readonly operations: readonly DiscordOperation[];
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(DISCORD_SPEC_PATH, 'utf8')) as JsonObject;
  const components = spec['components'];
  const schemas = isObject(components) ? components['schemas'] : undefined;
  const paths = spec['paths'];
  if (!isObject(schemas) || !isObject(paths)) throw new Error(`${DISCORD_SPEC_PATH}: no components.schemas or paths`);
  const defs: JsonObject = {};
  for (const [name, schema] of Object.entries(schemas)) defs[name] = rewriteRefs(schema);
  // strict: false because OpenAPI adds annotations of its own (x-discord-union, …).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'double', 'snowflake', 'nonce']) ajv.addFormat(format, true);
  ajv.addSchema({ $id: SPEC_ID, $defs: defs });

  const operations: DiscordOperation[] = [];
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const params: string[] = [];
    const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    for (const [method, op] of Object.entries(item)) {
      if (!isObject(op) || method === 'parameters') continue;
      const body = op['requestBody'];
      const content = isObject(body) ? body['content'] : undefined;
      const json = isObject(content) ? content['application/json'] : undefined;
      const security = op['security'];
      operations.push({
        method: method.toUpperCase(),
        template,
        operationId: String(op['operationId'] ?? `${method} ${template}`),
        pattern: new RegExp(`^${source}$`),
        params,
        ...(isObject(json) && json['schema'] !== undefined ? { jsonBody: rewriteRefs(json['schema']) } : {}),
        bodyRequired: isObject(body) && body['required'] === true,
        // `[{}, {BotToken: []}]`: the token is optional (interaction callbacks, webhooks).
        botAuth: Array.isArray(security) && security.length > 0 && security.every((s) => isObject(s) && 'BotToken' in s),
      });
    }
  }
  // Literal segments before templated ones (`/users/@me` before `/users/{user_id}`).
  operations.sort((a, b) => a.params.length - b.params.length);
  loaded = { ajv, operations };
  return loaded;
}

/** The operation a (decoded) request path names, with its path parameters; undefined for a path Discord does not have. */
export function findOperation(
  method: string,
  pathname: string,
): { readonly operation: DiscordOperation; readonly params: Record<string, string> } | 'wrong-method' | undefined {
  let pathMatched = false;
  for (const operation of load().operations) {
    const match = operation.pattern.exec(pathname);
    if (!match) continue;
    pathMatched = true;
    if (operation.method !== method) continue;
    const params: Record<string, string> = {};
    operation.params.forEach((name, i) => (params[name] = match[i + 1] ?? ''));
    return { operation, params };
  }
  return pathMatched ? 'wrong-method' : undefined;
}

const validators = new Map<string, ValidateFunction>();

/**
 * Validates a JSON body against its operation's schema. Properties the schema does not define are
 * refused too (`unevaluatedProperties: false`), as Discord ignores or refuses them: a typo must not pass.
 */
export function checkBody(operation: DiscordOperation, body: unknown): string[] {
  if (operation.jsonBody === undefined) return [];
  const key = `${operation.method} ${operation.template}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = load().ajv.compile({ ...resolveRoot(operation.jsonBody), unevaluatedProperties: false } as never);
    validators.set(key, validate);
  }
  const valid = validate(body) as boolean;
  return valid ? [] : formatErrors((validate.errors ?? []).filter((e) => !IGNORED_EXTRAS.has(String(e.params['unevaluatedProperty'] ?? ''))));
}

/**
 * Fields discord.js sends on every message body, also where the spec does not list them (webhook
 * message edits): Discord ignores them there, so they are the one exception to the closed check.
 */
const IGNORED_EXTRAS = new Set(['tts', 'enforce_nonce']);

/** Refs inside the operation's inline schema point into the loaded spec document. */
function resolveRoot(schema: Json): JsonObject {
  const fix = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(fix);
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `${SPEC_ID}${v}` : fix(v);
    return out;
  };
  const fixed = fix(schema);
  return isObject(fixed) ? fixed : {};
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.slice(0, 12).map((error) => {
    const where = error.instancePath || '(body)';
    const detail = error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : '';
    return `${where}: ${error.message ?? 'invalid'}${detail}`;
  });
}
