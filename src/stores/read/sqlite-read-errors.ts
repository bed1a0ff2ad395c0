import { AppError, ConflictError, UnavailableError } from '../../errors/app-error';

/** SQLite's failures as the application's errors: a unique index is a conflict; a busy, locked or failing disk is unavailable. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return new ConflictError(`Unique index violated: ${(err as Error).message}`);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL') {
    return new UnavailableError(`Read store: ${(err as Error).message}`);
  }
  return err;
}
