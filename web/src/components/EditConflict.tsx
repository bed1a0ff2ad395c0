import { useEffect, useState } from 'react';
import { isEditConflict, type Versioned } from '../api/versions';

/** One field of an editor: what the person entered beside what is stored now. */
export interface ComparedField {
  label: string;
  mine: unknown;
  current: unknown;
}

/**
 * An editor's version: the ETag of what it loaded (sent as If-Match by `save`), and after a 412 the
 * current version, loaded on demand to compare with, or to save over once the person has seen it.
 */
export function useEditVersion<T>(etag: string | null, loadCurrent: () => Promise<Versioned<T>>) {
  const [version, setVersion] = useState(etag);
  const [current, setCurrent] = useState<Versioned<T> | null>(null);
  /** The version saved over after a comparison: its fields that the editor does not show are kept. */
  const [adopted, setAdopted] = useState<T | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  // An editor that follows a newer version of what it shows (its fields reset too) edits that version.
  useEffect(() => setVersion(etag), [etag]);
  return {
    version,
    current,
    adopted,
    loadError,
    compare: async () => {
      setLoadError(null);
      try {
        setCurrent(await loadCurrent());
      } catch (err) {
        setLoadError(err);
      }
    },
    /** Adopts the compared version: the next save replaces it, knowingly. Returns it (null if none was compared). */
    adoptCurrent: (): Versioned<T> | null => {
      if (!current) return null;
      setVersion(current.etag);
      setAdopted(current.data);
      setCurrent(null);
      return current;
    },
  };
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Shown when a save was refused because someone else changed the thing since it was loaded: reload
 * (dropping this person's changes) or compare them with the current values, then save over them.
 */
export function EditConflict({
  error,
  what,
  fields,
  onReload,
  onCompare,
  onOverwrite,
  loadError,
}: {
  error: unknown;
  /** Why the current values could not be loaded, if so. */
  loadError?: unknown;
  what: string;
  /** null until compared. */
  fields: ComparedField[] | null;
  onReload: () => void;
  onCompare: () => void;
  onOverwrite: () => void;
}) {
  if (!isEditConflict(error)) return null;
  return (
    <div className="error conflict" role="alert" aria-label="Edit conflict">
      <p>
        <strong>This {what} was changed by someone else since you opened it.</strong> Your changes are not saved.
      </p>
      <div className="actions">
        <button type="button" onClick={onReload}>
          Reload (discard my changes)
        </button>
        <button type="button" onClick={onCompare}>
          Compare
        </button>
      </div>
      {loadError ? <p>The current values could not be loaded: {loadError instanceof Error ? loadError.message : String(loadError)}</p> : null}
      {fields ? (
        <>
          <table className="compare">
            <caption>Your changes beside the current values</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Yours</th>
                <th scope="col">Current</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((field) => {
                const differs = shown(field.mine) !== shown(field.current);
                return (
                  <tr key={field.label} className={differs ? 'differs' : undefined}>
                    <th scope="row">
                      {field.label}
                      {differs ? <span className="badge badge-busy">differs</span> : null}
                    </th>
                    <td>{shown(field.mine)}</td>
                    <td>{shown(field.current)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="button" className="primary" onClick={onOverwrite}>
            Save mine over the current values
          </button>
        </>
      ) : null}
    </div>
  );
}
