// The license in the running daemon, with real processes: `mcpgw serve`, keys
// from openssl, licenses from `mcpgw license sign`, the demo upstream (the
// MCP SDK server) and the SDK client. Each way a license can be wrong has its
// exact log line, its `license_invalid` audit event and its `/readyz` body;
// the gateway keeps serving through all of them.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { daemonConfig, startDaemon, startDemoUpstream, tempDir, type Proc } from '../daemon/harness.js';
import { flipSignatureBit, opensslKeyPair, replaceByte, signWithCli, stamp } from './license-fixtures.js';

const EXPIRES = '2030-01-31T00:00:00Z';

let dir: string;
let issuer: { privateKey: string; publicKey: string };
let other: { privateKey: string; publicKey: string };
let upstream: { proc: Proc; url: string };
const started: Proc[] = [];

beforeAll(async () => {
  dir = tempDir('mcpgw-license-');
  issuer = opensslKeyPair(dir, 'issuer');
  other = opensslKeyPair(dir, 'other');
  upstream = await startDemoUpstream();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((proc) => proc.stop()));
});
afterAll(async () => {
  await upstream.proc.stop();
});

/** A daemon whose config names `license` (and `publicKey`, when given), in a directory of its own. */
async function serveWith(license: string, publicKey: string | undefined, env?: NodeJS.ProcessEnv) {
  const home = tempDir('mcpgw-license-daemon-');
  const section = `license:\n  path: ${license}\n${publicKey === undefined ? '' : `  public_key: ${publicKey}\n`}`;
  const configPath = join(home, 'mcpgw.yaml');
  writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir: home, extra: section }));
  const daemon = await startDaemon(configPath, ['--no-watch'], env);
  started.push(daemon.proc);
  return { ...daemon, home, configPath, origin: new URL(daemon.url).origin };
}

