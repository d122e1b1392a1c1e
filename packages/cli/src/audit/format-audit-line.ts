/**
 * What `AuditLog.write` accepts: an object with an `event` name, and a `time`
 * when the caller has a better one than "now" (e.g. when a response completed).
 * Every other property is written as given.
 */
export interface AuditEvent {
  readonly event: string;
  readonly time?: string | Date;
}

/**
 * One audit line: JSON with `time` first (the event's own, else now in ISO
 * 8601), then `event`, then the other properties in their order, and a final
 * "\n". `JSON.stringify` escapes line breaks inside strings, so the result
 * is always exactly one line.
 *
 * @throws TypeError when the event cannot be serialized (a BigInt, a cycle).
 */
export function formatAuditLine(event: AuditEvent): string {
  const { time, event: name, ...rest } = event;
  return `${JSON.stringify({ time: time ?? new Date().toISOString(), event: name, ...rest })}\n`;
}
