/**
 * `npm run db:functions`: when db/functions/*.sql differ from the newest `*_sql_functions.sql`
 * migration, writes the next migration (CREATE OR REPLACE of every function) and its journal entry.
 * `--check` only compares (exit 1 when a migration is owed).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  FUNCTIONS_MIGRATION_SUFFIX,
  latestFunctionsMigration,
  MIGRATIONS_DIR,
  renderFunctionsMigration,
} from '../db/functions/render.ts';

interface Journal {
  entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
}

const rendered = renderFunctionsMigration();
const latest = latestFunctionsMigration();
if (latest && readFileSync(`${MIGRATIONS_DIR}/${latest}`, 'utf8') === rendered) {
  console.log(`db/functions/*.sql match ${latest}: no migration owed`);
  process.exit(0);
}
if (process.argv.includes('--check')) {
  console.error(`db/functions/*.sql differ from ${latest ?? 'every migration'}: run npm run db:functions`);
  process.exit(1);
}
const journalPath = `${MIGRATIONS_DIR}/meta/_journal.json`;
const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
const last = journal.entries.at(-1);
const idx = (last?.idx ?? -1) + 1;
const tag = `${String(idx).padStart(4, '0')}${FUNCTIONS_MIGRATION_SUFFIX.replace(/\.sql$/, '')}`;
// drizzle's migrator applies the entries newer than the last applied one's `when`; the journal's
// entries are 10 minutes apart, so the next one keeps that step.
journal.entries.push({ idx, version: '7', when: (last?.when ?? 0) + 600_000, tag, breakpoints: true });
writeFileSync(`${MIGRATIONS_DIR}/${tag}.sql`, rendered);
writeFileSync(journalPath, JSON.stringify(journal, null, 2));
// drizzle-kit generate diffs the schema against the newest snapshot: functions change no table, so
// the new snapshot is the previous one under a new id.
if (last) {
  const previous = JSON.parse(
    readFileSync(`${MIGRATIONS_DIR}/meta/${last.tag.slice(0, 4)}_snapshot.json`, 'utf8'),
  );
  const snapshot = { ...previous, id: randomUUID(), prevId: previous.id };
  writeFileSync(`${MIGRATIONS_DIR}/meta/${tag.slice(0, 4)}_snapshot.json`, JSON.stringify(snapshot, null, 2));
}
console.log(`wrote db/migrations/${tag}.sql and its journal entry`);