async function readyz(origin: string): Promise<{ status: number; body: { status: string; license: unknown } }> {
  const response = await fetch(`${origin}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; license: unknown } };
}

function auditEvents(home: string): Array<Record<string, unknown>> {
  return readFileSync(join(home, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A tools/list through the gateway with the official SDK client: the gateway serves. */
async function listTools(url: string): Promise<string[]> {
  const client = new Client({ name: 'license-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    return (await client.listTools()).tools.map((tool) => tool.name);
  } finally {
    await client.close();
  }
}

/** A fresh license signed by the issuer's key, in `dir`. */
function signed(name: string, args: readonly string[] = ['--expires', EXPIRES]): Promise<string> {
  return signWithCli(issuer.privateKey, join(dir, name), ['--licensee', 'Example Corp', '--issued', '2026-01-01', '--entitlements', 'gateway,stdio', ...args]);
}

describe('mcpgw serve with a license', () => {
  it('logs a valid license, shows it in /readyz, and writes no license_invalid', async () => {
    const daemon = await serveWith(await signed('valid.json'), issuer.publicKey);
    const line = await daemon.proc.waitForMsg(`license: valid until ${EXPIRES}`);
    expect(line).toMatchObject({ level: 30, license: join(dir, 'valid.json'), licensee: 'Example Corp', expires: EXPIRES, status: 'valid', entitlements: ['gateway', 'stdio'] });
    const { status, body } = await readyz(daemon.origin);
    expect(status).toBe(200);
    expect(body.license).toEqual({ status: 'valid', licensee: 'Example Corp', expires: EXPIRES, days_left: expect.any(Number), entitlements: ['gateway', 'stdio'] });
    expect(auditEvents(daemon.home).map((event) => event['event'])).toEqual(['startup']);
  });

  it('reads a license without license.public_key but reports it as unverified', async () => {
    const daemon = await serveWith(await signed('unverified.json'), undefined);
    expect(await daemon.proc.waitForMsg('license: unverified: no license.public_key to check its signature')).toMatchObject({ level: 40, status: 'unverified' });
    expect((await readyz(daemon.origin)).body.license).toMatchObject({ status: 'unverified', licensee: 'Example Corp' });
    expect(auditEvents(daemon.home).map((event) => event['event'])).toEqual(['startup']);
  });

  const INVALID_SIGNATURE = 'license: invalid signature: not signed by the key in license.public_key';
  const cases: Array<{ name: string; prepare: () => Promise<{ license: string; publicKey: string }>; msg: (license: string) => string; status: string; licensee: string | null; expires: string | null }> = [
    {
      name: 'a tampered byte in the payload',
      prepare: async () => {
        const license = await signed('tampered-payload.json');
        replaceByte(license, 'Example Corp', 'Example Corq');
        return { license, publicKey: issuer.publicKey };
      },
      msg: () => INVALID_SIGNATURE,
      status: 'invalid signature',
      licensee: 'Example Corq',
      expires: EXPIRES,
    },
    {
      name: 'a tampered signature',
      prepare: async () => {
        const license = await signed('tampered-signature.json');
        flipSignatureBit(license);
        return { license, publicKey: issuer.publicKey };
      },
      msg: () => INVALID_SIGNATURE,
      status: 'invalid signature',
      licensee: 'Example Corp',
      expires: EXPIRES,
    },
    {
      name: 'a license signed by another key',
      prepare: async () => ({ license: await signed('wrong-key.json'), publicKey: other.publicKey }),
      msg: () => INVALID_SIGNATURE,
      status: 'invalid signature',
      licensee: 'Example Corp',
      expires: EXPIRES,
    },
    {
      name: 'an expired license',
      prepare: async () => ({ license: await signed('expired.json', ['--expires', '2026-06-01']), publicKey: issuer.publicKey }),
      msg: () => 'license: expired on 2026-06-01T00:00:00Z',
      status: 'expired',
      licensee: 'Example Corp',
      expires: '2026-06-01T00:00:00Z',
    },
    {
      name: 'a missing license file',
      prepare: async () => ({ license: join(dir, 'missing.json'), publicKey: issuer.publicKey }),
      msg: (license) => `license: unreadable: cannot read ${license}: no such file`,
      status: 'unreadable',
      licensee: null,
      expires: null,
    },
  ];

  for (const { name, prepare, msg, status, licensee, expires } of cases) {
    it(`${name}: logged with its line, audited as license_invalid, shown in /readyz, and the gateway keeps serving`, async () => {
      const { license, publicKey } = await prepare();
      const daemon = await serveWith(license, publicKey);
      const line = await daemon.proc.waitForMsg(msg(license));
      expect(line).toMatchObject({ level: 50, license, licensee, expires, status });
      const reason = msg(license).replace(/^license: (invalid signature: |unreadable: )?/, '');
      expect(auditEvents(daemon.home)).toEqual([
        expect.objectContaining({ event: 'startup' }),
        { time: expect.any(String), event: 'license_invalid', status, license, licensee, expires, reason },
      ]);
      const ready = await readyz(daemon.origin);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
      expect(ready.body.license).toEqual({ status, licensee, expires, days_left: expires === null ? null : expect.any(Number), entitlements: licensee === null ? null : ['gateway', 'stdio'] });
      expect(await listTools(daemon.url)).toContain('echo');
    });
  }

  it('checks again on its own timer: a license that expires while the daemon runs is then logged, audited and shown as expired', async () => {
    // Seconds from now: valid at start (on a busy machine too), expired a moment later.
    const expires = stamp(Math.ceil(Date.now() / 1000) * 1000 + 4_000);
    const daemon = await serveWith(await signed('expiring.json', ['--expires', expires]), issuer.publicKey, { MCPGW_LICENSE_CHECK_INTERVAL_MS: '200' });
    await daemon.proc.waitForMsg(`license: valid until ${expires}`);
    expect(await daemon.proc.waitForMsg(`license: expires within 1 day, on ${expires}`)).toMatchObject({ level: 40 });
    expect((await readyz(daemon.origin)).body.license).toMatchObject({ status: 'valid' });
    expect(await daemon.proc.waitForMsg(`license: expired on ${expires}`)).toMatchObject({ level: 50, status: 'expired' });
    expect((await readyz(daemon.origin)).body.license).toMatchObject({ status: 'expired' });
    expect(auditEvents(daemon.home).map((event) => [event['event'], event['status'] ?? null])).toEqual([
      ['startup', null],
      ['license_invalid', 'expired'],
    ]);
    expect(await listTools(daemon.url)).toContain('echo');
  });

  it('SIGHUP re-reads neither the license nor its key; a changed license.public_key is named in restart_required', async () => {
    const license = await signed('kept.json');
    const daemon = await serveWith(license, issuer.publicKey);
    await daemon.proc.waitForMsg(`license: valid until ${EXPIRES}`);
    rmSync(license);
    writeFileSync(daemon.configPath, readFileSync(daemon.configPath, 'utf8').replace(issuer.publicKey, other.publicKey));
    daemon.proc.signal('SIGHUP');
    const reload = await daemon.proc.waitForMsg(/^policy reload: ok/);
    expect(reload['restart_required']).toEqual(['license']);
    expect((await readyz(daemon.origin)).body.license).toMatchObject({ status: 'valid', licensee: 'Example Corp' });
    expect(daemon.proc.lines.filter((line) => String(line['msg']).startsWith('license: '))).toHaveLength(1);
  });
});
