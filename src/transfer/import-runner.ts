import type { WriteConditions } from '../domain/config-document.js';
import { AppError, ImportInterrupted, ImportNotConfirmed, RecordNotFound } from '../domain/errors.js';
import type { ConfigStore } from '../storage/config-store.js';
import { mapWithConcurrency } from '../storage/map-with-concurrency.js';
import type { ImportPlan, ImportReport } from './import-plan.js';

/** Writes in flight at once: enough to overlap fsyncs, few enough to leave the store's locks to other requests. */
const WRITE_CONCURRENCY = 8;

/** A write refused because the config changed after the plan was made: reported as a conflict, not a failure. */
const isConflict = (error: unknown) => error instanceof AppError && (error.statusCode === 409 || error.statusCode === 412);

/** Refuses a replace import whose `confirm` is not the number of deletions its plan makes. */
export function assertConfirmed(plan: ImportPlan, confirm: number | undefined): void {
  const deletions = plan.report.delete.length;
  if (deletions > 0 && confirm !== deletions) throw new ImportNotConfirmed(deletions, confirm);
}

/**
 * Applies a plan through the store's save and remove, the normal write path (lock, atomic write, ETag, MQTT,
 * a history version with operation `import`). Each write expects the ETag the plan saw. Configs are written
 * first and deleted only if every write succeeded; the first failure stops the import, and the error says
 * which changes were made: each config is then either as it was or as imported.
 */
export async function applyImport(store: ConfigStore, plan: ImportPlan, actor: string | null): Promise<ImportReport> {
  const { report } = plan;
  const done: ImportReport = { ...report, create: [], update: [], delete: [], conflicts: [...report.conflicts] };
  const pending = new Set([...plan.writes.keys(), ...plan.deletes.keys()]);
  const conflict = (mac: string, error: unknown) => done.conflicts.push({ mac_address: mac, reason: `changed on the server during the import: ${(error as Error).message}` });
  try {
    await mapWithConcurrency([...plan.writes], WRITE_CONCURRENCY, async ([mac, { bytes, currentEtag, exists }]) => {
      const conditions: WriteConditions = !exists ? { ifNoneMatch: '*' } : currentEtag === null ? {} : { ifMatch: [currentEtag] };
      try {
        await store.save(mac, bytes, conditions, { actor, operation: 'import' });
        if (exists) done.update.push({ mac_address: mac, current_etag: currentEtag });
        else done.create.push(mac);
      } catch (error) {
        if (!isConflict(error)) throw error;
        conflict(mac, error);
      }
      pending.delete(mac);
    });
    await mapWithConcurrency([...plan.deletes], WRITE_CONCURRENCY, async ([mac, etag]) => {
      try {
        await store.remove(mac, etag === null ? {} : { ifMatch: [etag] }, { actor });
        done.delete.push(mac);
      } catch (error) {
        // Deleted by someone else meanwhile: the outcome asked for.
        if (!(error instanceof RecordNotFound) && !isConflict(error)) throw error;
        if (isConflict(error)) conflict(mac, error);
      }
      pending.delete(mac);
    });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new ImportInterrupted(error, sorted(done), [...pending].sort());
  }
  return sorted(done);
}

function sorted(report: ImportReport): ImportReport {
  return {
    ...report,
    create: [...report.create].sort(),
    update: [...report.update].sort((a, b) => a.mac_address.localeCompare(b.mac_address)),
    delete: [...report.delete].sort(),
    conflicts: [...report.conflicts].sort((a, b) => a.mac_address.localeCompare(b.mac_address)),
  };
}
