// The license file's format (docs/license.md): what the signature covers,
// what re-formatting keeps and what any changed value breaks, which content
// is refused and with what words. Keys come from openssl, as the docs say;
// one license is signed by openssl itself over the documented bytes.

import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatLicenseFile, parseLicenseFile, signedBytes } from '../../packages/cli/dist/license/license-file.js';
import { judgeLicense, readLicense } from '../../packages/cli/dist/license/license-status.js';
import { tempDir } from '../daemon/harness.js';
import { opensslKeyPair } from './license-fixtures.js';

const PAYLOAD = { licensee: 'Example Corp', issued: '2026-12-01T00:00:00Z', expires: '2027-12-01T00:00:00Z', entitlements: ['gateway', 'stdio'] };
const NOW = new Date('2027-01-01T00:00:00Z');

let dir: string;
let keys: { privateKey: string; publicKey: string };
beforeAll(() => {
  dir = tempDir('mcpgw-license-');
  keys = opensslKeyPair(dir);
});

function signedFile(payload: typeof PAYLOAD = PAYLOAD): string {
  return formatLicenseFile(payload, sign(null, signedBytes(payload), createPrivateKey(readFileSync(keys.privateKey))));
}

/** The status of a license file's text under the openssl public key. */
function statusOf(text: string, name = 'license.json'): string {
  writeFileSync(join(dir, name), text);
  return judgeLicense(readLicense(join(dir, name), keys.publicKey, dir), NOW).status;
}

