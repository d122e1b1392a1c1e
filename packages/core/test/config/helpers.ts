import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../src/index.js';

/** How most test configs start: one valid upstream, on lines 1-3. */
export const UPSTREAM = `upstreams:
  - name: everything
    url: http://127.0.0.1:3001/mcp
`;

/** Parses `yaml`, expecting a ConfigError; returns it. */
export function configError(yaml: string): ConfigError {
  let caught: unknown;
  try {
    parseConfig(yaml);
  } catch (error) {
    caught = error;
  }
  expect(caught, 'parseConfig should have thrown').toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

/** The report lines `mcpgw validate` prints for `yaml`, without the header line. */
export function reportLines(yaml: string): string[] {
  const report = configError(yaml).format('mcpgw.yaml').split('\n');
  expect(report[0]).toBe('invalid config mcpgw.yaml:');
  return report.slice(1).map((line) => {
    expect(line.startsWith('  ')).toBe(true);
    return line.slice(2);
  });
}

/** A config with one upstream and these rules (YAML list items indented by 4). */
export function withRules(rules: string): string {
  return `${UPSTREAM}policy:\n  rules:\n${rules}`;
}
