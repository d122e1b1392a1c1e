/**
 * The license file (docs/license.md): a JSON object with exactly two fields,
 *
 * ```json
 * { "payload": { "licensee": "Example Corp", "issued": "2026-12-01T00:00:00Z",
 *                "expires": "2027-12-01T00:00:00Z", "entitlements": ["gateway"] },
 *   "signature": "<base64 of the 64-byte Ed25519 signature>" }
 * ```
 *
 * The signature covers {@link signedBytes}: a fixed prefix, then the payload
 * in canonical form, so that re-indenting the file keeps it valid while
 * changing any value breaks it.
 */

/** What a license grants: who, from when, until when, and what. */
export interface LicensePayload {
  readonly licensee: string;
  /** When it was issued (informative: a license is not refused for a future `issued`). */
  readonly issued: string;
  /** The instant it stops being valid, `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly expires: string;
  readonly entitlements: readonly string[];
}

/** A license file as read: its payload and the signature's 64 bytes. */
export interface LicenseFile {
  readonly payload: LicensePayload;
  readonly signature: Buffer;
}

/** Why a license file's content is not a license: the message says which field and why. */
export class LicenseFormatError extends Error {}

/**
 * Put before the canonical payload in what is signed, so that a signature the
 * issuer's key made over some other document never verifies as a license.
 */
export const SIGNATURE_CONTEXT = 'mcpgw-license-v1\n';

/** Timestamps in a license: UTC, to the second. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** An entitlement: a lowercase word (`gateway`, `stdio`, `sso.okta`). */
const ENTITLEMENT = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PAYLOAD_FIELDS = ['licensee', 'issued', 'expires', 'entitlements'] as const;
const FILE_FIELDS = ['payload', 'signature'] as const;
/** Standard base64 of 64 bytes: 86 characters and `==`. */
const SIGNATURE = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

/**
 * The bytes an Ed25519 signature covers: {@link SIGNATURE_CONTEXT}, then the
 * payload as JSON with its keys sorted (`entitlements`, `expires`, `issued`,
 * `licensee`), no whitespace, strings escaped as `JSON.stringify` does (the
 * JSON Canonicalization Scheme, RFC 8785, for a document of strings), all in
 * UTF-8.
 *
 * ```ts
 * signedBytes({ licensee: 'A', issued: '2026-01-01T00:00:00Z', expires: '2027-01-01T00:00:00Z', entitlements: [] }).toString();
 * // 'mcpgw-license-v1\n{"entitlements":[],"expires":"2027-01-01T00:00:00Z","issued":"2026-01-01T00:00:00Z","licensee":"A"}'
 * ```
 */
export function signedBytes(payload: LicensePayload): Buffer {
  const { entitlements, expires, issued, licensee } = payload;
  return Buffer.from(SIGNATURE_CONTEXT + JSON.stringify({ entitlements, expires, issued, licensee }), 'utf8');
}

/** The file's text: the payload's fields in their usual order, two-space indent, a final newline. */
export function formatLicenseFile(payload: LicensePayload, signature: Buffer): string {
  const { licensee, issued, expires, entitlements } = payload;
  return `${JSON.stringify({ payload: { licensee, issued, expires, entitlements }, signature: signature.toString('base64') }, null, 2)}\n`;
}

/**
 * Reads a license file's text. Throws {@link LicenseFormatError} naming the
 * first problem: not JSON, a missing, unknown or ill-typed field, a date that
 * does not exist, a signature that is not 64 bytes of base64.
 */
export function parseLicenseFile(text: string): LicenseFile {
  let raw: unknown;
  try {
    // A byte order mark, as some Windows editors save: not part of the JSON.
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new LicenseFormatError(`not JSON: ${(error as Error).message}`);
  }
  const file = closedObject(raw, FILE_FIELDS, 'the file');
  const fields = closedObject(file['payload'], PAYLOAD_FIELDS, '"payload"');
  const payload: LicensePayload = {
    licensee: licenseeOf(fields['licensee']),
    issued: timestampOf(fields['issued'], 'issued'),
    expires: timestampOf(fields['expires'], 'expires'),
    entitlements: entitlementsOf(fields['entitlements']),
  };
  const signature = file['signature'];
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
    throw new LicenseFormatError('"signature" must be the base64 of a 64-byte Ed25519 signature');
  }
  return { payload, signature: Buffer.from(signature, 'base64') };
}

/** `value` as an object with exactly the `fields` named. */
function closedObject(value: unknown, fields: readonly string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LicenseFormatError(`${what} must be a JSON object`);
  const object = value as Record<string, unknown>;
  const unknown = Object.keys(object).find((key) => !fields.includes(key));
  if (unknown !== undefined) throw new LicenseFormatError(`${what} has an unknown field ${JSON.stringify(unknown)}`);
  const missing = fields.find((field) => !Object.hasOwn(object, field));
  if (missing !== undefined) throw new LicenseFormatError(`${what} has no ${JSON.stringify(missing)}`);
  return object;
}

/** A licensee name: one line of printable text, 1 to 200 characters. */
export function licenseeOf(value: unknown): string {
  // \p{Cs} matches a lone surrogate only: it has no UTF-8 form, so no canonical bytes either.
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200 || /[\p{Cc}\p{Cs}]/u.test(value)) {
    throw new LicenseFormatError('"licensee" must be a name of 1 to 200 characters, without control characters');
  }
  return value;
}

function timestampOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isLicenseTimestamp(value)) {
    throw new LicenseFormatError(`${JSON.stringify(field)} must be a UTC time such as "2027-01-31T00:00:00Z" (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Whether `text` is a license timestamp, `YYYY-MM-DDTHH:MM:SSZ`, of a real instant (not February 30th, not 25:00). */
export function isLicenseTimestamp(text: string): boolean {
  const date = new Date(text);
  return TIMESTAMP.test(text) && !Number.isNaN(date.getTime()) && date.toISOString().replace('.000Z', 'Z') === text;
}

/** A list of distinct entitlement words (`[]` grants nothing in particular). */
export function entitlementsOf(value: unknown): string[] {
  if (!Array.isArray(value)) throw new LicenseFormatError('"entitlements" must be a list of names');
  for (const item of value) {
    if (typeof item !== 'string' || !ENTITLEMENT.test(item)) {
      throw new LicenseFormatError(`"entitlements" holds ${JSON.stringify(item)}: each must be lowercase letters, digits, ".", "_" or "-" (at most 64)`);
    }
  }
  const repeated = value.find((item, index) => value.indexOf(item) !== index);
  if (repeated !== undefined) throw new LicenseFormatError(`"entitlements" lists ${JSON.stringify(repeated)} twice`);
  return value as string[];
}

