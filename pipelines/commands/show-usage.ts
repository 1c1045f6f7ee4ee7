import { stripVTControlCharacters } from 'node:util';
import { type RunMainOptions, renderUsage } from 'citty';

// citty colours its usage even when piped and pads each column to its longest entry: the help is
// plain when piped or NO_COLOR is set, and wrapped to the terminal (80 columns when piped).
export const showUsage: NonNullable<RunMainOptions['showUsage']> = async (command, parent) => {
  const plain = !process.stdout.isTTY || Boolean(process.env.NO_COLOR);
  const width = process.stdout.columns || 80;
  const lines = (await renderUsage(command, parent)).split('\n').map((line) => (plain ? stripVTControlCharacters(line) : line));
  process.stdout.write(
    `${lines
      .map((line) => wrapLine(line, width))
      .join('\n')
      .trimEnd()}\n`,
  );
};

// Chinese (a province, a status) takes two columns of the terminal.
const wide = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/g;
const visibleLength = (text: string) => {
  const plain = stripVTControlCharacters(text);
  return plain.length + (plain.match(wide)?.length ?? 0);
};

// Options and commands are two columns, the first right-aligned: a row goes on under its
// description, or, when the first column takes more than half the width, the description goes
// under the option.
function wrapLine(line: string, width: number): string {
  const row = /^ *(\S.*?) {2,}(\S.*)$/.exec(line);
  if (!row) return wrapText(line, 0, width);
  const column = visibleLength(line) - visibleLength(row[2]!);
  if (column <= width / 2) return wrapText(line, column, width);
  return `  ${row[1]}\n${wrapText(`        ${row[2]}`, 8, width)}`;
}

// Breaks before a word, or after a '|' (the list of commands).
function wrapText(line: string, indent: number, width: number): string {
  const rows = [''];
  for (const piece of line.split(/(?<=\|)|(?<= )(?=\S)/)) {
    const row = rows.at(-1)!;
    if (visibleLength((row + piece).trimEnd()) > width && row.trim() !== '') rows.push(' '.repeat(indent) + piece);
    else rows[rows.length - 1] = row + piece;
  }
  return rows.map((row) => row.trimEnd()).join('\n');
}
