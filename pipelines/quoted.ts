/** A value quoted in a message: cut at 200 characters, so that a stray megabyte stays out of logs. */
export function quoted(text: string): string {
  return `'${cut(text)}'`;
}

/** A value shown unquoted in a message (a header's names): its first 200 characters. */
export function cut(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
