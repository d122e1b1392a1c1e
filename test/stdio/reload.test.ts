/**
 * Hot reload of `mcpgw stdio` (SPEC §4): SIGHUP and saving the file swap
 * the policy; a call in flight keeps the generation it was admitted under,
 * calls after it get the new one; a bad file keeps the running policy.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditEvents, connect, stdioConfig, waitUntil } from './harness.js';

const BEFORE = `    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]`;
/** The new rule hides the word the long-running tool ends its answer with. */
const AFTER = `${BEFORE}
    - name: redact-completed
      action: redact
      direction: response
      patterns: ["completed"]`;

const textOf = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content).map((part) => part.text ?? '').join('\n');
const LONG = { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 } };

describe('mcpgw stdio reloads', () => {
  it('SIGHUP mid-call: the call in flight finishes under generation 1, the next call runs under generation 2', async () => {
    const config = stdioConfig(BEFORE);
    const { client, stderr, pid } = await connect({ config: config.path, args: ['--no-watch', '--name', 'everything'] });
    try {
      let progressed = 0;
      let answered = false;
      const inFlight = client.callTool(LONG, undefined, { onprogress: () => void progressed++ }).finally(() => (answered = true));
      await waitUntil(() => progressed >= 1, 5_000, 'the first progress notification');
      writeFileSync(config.path, `policy:\n  rules:\n${AFTER}\naudit:\n  path: audit.jsonl\n`);
      process.kill(pid, 'SIGHUP');
      await stderr.waitFor((line) => line['msg'] === 'policy reload: ok (rules=2)' && line['reason'] === 'SIGHUP' && line['generation'] === 2);
      // The premise: the reload happened while the call was in flight (it lasts 2 s; a loaded machine may take a while to reload).
      expect(answered).toBe(false);

      expect(textOf(await inFlight)).toContain('Long running operation completed.');
      expect(textOf(await client.callTool({ ...LONG, arguments: { duration: 0.1, steps: 1 } }))).toContain('Long running operation [REDACTED].');

      const decisions = auditEvents(config.audit).filter((event) => event['event'] === 'decision' && event['tool'] === LONG.name);
      expect(decisions.map((event) => [event['generation'], event['action']])).toEqual([
        [1, 'allow'],
        [2, 'redact'],
      ]);
      expect(auditEvents(config.audit).find((event) => event['event'] === 'policy_reload')).toMatchObject({ rules: 2, generation: 2 });
    } finally {
      await client.close();
    }
  });

  it('saving the file reloads; a broken file is rejected and the running policy stays', async () => {
    const config = stdioConfig(BEFORE);
    const { client, stderr } = await connect({ config: config.path });
    try {
      writeFileSync(config.path, `policy:\n  rules:\n${AFTER}\naudit:\n  path: audit.jsonl\n`);
      await stderr.waitFor((line) => line['msg'] === 'policy reload: ok (rules=2)' && line['reason'] === 'file change');
      writeFileSync(config.path, `policy:\n  rules:\n${AFTER.replace('"completed"', '"complet(ed"')}\naudit:\n  path: audit.jsonl\n`);
      await stderr.waitFor((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('policy reload: rejected: invalid regex on rule "redact-completed"'));
      expect(textOf(await client.callTool({ ...LONG, arguments: { duration: 0.1, steps: 1 } }))).toContain('Long running operation [REDACTED].');
      expect(auditEvents(config.audit).filter((event) => String(event['event']).startsWith('policy_reload')).map((event) => event['event'])).toEqual(['policy_reload', 'policy_reload_failed']);
    } finally {
      await client.close();
    }
  });
});
