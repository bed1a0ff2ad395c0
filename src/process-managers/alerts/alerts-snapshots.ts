import type { AlertStreamState } from '../../commands/alerts/alert-state';
import type { StateSnapshots } from '../process-manager';
import type { ProjectRuleBook } from '../project-rule-book';
import type { AlertDirectory } from './alert-directory';
import type { DurationWatch } from './duration-watch';

/** A task's alert stream as the alerts manager knows it. */
export interface KnownStream {
  state: AlertStreamState;
  revision: number;
  /** Folded from the stream's first event with none missed: a command may start from it. */
  whole: boolean;
}

interface AlertsSnapshot {
  directory: ReturnType<AlertDirectory['snapshot']>;
  durations: ReturnType<DurationWatch['snapshot']>;
  rules: ReturnType<ProjectRuleBook['snapshot']>;
  streams: Array<[string, KnownStream]>;
}

/**
 * The alerts manager's state as JSON: the directory, duration facts, windows and each task's alert stream
 * as known. A stream may be known past the snapshot's position (a command's outcome): its events, met
 * again after a restore, are skipped by revision.
 */
export function alertsSnapshots(directory: AlertDirectory, durations: DurationWatch, rules: ProjectRuleBook, streams: Map<string, KnownStream>): StateSnapshots {
  return {
    version: 1,
    take: (): AlertsSnapshot => ({ directory: directory.snapshot(), durations: durations.snapshot(), rules: rules.snapshot(), streams: [...streams] }),
    restore: (state) => {
      const saved = state as AlertsSnapshot;
      directory.restore(saved.directory);
      durations.restore(saved.durations);
      rules.restore(saved.rules);
      for (const [taskId, known] of saved.streams) streams.set(taskId, known);
    },
  };
}
