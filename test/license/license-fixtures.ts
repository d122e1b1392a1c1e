import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { run } from '../daemon/harness.js';

/** An issuer's key pair made by openssl, as docs/license.md says: the PEM files' paths. */
export function opensslKeyPair(dir: string, name = 'issuer'): { privateKey: string; publicKey: string } {
  const privateKey = join(dir, `${name}-private.pem`);
  const publicKey = join(dir, `${name}-public.pem`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', privateKey]);
  execFileSync('openssl', ['pkey', '-in', privateKey, '-pubout', '-out', publicKey]);
  return { privateKey, publicKey };
}

/** Signs a license with `mcpgw license sign --out`, as an issuer types it; resolves with the file's path. */
export async function signWithCli(privateKey: string, out: string, args: readonly string[]): Promise<string> {
  const result = await run(['license', 'sign', '--key', privateKey, '--out', out, ...args]);
  if (result.code !== 0) throw new Error(`mcpgw license sign exited ${result.code}: ${result.stderr}`);
  return out;
}

/** Replaces the license file's signature with the same bytes but one bit flipped. */
export function flipSignatureBit(path: string): void {
  const file = JSON.parse(readFileSync(path, 'utf8')) as { signature: string };
  const bytes = Buffer.from(file.signature, 'base64');
  bytes[10] = (bytes[10] as number) ^ 0x01;
  writeFileSync(path, JSON.stringify({ ...file, signature: bytes.toString('base64') }, null, 2));
}

/** Changes one byte of the file's text: the first `from` becomes `to` (one character each). */
export function replaceByte(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${path} has no ${from}`);
  writeFileSync(path, text.replace(from, to));
}

/** A pino logger writing JSON lines into an array (debug and up). */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ base: null, level: 'debug', timestamp: false }, stream), lines };
}

/** A UTC timestamp to the second, as licenses write them. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
