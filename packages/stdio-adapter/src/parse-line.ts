import { nestingDepth, UTF8 } from '@mcpgw/core/internal';

/** A line parsed, or why it could not be. */
export type ParsedLine = { readonly ok: true; readonly value: unknown; readonly text: string } | { readonly ok: false; readonly problem: string };

/**
 * Parses one line as JSON, strictly: valid UTF-8 and at most `maxDepth`
 * levels of nesting (what the policy can redact), else a problem in plain
 * words that never quotes the line (it may hold a secret). `text` is the
 * decoded line, for a server message passed on as it came — serialized
 * again when it holds a CR (JSON whitespace between tokens), which Node's
 * readline and SSE take for a line end: passed on, it would cut one checked
 * message into pieces for the reader.
 */
export function parseLine(bytes: Buffer, maxDepth: number): ParsedLine {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, problem: 'the line is not valid UTF-8' };
  }
  if (nestingDepth(text) > maxDepth) return { ok: false, problem: `the JSON nests deeper than ${maxDepth} levels` };
  try {
    const value = JSON.parse(text) as unknown;
    return { ok: true, value, text: text.includes('\r') ? JSON.stringify(value) : text };
  } catch (cause) {
    // V8's message quotes the text: only the position is kept.
    const position = /at position (\d+)/.exec((cause as Error).message)?.[1];
    return { ok: false, problem: `the line is not valid JSON${position === undefined ? '' : ` (at position ${position})`}` };
  }
}

/** Whether a line holds nothing but blanks (skipped: some clients send empty lines). */
export function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}
