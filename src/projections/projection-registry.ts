import type { ReadStore } from '../stores/read/read-store';
import type { Projection } from './projection';

/** Stored in the read store's meta: which generation of a projection answers queries. */
export interface ProjectionGeneration {
  version: number;
  generation: number;
}

export function metaKey(projectionName: string): string {
  return `projection:${projectionName}`;
}

export function physicalCollection(projectionName: string, generation: number, collection: string): string {
  return `${projectionName}_g${generation}_${collection}`;
}

export function checkpointName(projectionName: string, generation: number): string {
  return `${projectionName}#${generation}`;
}

/**
 * Maps logical collections to the physical ones of the active generation. Every server instance keeps
 * one; it re-reads the generations when told (after a rebuild switched over, possibly in another process).
 */
export class ProjectionRegistry {
  private readonly active = new Map<string, ProjectionGeneration>();

  constructor(private readonly readStore: ReadStore) {}

  async refresh(projections: Projection[]): Promise<void> {
    for (const projection of projections) {
      const stored = await this.readStore.getMeta<ProjectionGeneration>(metaKey(projection.name));
      if (stored) this.active.set(projection.name, stored);
    }
  }

  set(projectionName: string, generation: ProjectionGeneration): void {
    this.active.set(projectionName, generation);
  }

  generationOf(projectionName: string): ProjectionGeneration | undefined {
    return this.active.get(projectionName);
  }

  /** The physical collection that queries read, e.g. collection('history', 'executions'). */
  collection(projectionName: string, collection: string): string {
    const active = this.active.get(projectionName);
    if (!active) throw new Error(`Projection ${projectionName} has not been started`);
    return physicalCollection(projectionName, active.generation, collection);
  }
}
