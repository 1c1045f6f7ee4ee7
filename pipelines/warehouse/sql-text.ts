/** A SQL string literal: 'it''s'. For values spliced into SQL text that cannot be bound as parameters. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier: "paid_amount:typed". */
export function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
