import fs from 'node:fs/promises';
import {
  AppError,
  StorageBusy,
  StorageError,
  StorageFull,
  StorageUnavailable,
} from '../domain/errors.js';

/** Whether `filePath` exists (a symlink is not followed); any error but ENOENT is thrown. */
export async function exists(filePath: string): Promise<boolean> {
  return fs.lstat(filePath).then(
    () => true,
    (error: unknown) => {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    },
  );
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** Error codes that mean "try again", never "this file is broken" or "this file is gone". */
export const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'EINTR', 'ETIMEDOUT', 'ESTALE', 'EIO']);

/**
 * Turns a filesystem error met while working in `dir` into a domain error
 * with a message safe to show. Domain errors pass through untouched.
 */
export function storageFailure(error: unknown, dir: string, action: string): AppError {
  if (error instanceof AppError) return error;
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFull();
  if (code !== undefined && TRANSIENT_CODES.has(code)) return new StorageBusy(`${action}: ${code}`);
  if (code === 'EACCES' || code === 'EPERM') return new StorageUnavailable(`Permission denied: ${dir}`);
  if (code === 'EROFS') return new StorageUnavailable(`Read-only file system: ${dir}`);
  return new StorageError(`Storage failure while trying to ${action}`, { cause: error });
}
