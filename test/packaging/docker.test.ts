import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../daemon/harness.js';
import { codeBlocks, sh } from './shell.js';

/**
 * Node.js majors in long-term support when this was written (December 2026),
 * with the end of their support. 20 is not among them: it reached its end
 * of life on 2026-04-30.
 */
const LTS_MAJORS: ReadonlyMap<number, string> = new Map([
  [22, '2027-04-30'],
  [24, '2028-04-30'],
  [26, '2029-04-30'],
]);

/** One Dockerfile instruction, its continuation lines joined. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ');
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const STEPS = instructions(DOCKERFILE);
const stages = STEPS.filter((step) => step.keyword === 'FROM').map((step) => step.args);
const lastStage = STEPS.slice(STEPS.findLastIndex((step) => step.keyword === 'FROM'));

/** COPY's sources and destination (flags such as --from= apart). */
function copyOf(step: Instruction): { from?: string; sources: string[]; destination: string } {
  const words = step.args.split(/\s+/);
  const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((word) => !word.startsWith('--'));
  return { ...(from === undefined ? {} : { from }), sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

describe('the Dockerfile', () => {
  it('builds on a Node.js LTS release, the same major in both stages, the one CI also tests', () => {
    expect(stages).toHaveLength(2);
    const majors = stages.map((image) => Number(/^node:(\d+)-/.exec(image)?.[1]));
    expect(majors[0]).toBe(majors[1]);
    expect(LTS_MAJORS.has(majors[0] ?? 0), `node:${majors[0]} is not an LTS release in support`).toBe(true);
    // CI runs the suite on this major too, so the image's Node is one CI has seen.
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(Number(/^EXTRA_NODE_MAJOR=(\d+)$/m.exec(ci)?.[1])).toBe(majors[0]);
    // re2 compiles from source in the build stage when no prebuilt binary fits.
    expect(DOCKERFILE).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
  });

  it('copies only files that exist in the repository (or that the build stage makes)', () => {
    let workdir = '/';
    const fromRepo: string[] = [];
    for (const step of STEPS) {
      if (step.keyword === 'FROM') workdir = '/';
      if (step.keyword === 'WORKDIR') workdir = step.args;
      if (step.keyword !== 'COPY') continue;
      const copy = copyOf(step);
      if (copy.from === undefined) {
        fromRepo.push(...copy.sources);
        continue;
      }
      expect(copy.from).toBe('build');
      for (const source of copy.sources) {
        expect(source.startsWith('/src/'), source).toBe(true);
        // dist and node_modules are what `npm ci` and `npm run build` make; the rest is copied in from the repository.
        if (!/\/(dist|node_modules)(\/|$)/.test(source)) fromRepo.push(source.slice('/src/'.length));
      }
    }
    expect(workdir).toBe('/opt/mcpgw');
    expect(fromRepo).toContain('packages/cli/bin');
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
    return Promise.all(
      fromRepo.map(async (source) => {
        const listed = await sh('git', ['ls-files', '--', source]);
        expect(listed.stdout, `COPY source ${source} is not in the repository`).not.toBe('');
        expect(ignored.filter((pattern) => source.split('/').some((part) => pattern.replace(/^\*\*\//, '') === part)), `.dockerignore hides ${source}`).toEqual([]);
      }),
    );
  });

  it('runs the committed, executable bin as PID 1, in exec form, not as root', async () => {
    const entrypoint = JSON.parse(lastStage.find((step) => step.keyword === 'ENTRYPOINT')?.args ?? 'null') as string[];
    const cmd = JSON.parse(lastStage.find((step) => step.keyword === 'CMD')?.args ?? 'null') as string[];
    // Exec form with node itself first: no shell in between to swallow signals.
    expect(entrypoint).toEqual(['node', '/opt/mcpgw/packages/cli/bin/mcpgw.js']);
    expect(cmd).toEqual(['serve', '--config', '/etc/mcpgw/mcpgw.yaml']);
    const inRepo = (entrypoint[1] ?? '').slice('/opt/mcpgw/'.length);
    expect((await sh('git', ['ls-files', '-s', '--', inRepo])).stdout).toMatch(/^100755 /);
    for (const part of ['bin', 'dist']) {
      const copied = lastStage.some((step) => step.keyword === 'COPY' && copyOf(step).sources.includes(`/src/packages/cli/${part}`) && copyOf(step).destination === `packages/cli/${part}`);
      expect(copied, `packages/cli/${part}`).toBe(true);
    }
    expect(lastStage.find((step) => step.keyword === 'USER')?.args).toBe('node');
    expect(DOCKERFILE).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:8080\/healthz'\)/m);
  });

  it('ships a default config that mcpgw validates, listening where the health check asks', async () => {
    const copy = lastStage.map(copyOf).find((step) => step.destination === '/etc/mcpgw/mcpgw.yaml');
    expect(copy?.sources).toEqual(['packaging/docker/mcpgw.yaml']);
    const result = await run(['validate', '--config', 'packaging/docker/mcpgw.yaml']);
    expect(result).toEqual({ code: 0, stdout: 'packaging/docker/mcpgw.yaml: ok (upstreams=1, rules=0)\n', stderr: '' });
    expect(readFileSync(join(ROOT, 'packaging/docker/mcpgw.yaml'), 'utf8')).toMatch(/^listen: "0\.0\.0\.0:8080"$/m);
  });

  it('is documented with the config directory mounted, not the file, and the host reachable', () => {
    const header = DOCKERFILE.split('\n').filter((line) => line.startsWith('#')).join('\n');
    const docs = codeBlocks('docs/operations.md', '## Docker').join('\n');
    for (const [where, text] of [['Dockerfile', header], ['docs/operations.md', docs]] as const) {
      const runs = text.replace(/\\\n/g, ' ').split('\n').filter((line) => /docker run /.test(line));
      expect(runs, where).toHaveLength(1);
      expect(runs[0], where).toContain('-v "$PWD/config:/etc/mcpgw:ro"');
      expect(runs[0], where).toContain('--add-host=host.docker.internal:host-gateway');
      expect(text, where).not.toMatch(/mcpgw\.yaml:\/etc\/mcpgw/);
    }
  });
});