describe('the license file', () => {
  it('signs the context line, then the payload with sorted keys and no whitespace, in UTF-8', () => {
    const bytes = signedBytes({ ...PAYLOAD, licensee: 'Société Générale "SG"' });
    expect(bytes.toString('utf8')).toBe(
      'mcpgw-license-v1\n{"entitlements":["gateway","stdio"],"expires":"2027-12-01T00:00:00Z","issued":"2026-12-01T00:00:00Z","licensee":"Société Générale \\"SG\\""}',
    );
    // é is two bytes in UTF-8.
    expect(bytes.includes(Buffer.from([0xc3, 0xa9]))).toBe(true);
  });

  it('verifies a license openssl signed over the documented bytes: the format is defined, not an accident of this code', () => {
    const message = join(dir, 'message');
    writeFileSync(message, signedBytes(PAYLOAD));
    const signature = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', keys.privateKey, '-rawin', '-in', message]);
    expect(signature).toHaveLength(64);
    expect(statusOf(JSON.stringify({ payload: PAYLOAD, signature: signature.toString('base64') }))).toBe('valid');
  });

  it('stays valid re-indented, on one line, or with its keys in another order', () => {
    const text = signedFile();
    expect(statusOf(text)).toBe('valid');
    const parsed = JSON.parse(text) as { payload: Record<string, unknown>; signature: string };
    expect(statusOf(JSON.stringify(parsed))).toBe('valid');
    expect(statusOf(JSON.stringify(parsed, null, '\t'))).toBe('valid');
    expect(statusOf(`\uFEFF${text.replaceAll('\n', '\r\n')}`), 'saved by a Windows editor').toBe('valid');
    const { licensee, issued, expires, entitlements } = parsed.payload;
    expect(statusOf(JSON.stringify({ signature: parsed.signature, payload: { entitlements, expires, issued, licensee } }, null, 4))).toBe('valid');
  });

  it('has an invalid signature once any value changes, the order of entitlements included', () => {
    const text = signedFile();
    const changed = [
      text.replace('Example Corp', 'Example Corq'),
      text.replace('2027-12-01T00:00:00Z', '2028-12-01T00:00:00Z'),
      text.replace('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'),
      text.replace('"gateway",\n      "stdio"', '"stdio",\n      "gateway"'),
      text.replace('"stdio"', '"stdio",\n      "sso"'),
    ];
    for (const variant of changed) {
      expect(variant).not.toBe(text);
      expect(statusOf(variant), variant).toBe('invalid signature');
    }
  });

  it('refuses unknown and ill-typed fields, saying which', () => {
    const file = JSON.parse(signedFile()) as { payload: Record<string, unknown>; signature: string };
    const cases: Array<[unknown, string]> = [
      ['not json', 'not JSON: '],
      [[], 'the file must be a JSON object'],
      [{ ...file, comment: 'x' }, 'the file has an unknown field "comment"'],
      [{ payload: file.payload }, 'the file has no "signature"'],
      [{ ...file, payload: { ...file.payload, seats: 10 } }, '"payload" has an unknown field "seats"'],
      [{ ...file, payload: { ...file.payload, licensee: 42 } }, '"licensee" must be a name of 1 to 200 characters, without control characters'],
      [{ ...file, payload: { ...file.payload, licensee: 'a\nb' } }, '"licensee" must be a name of 1 to 200 characters, without control characters'],
      [{ ...file, payload: { ...file.payload, expires: '2027-12-01' } }, '"expires" must be a UTC time such as "2027-01-31T00:00:00Z" (got "2027-12-01")'],
      [{ ...file, payload: { ...file.payload, expires: '2027-02-30T00:00:00Z' } }, '"expires" must be a UTC time such as "2027-01-31T00:00:00Z" (got "2027-02-30T00:00:00Z")'],
      [{ ...file, payload: { ...file.payload, issued: 1700000000 } }, '"issued" must be a UTC time such as "2027-01-31T00:00:00Z" (got 1700000000)'],
      [{ ...file, payload: { ...file.payload, entitlements: 'gateway' } }, '"entitlements" must be a list of names'],
      [{ ...file, payload: { ...file.payload, entitlements: ['Gateway'] } }, '"entitlements" holds "Gateway": each must be lowercase letters, digits, ".", "_" or "-" (at most 64)'],
      [{ ...file, payload: { ...file.payload, entitlements: ['a', 'a'] } }, '"entitlements" lists "a" twice'],
      [{ ...file, signature: file.signature.slice(4) }, '"signature" must be the base64 of a 64-byte Ed25519 signature'],
      // The same 64 bytes, spelled with unused bits set: base64 that is not canonical is refused.
      [{ ...file, signature: `${file.signature.slice(0, 85)}${String.fromCharCode(file.signature.charCodeAt(85) + 1)}==` }, '"signature" must be the base64 of a 64-byte Ed25519 signature'],
    ];
    for (const [content, message] of cases) {
      const text = typeof content === 'string' ? content : JSON.stringify(content);
      expect(() => parseLicenseFile(text), text).toThrow(message);
      const report = judgeLicense(readLicense(writeLicense(text), keys.publicKey, dir), NOW);
      expect(report.status).toBe('unreadable');
      expect(report.reason).toContain(message);
    }
  });

  it('reports a key that cannot be used as unreadable, in words', () => {
    const path = writeLicense(signedFile());
    const rsa = join(dir, 'rsa.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', rsa], { stdio: 'ignore' });
    const rsaPublic = execFileSync('openssl', ['pkey', '-in', rsa, '-pubout']).toString();
    const cases: Array<[string, string]> = [
      ['missing.pem', `cannot read license.public_key ${join(dir, 'missing.pem')}: no such file`],
      [keys.privateKey, `license.public_key ${keys.privateKey} is a private key; give its public half (openssl pkey -in private.pem -pubout -out public.pem)`],
      [rsaPublic, 'license.public_key (inline) is an rsa key, not Ed25519'],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'license.public_key (inline) is not a PEM public key'],
    ];
    for (const [setting, reason] of cases) expect(judgeLicense(readLicense(path, setting, dir), NOW)).toMatchObject({ status: 'unreadable', licensee: 'Example Corp', reason });
    // Inline PEM, as mcpgw.yaml holds it.
    expect(judgeLicense(readLicense(path, readFileSync(keys.publicKey, 'utf8'), '/nonexistent'), NOW).status).toBe('valid');
  });
});

function writeLicense(text: string): string {
  const path = join(dir, 'checked.json');
  writeFileSync(path, text);
  return path;
}
