/**
 * Prints the Markdown tables (scenarios and targets) of the latest full benchmark run, bench/latest-results.json,
 * for docs/performance.md. With --write, puts them in docs/performance.md itself, between its
 * `<!-- latest-run-table -->` and `<!-- /latest-run-table -->` markers.
 *
 *   npx tsx bench/performance-table.ts                       print the tables
 *   npx tsx bench/performance-table.ts --write               update docs/performance.md
 *   npx tsx bench/performance-table.ts --file <run>.json     another run, e.g. from bench/results/
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LATEST_RESULTS, markdownReport, type BenchResult } from './report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PERFORMANCE_DOC = path.join(repoRoot, 'docs/performance.md');
const OPENING = '<!-- latest-run-table -->';
const CLOSING = '<!-- /latest-run-table -->';

const { values: args } = parseArgs({
  options: {
    file: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});

/** `doc` with `table` between the markers, in place of what was there. */
function withTable(doc: string, table: string): string {
  const start = doc.indexOf(OPENING);
  const end = doc.indexOf(CLOSING);
  if (start === -1 || end < start) throw new Error(`${path.relative(repoRoot, PERFORMANCE_DOC)} needs the markers ${OPENING} and ${CLOSING}, in that order`);
  return `${doc.slice(0, start + OPENING.length)}\n${table}\n${doc.slice(end)}`;
}

function main(): void {
  const file = args.file === undefined ? path.join(repoRoot, LATEST_RESULTS) : path.resolve(args.file);
  if (!existsSync(file)) throw new Error(`${path.relative(process.cwd(), file)} does not exist: a full \`npm run bench\` (or one with --save-latest) writes ${LATEST_RESULTS}`);
  const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  const table = markdownReport(result);
  if (!args.write) {
    process.stdout.write(`${table}\n`);
    return;
  }
  writeFileSync(PERFORMANCE_DOC, withTable(readFileSync(PERFORMANCE_DOC, 'utf8'), table));
  process.stderr.write(`[performance-table] ${path.relative(process.cwd(), PERFORMANCE_DOC)}: the tables of ${result.meta.commit} (${result.meta.date})\n`);
}

try {
  main();
} catch (error: unknown) {
  process.stderr.write(`[performance-table] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
