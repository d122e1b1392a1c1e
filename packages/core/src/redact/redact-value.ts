import { ErrorCodes, McpgwError } from '../util/mcpgw-error.js';

/**
 * Deepest nesting {@link redactValue} walks; deeper values are refused, never
 * skipped. Real MCP messages nest a few dozen levels; V8's JSON.stringify
 * itself overflows its stack at a few thousand.
 */
export const MAX_REDACTION_DEPTH = 1_000;

interface Frame {
  readonly source: Record<string, unknown> | unknown[];
  /** Own keys of an object (null for arrays). */
  readonly keys: string[] | null;
  /** Keys after redaction (the same array when no key changed). */
  readonly outKeys: string[] | null;
  readonly length: number;
  next: number;
  copy: Record<string, unknown> | unknown[] | null;
  readonly parent: Frame | null;
  readonly parentIndex: number;
}

/**
 * Applies `redactString` to every string in a JSON value — object keys
 * included — and returns the result. Copy-on-write: unchanged subtrees are
 * shared with the input, the input is never modified. Iterative, so deeply
 * nested input cannot overflow the stack.
 */
export function redactValue(value: unknown, redactString: (text: string) => string): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;

  const root = openFrame(value as Frame['source'], null, -1, redactString);
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next >= frame.length) {
      stack.pop();
      if (frame.copy !== null && frame.parent !== null) assign(frame.parent, frame.parentIndex, frame.copy);
      continue;
    }
    const index = frame.next++;
    const child = frame.keys === null ? (frame.source as unknown[])[index] : (frame.source as Record<string, unknown>)[frame.keys[index] as string];
    if (typeof child === 'string') {
      const redacted = redactString(child);
      if (redacted !== child) assign(frame, index, redacted);
    } else if (child !== null && typeof child === 'object') {
      if (stack.length >= MAX_REDACTION_DEPTH) {
        throw new McpgwError(ErrorCodes.REDACTION_FAILED, `value nests deeper than ${MAX_REDACTION_DEPTH} levels; refusing to pass it unredacted`);
      }
      stack.push(openFrame(child as Frame['source'], frame, index, redactString));
    }
  }
  return root.copy ?? value;
}

/**
 * Every string in a JSON value, object keys included, in no particular
 * order; null when they add up to more than `maxLength` characters or the
 * value nests deeper than `maxDepth`.
 */
export function collectStrings(value: unknown, maxLength: number, maxDepth: number): string[] | null {
  const strings: string[] = [];
  let length = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: item, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof item === 'string') {
      length += item.length;
      if (length > maxLength) return null;
      strings.push(item);
    } else if (item !== null && typeof item === 'object') {
      if (depth >= maxDepth) return null;
      if (Array.isArray(item)) {
        for (const child of item) stack.push({ value: child, depth: depth + 1 });
      } else {
        for (const key of Object.keys(item)) {
          stack.push({ value: key, depth }, { value: (item as Record<string, unknown>)[key], depth: depth + 1 });
        }
      }
    }
  }
  return strings;
}

function openFrame(source: Frame['source'], parent: Frame | null, parentIndex: number, redactString: (text: string) => string): Frame {
  if (Array.isArray(source)) {
    return { source, keys: null, outKeys: null, length: source.length, next: 0, copy: null, parent, parentIndex };
  }
  const keys = Object.keys(source);
  let outKeys = keys;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const redacted = redactString(key);
    if (redacted !== key) {
      if (outKeys === keys) outKeys = keys.slice();
      outKeys[i] = redacted;
    }
  }
  const frame: Frame = { source, keys, outKeys, length: keys.length, next: 0, copy: null, parent, parentIndex };
  if (outKeys !== keys) frame.copy = copyObject(source, keys, outKeys);
  return frame;
}

function assign(frame: Frame, index: number, value: unknown): void {
  if (frame.keys === null) {
    frame.copy ??= (frame.source as unknown[]).slice();
    (frame.copy as unknown[])[index] = value;
    return;
  }
  frame.copy ??= copyObject(frame.source as Record<string, unknown>, frame.keys, frame.outKeys as string[]);
  setOwn(frame.copy as Record<string, unknown>, (frame.outKeys as string[])[index] as string, value);
}

function copyObject(source: Record<string, unknown>, keys: string[], outKeys: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) setOwn(copy, outKeys[i] as string, source[keys[i] as string]);
  return copy;
}

/**
 * Sets an own property. A JSON key `__proto__` is an own property; plain
 * assignment would set the prototype instead and the value would vanish
 * from the serialized output.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
