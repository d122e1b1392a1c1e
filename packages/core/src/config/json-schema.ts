import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';

/**
 * Keywords of our own in {@link ConfigSchema}: messages for `mcpgw validate`.
 * JSON Schema does not know them, so they stay out of the printed schema
 * (Ajv's strict mode refuses unknown keywords).
 */
const OWN_KEYWORDS: ReadonlySet<string> = new Set(['errorMessage', 'patternErrorMessage', 'keyErrorMessage']);

/**
 * The JSON Schema (draft-07) of `mcpgw.yaml`, for editors
 * (`# yaml-language-server: $schema=./mcpgw.schema.json`) and for
 * `mcpgw schema`: {@link ConfigSchema} itself, the very schema parseConfig
 * checks a file against, as plain JSON with standard keywords only and no
 * references. What it cannot say — unique names, references to upstreams,
 * patterns RE2 refuses — `mcpgw validate` checks besides.
 */
export function configJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ConfigSchema as TSchema), (key, value: unknown) => (OWN_KEYWORDS.has(key) ? undefined : value)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...plain };
}
