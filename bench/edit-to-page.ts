// The analyst's loop, timed: with `npm run dev` running, opens a page in Chromium, saves an edit
// to a file of the project, and measures until the page shows the text the edit makes; then puts
// the file back. Usage (from the project folder):
//   tsx bench/edit-to-page.ts URL FILE FROM TO EXPECTED [RUNS]
// e.g. tsx bench/edit-to-page.ts http://localhost:3000/rfm models/marts/rfm_segments.sql \
//   "    segment_labels.recommended_action_zh," "    segment_labels.recommended_action_zh || '（试）' as recommended_action_zh," "（试）" 5
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [url, file, from, to, expected, runs = '3'] = process.argv.slice(2);
if (!url || !file || from === undefined || to === undefined || !expected) {
  console.error('usage: tsx bench/edit-to-page.ts URL FILE FROM TO EXPECTED [RUNS]');
  process.exit(1);
}
const original = readFileSync(file, 'utf8');
if (!original.includes(from)) throw new Error(`${file} does not hold ${JSON.stringify(from)}`);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const shows = (text: string) => (document.body.innerText.includes(text) ? true : undefined);
const seconds: number[] = [];
try {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'networkidle', timeout: 120_000 });
  for (let run = 1; run <= Number(runs); run++) {
    const mark = `${expected}${run}`;
    const saved = performance.now();
    writeFileSync(file, original.replace(from, to.replace(expected, mark)));
    await page.waitForFunction(shows, mark, { timeout: 120_000 });
    seconds.push((performance.now() - saved) / 1000);
    writeFileSync(file, original);
    // The build of the file put back, before the next save.
    await page.waitForFunction((text) => !document.body.innerText.includes(text), mark, { timeout: 120_000 });
  }
} finally {
  writeFileSync(file, original);
  await browser.close();
}
const sorted = [...seconds].sort((a, b) => a - b);
console.log(
  `save to page: ${seconds.map((s) => s.toFixed(1)).join(', ')} s; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} s`,
);
