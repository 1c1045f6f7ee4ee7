import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import Mustache from 'mustache';
import type { WarehouseConfig } from '../config.js';
import { type Macros, macrosCalled } from '../run/read-macros.js';

const reportSql = readFileSync(new URL('./monthly-report.sql', import.meta.url), 'utf8');
const reportTemplate = readFileSync(new URL('./monthly-report.html', import.meta.url), 'utf8');

// The Chromium the browser tests drive (Debian's package); flags as theirs, for a headless box.
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function reportsDir(config: WarehouseConfig): string {
  return join(config.dataDir, 'reports');
}

/**
 * Once a month is complete, its printable report: `reports/<yyyy-mm>.pdf` in the data folder, an
 * A4 PDF of monthly-report.html filled from monthly-report.sql over `martsFile` (the published
 * marts, so that it shows what the site shows), printed by Chromium. A month that has its report
 * keeps it; the published `site`, when there is one, gets the new report at once (copyReports).
 * Without Chromium the report is not written, and the next refresh tries again. Returns the line
 * to log, if any.
 */
export async function writeMonthlyReport(
  config: WarehouseConfig,
  macros: Macros,
  martsFile: string,
  options: { site: string },
): Promise<string | undefined> {
  if (!existsSync(martsFile)) return undefined;
  const instance = await DuckDBInstance.create(martsFile, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  let html: string;
  let path: string;
  try {
    const missing = await missingMarts(connection);
    // A project of its own models (a test's) may have no monthly figures: nothing to report.
    if (missing.includes('kpi_monthly')) return undefined;
    if (missing.length > 0)
      return `monthly report: not written: the published marts have no ${missing.map((mart) => `marts.${mart}`).join(', ')} (published by an older version); the next refresh that builds the models writes it`;
    // Only the macros the report calls: others read tables the marts file does not have.
    for (const name of macrosCalled(reportSql, macros)) await connection.run(macros.definitions.get(name)!);
    await connection.run(reportSql);
    const [values] = await rowsOf(connection, 'report_month');
    if (values === undefined) return undefined;
    path = join(reportsDir(config), `${values.month_text}.pdf`);
    if (existsSync(path)) return undefined;
    // Mustache escapes every value and never reads a tag inside one (a campaign name may hold any text).
    html = Mustache.render(reportTemplate, { ...values, ...(await sectionsOf(connection)) });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  if (!existsSync(chromiumPath))
    return `monthly report: ${path} not written: no Chromium at ${chromiumPath}; install it (apt-get install chromium fonts-noto-cjk) and the next refresh writes it`;
  await printPdf(html, path);
  if (existsSync(options.site)) copyReports(config, options.site);
  return `monthly report: ${path}`;
}

/** Copies every monthly report into a site's reports/ folder, where the site links them (/reports/<yyyy-mm>.pdf). */
export function copyReports(config: WarehouseConfig, site: string): void {
  const from = reportsDir(config);
  if (!existsSync(from)) return;
  const reports = readdirSync(from).filter((name) => /^\d{4}-\d{2}\.pdf$/.test(name));
  if (reports.length === 0) return;
  mkdirSync(join(site, 'reports'), { recursive: true });
  for (const name of reports) cpSync(join(from, name), join(site, 'reports', name));
}

// The marts monthly-report.sql reads that the file does not have.
async function missingMarts(connection: DuckDBConnection): Promise<string[]> {
  const read = [...new Set([...reportSql.matchAll(/\bmarts\.(\w+)/g)].map((match) => match[1]!))];
  const reader = await connection.runAndReadAll("select table_name from duckdb_tables() where schema_name = 'marts'");
  const present = new Set(reader.getRows().map(([table]) => String(table)));
  return read.filter((mart) => !present.has(mart));
}

// Every view of monthly-report.sql but report_month, by its name less report_.
async function sectionsOf(connection: DuckDBConnection): Promise<Record<string, Record<string, unknown>[]>> {
  const reader = await connection.runAndReadAll(
    "select view_name from duckdb_views() where temporary and starts_with(view_name, 'report_') and view_name <> 'report_month'",
  );
  const sections: Record<string, Record<string, unknown>[]> = {};
  for (const [view] of reader.getRows()) sections[String(view).slice('report_'.length)] = await rowsOf(connection, String(view));
  return sections;
}

async function rowsOf(connection: DuckDBConnection, view: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(`select * from ${view}`);
  return reader.getRowObjectsJson();
}

// Written beside its place and renamed into it: a report half written is never taken for the month's.
async function printPdf(html: string, path: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    // The page runs no script: its values (campaign names among them) come from outside.
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.setContent(html, { waitUntil: 'load' });
    await page.pdf({ path: partial, format: 'A4', printBackground: true, preferCSSPageSize: true });
    renameSync(partial, path);
  } finally {
    await browser.close();
    rmSync(partial, { force: true });
  }
}
