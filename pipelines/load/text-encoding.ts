import { isUtf8 } from 'node:buffer';
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { type TempFile, tempFile } from './temp-file.js';

const names: Record<string, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  gbk: 'GBK',
  gb18030: 'GB18030',
  big5: 'Big5',
};

/** What to do with a workbook. */
export const saveAsCsv = 'open it in Excel and save it as "CSV UTF-8"';

// What the first bytes of a file that is not text say it is.
const containers = [
  { magic: Buffer.from('504b0304', 'hex'), what: 'an Excel workbook (.xlsx) or another zip archive' },
  { magic: Buffer.from('d0cf11e0a1b11ae1', 'hex'), what: 'an Excel 97-2003 workbook (.xls)' },
];
const utf16 = [
  { bom: Buffer.from('fffe', 'hex'), encoding: 'utf-16le' },
  { bom: Buffer.from('feff', 'hex'), encoding: 'utf-16be' },
];
// U+FFFD in UTF-8: a decoder's mark for bytes it could not read, or a character lost in an earlier conversion.
const replacement = Buffer.from('\uFFFD');
const headBytes = 65_536;

/**
 * A delimited text file as UTF-8: undefined when it is UTF-8 already (with or without BOM), else
 * a decoded copy with the same lines. UTF-16 is known by its byte-order mark; other text must be
 * in the encoding the mapping declares. Refused, naming the file, the likely encoding and what to
 * do: a workbook or other binary file, bytes not valid in the encoding, and text holding U+FFFD,
 * so that no U+FFFD reaches raw.*.
 */
export async function asUtf8(path: string, mapping?: { encoding: string; file: string }): Promise<TempFile | undefined> {
  const head = await readHead(path);
  const container = containers.find(({ magic }) => head.subarray(0, magic.length).equals(magic));
  if (container) throw new Error(`${path}: ${container.what}, not CSV text: ${saveAsCsv}`);
  const bom = utf16.find(({ bom }) => head.subarray(0, bom.length).equals(bom));
  const utf8 = bom ? 'not' : await scanUtf8(path);
  if (utf8 === 'text') return undefined;
  if (utf8 === 'lost') {
    throw new Error(
      `${path}: line ${await decodeFile(path, 'utf-8')} holds U+FFFD (�), where characters were lost in an earlier conversion: export the file again from the shop`,
    );
  }
  const encoding = bom?.encoding ?? (mapping?.encoding === 'utf-8' ? undefined : mapping?.encoding);
  if (encoding) {
    const copy = tempFile(path);
    const line = await decodeFile(path, encoding, copy.path);
    // A UTF-16 decoder drops an odd last byte without a word.
    if (line === undefined && !(bom && statSync(path).size % 2 === 1)) return copy;
    copy.remove();
    throw new Error(`${path}: not ${names[encoding]} text (${line ? `line ${line}` : 'at its end'})${advice(head, encoding, mapping)}`);
  }
  throw new Error(`${path}: not UTF-8 text (line ${await decodeFile(path, 'utf-8')})${advice(head, 'utf-8', mapping)}`);
}

/** What to do about text not valid in `tried`: the likely encoding, and how to read the file in it. */
function advice(head: Buffer, tried: string, mapping: { file: string } | undefined): string {
  const likely = likelyEncoding(head, tried);
  if (!likely) return ': a binary or damaged file? export it again from the shop, as CSV';
  return mapping
    ? `; it looks like ${names[likely]}: set "encoding": "${likely}" in ${mapping.file}, or save the file as UTF-8`
    : `; it looks like ${names[likely]}: save it as UTF-8 (Excel: "CSV UTF-8"), or load it with a mapping whose "encoding" is "${likely}"`;
}

/**
 * GB18030 or Big5, whichever decodes the start of the file without a bad byte (other than the
 * one tried); both often do, since their byte ranges overlap. Then the second bytes of
 * double-byte characters tell: GB2312, the common simplified characters, never has one in
 * 0x40-0x7E, while Big5 has about two in five there.
 */
function likelyEncoding(head: Buffer, tried: string): 'gb18030' | 'big5' | undefined {
  if (head.includes(0)) return undefined;
  const valid = (['gb18030', 'big5'] as const).filter(
    (encoding) => encoding !== tried && !iconv.decode(wholeLines(head), encoding).includes('\uFFFD'),
  );
  if (valid.length < 2) return valid[0];
  let pairs = 0;
  let lowTrails = 0;
  for (let index = 0; index < head.length - 1; index++) {
    if (head[index]! < 0x81) continue;
    pairs++;
    index++;
    if (head[index]! >= 0x40 && head[index]! <= 0x7e) lowTrails++;
  }
  return lowTrails > pairs / 5 ? 'big5' : 'gb18030';
}

/** Whether the file is UTF-8 text (`text`), UTF-8 holding U+FFFD (`lost`), or not UTF-8 (`not`). */
async function scanUtf8(path: string): Promise<'text' | 'lost' | 'not'> {
  let lost = false;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    // Checked in whole lines, so that no character is split between two chunks.
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const end = bytes.lastIndexOf(0x0a) + 1;
    carry = bytes.subarray(end);
    if (!isUtf8(bytes.subarray(0, end))) return 'not';
    lost ||= bytes.subarray(0, end).includes(replacement);
  }
  if (!isUtf8(carry)) return 'not';
  return lost || carry.includes(replacement) ? 'lost' : 'text';
}

/**
 * Decodes the file from `encoding`, writing it as UTF-8 to `target` when given, and returns the
 * line of the first character that is not valid (U+FFFD, or half a UTF-16 surrogate pair), if any.
 */
async function decodeFile(path: string, encoding: string, target?: string): Promise<number | undefined> {
  const decoder = iconv.getDecoder(encoding);
  const out = target ? await open(target, 'w') : undefined;
  let lines = 1;
  const write = async (text: string): Promise<number | undefined> => {
    const bytes = Buffer.from(text, 'utf8');
    const bad = bytes.indexOf(replacement);
    if (bad !== -1) return lines + lineBreaks(bytes, bad);
    lines += lineBreaks(bytes, bytes.length);
    await out?.write(bytes);
    return undefined;
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const line = await write(decoder.write(chunk as Buffer));
      if (line !== undefined) return line;
    }
    return await write(decoder.end() ?? '');
  } finally {
    await out?.close();
  }
}

function lineBreaks(bytes: Buffer, end: number): number {
  let count = 0;
  for (let index = bytes.indexOf(0x0a); index !== -1 && index < end; index = bytes.indexOf(0x0a, index + 1)) count++;
  return count;
}

/** The start of the file up to its last line break, when the file goes on after it: no character cut at the end. */
function wholeLines(head: Buffer): Buffer {
  return head.length < headBytes ? head : head.subarray(0, head.lastIndexOf(0x0a) + 1);
}

/** The start of a text file, to recognise an export by its header: UTF-16 by its BOM, UTF-8, or else GB18030. */
export async function headText(path: string): Promise<string> {
  const head = await readHead(path);
  const bom = utf16.find(({ bom }) => head.subarray(0, bom.length).equals(bom));
  if (bom) return iconv.decode(head.subarray(0, head.length - (head.length % 2)), bom.encoding);
  const firstLine = head.subarray(0, head.indexOf(0x0a) === -1 ? head.length : head.indexOf(0x0a));
  return iconv.decode(head, isUtf8(firstLine) ? 'utf-8' : 'gb18030');
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(headBytes), 0, headBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
