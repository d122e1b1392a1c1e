import { closeSync, openSync, readSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { errnoWords } from '../daemon/errno-words.js';

/** A key that cannot be used: the message says which and why, in one line. */
export class LicenseKeyError extends Error {}

/** Larger than any PEM key or license file; a bigger file is refused unread. */
export const MAX_FILE_BYTES = 64 * 1024;

/**
 * The issuer's public key that `license.public_key` names: PEM text written
 * inline (it starts with `-----BEGIN`), or a file, relative to the config
 * file's directory. Throws {@link LicenseKeyError} for a key that cannot be
 * read, is not Ed25519, or is a private key (the gateway needs only the public half).
 */
export function loadPublicKey(setting: string, configDir: string): KeyObject {
  const inline = setting.trimStart().startsWith('-----BEGIN');
  const where = inline ? 'license.public_key (inline)' : `license.public_key ${resolve(configDir, setting)}`;
  const pem = inline ? setting : readKeyFile(resolve(configDir, setting), 'license.public_key');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new LicenseKeyError(`${where} is a private key; give its public half (openssl pkey -in private.pem -pubout -out public.pem)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new LicenseKeyError(`${where} is not a PEM public key`);
  }
  return ed25519(key, where);
}

/** The issuer's private key for `mcpgw license sign --key FILE`: unencrypted PEM, Ed25519. */
export function loadPrivateKey(path: string): KeyObject {
  const where = `--key ${path}`;
  const pem = readKeyFile(path, '--key');
  // Node's own error for a key without its passphrase varies by OpenSSL version ("interrupted or cancelled").
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(pem)) throw new LicenseKeyError(`${where} is encrypted; give an unencrypted key`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new LicenseKeyError(`${where} is not a PEM private key`);
  }
  return ed25519(key, where);
}

function ed25519(key: KeyObject, where: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new LicenseKeyError(`${where} is an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

function readKeyFile(path: string, what: string): string {
  try {
    return readBounded(path).toString('utf8');
  } catch (error) {
    throw new LicenseKeyError(`cannot read ${what} ${path}: ${describeFileError(error)}`);
  }
}

/** A file's bytes, refused when it holds more than {@link MAX_FILE_BYTES}. */
export function readBounded(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES / 1024} KiB`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, in plain words. */
export function describeFileError(error: unknown): string {
  return errnoWords(error) ?? (error instanceof Error ? error.message : String(error));
}
