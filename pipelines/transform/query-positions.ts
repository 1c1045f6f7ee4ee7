/**
 * Turns DuckDB's positions in a query into string indexes, and those into lines of the query. A
 * node's `query_location` counts bytes of the UTF-8 text; a parse error's `position` counts
 * characters (code points), which DuckDB's own "LINE n" of a parse error takes for bytes: after
 * Chinese text it names an earlier line.
 */
export function queryPositions(query: string) {
  const bytes = Buffer.from(query);
  const characters = Array.from(query);
  // Undefined past the end: DuckDB writes 2^64 - 1 for a node without a location.
  const within = (offset: unknown, length: number) => {
    const number = Number(offset);
    return Number.isInteger(number) && number >= 0 && number <= length ? number : undefined;
  };
  return {
    fromByte: (offset: unknown): number | undefined => {
      const byte = within(offset, bytes.length);
      return byte === undefined ? undefined : bytes.subarray(0, byte).toString('utf8').length;
    },
    fromCharacter: (offset: unknown): number | undefined => {
      const character = within(offset, characters.length);
      return character === undefined ? undefined : characters.slice(0, character).join('').length;
    },
    line: (index: number | undefined): number | undefined => (index === undefined ? undefined : query.slice(0, index).split('\n').length),
  };
}
