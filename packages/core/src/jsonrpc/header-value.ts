/** HTTP request headers as Node gives them (lowercase names), or a Fetch `Headers`. */
export type HeaderSource =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null };

/**
 * A request header's value by lowercase name, from Node's headers object or a
 * Fetch `Headers`. Repeated headers are joined with `, ` as HTTP does.
 */
export function headerValue(headers: HeaderSource | undefined, lowercaseName: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(lowercaseName) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = Object.hasOwn(record, lowercaseName) ? record[lowercaseName] : undefined;
  if (value === undefined) {
    // Plain objects built by hand may keep the sender's casing. (Node's are
    // lowercase: this runs for every absent header, so compare lengths first.)
    for (const name in record) {
      if (name.length === lowercaseName.length && Object.hasOwn(record, name) && name.toLowerCase() === lowercaseName) {
        value = record[name];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}
