import { type UIEvent, useEffect, useMemo, useState } from 'react';
import type { OverviewSort, OverviewView } from './overview-view';
import { TaskRow } from './TaskRow';
import type { OverviewGroupData, OverviewRowData } from './useOverview';

/** Every row is this tall (Overview.css keeps it so): what the windowing counts with. */
export const ROW_HEIGHT = 44;
/** Rows drawn above and below the visible ones, so fast scrolling shows no gap. */
const OVERSCAN = 8;
/** How near the end of the loaded rows the next page is asked for. */
const PREFETCH_ROWS = 20;

type Item = { kind: 'group'; key: string; group: OverviewGroupData } | { kind: 'task'; key: string; row: OverviewRowData; updatedAt: number };

const COLUMNS: Array<{ label: string; sort: OverviewSort }> = [
  { label: 'Status', sort: 'state' },
  { label: 'Task', sort: 'name' },
  { label: 'Mode', sort: 'mode' },
  { label: 'Last runs', sort: 'last_run' },
  { label: 'Schedule, next run', sort: 'next_run' },
  { label: 'Last duration', sort: 'last_duration' },
  { label: 'p95, 7 days', sort: 'p95' },
  { label: 'Success, 7 days', sort: 'success_rate' },
];

export interface OverviewTableProps {
  projectId: string;
  projectZone: string;
  pages: Array<{ rows: OverviewRowData[]; updatedAt: number }>;
  groups: OverviewGroupData[];
  view: OverviewView;
  onSort: (sort: OverviewSort, order: 'asc' | 'desc') => void;
  hasMore: boolean;
  loadMore: () => void;
}

const groupKey = (id: string | null) => id ?? 'none';

/**
 * The overview's rows under a group row per group (a button folds its tasks), in a scrolling box that
 * draws only the rows in view: a thousand tasks cost the DOM of a few dozen. Column headers sort
 * (aria-sort says how); the next page loads as the end comes into view.
 */
export function OverviewTable({ projectId, projectZone, pages, groups, view, onSort, hasMore, loadMore }: OverviewTableProps) {
  const [folded, setFolded] = useState<ReadonlySet<string>>(new Set());
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const showGroups = groups.length > 1 || groups.some((g) => g.id !== null);
  const items = useMemo(() => {
    const list: Item[] = [];
    let current: string | undefined;
    for (const page of pages) {
      for (const row of page.rows) {
        const key = groupKey(row.group_id);
        if (showGroups && key !== current) {
          current = key;
          const group = groups.find((g) => groupKey(g.id) === key) ?? { id: row.group_id, name: row.group_name, tasks: 0, attention: 0 };
          list.push({ kind: 'group', key: `group-${key}`, group });
        }
        if (!(showGroups && folded.has(key))) list.push({ kind: 'task', key: row.task_id, row, updatedAt: page.updatedAt });
      }
    }
    return list;
  }, [pages, groups, folded, showGroups]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => {
    if (hasMore && last >= items.length - PREFETCH_ROWS) loadMore();
  }, [hasMore, last, items.length, loadMore]);

  const onScroll = (event: UIEvent<HTMLDivElement>) => {
    setScrollTop(event.currentTarget.scrollTop);
    setHeight(event.currentTarget.clientHeight);
  };
  const toggle = (key: string) => {
    const next = new Set(folded);
    if (!next.delete(key)) next.add(key);
    setFolded(next);
  };
  const header = (column: (typeof COLUMNS)[number]) => {
    const active = view.sort === column.sort;
    const order = active && view.order === 'asc' ? 'desc' : 'asc';
    return (
      <th key={column.label} scope="col" aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" className="sort-button" onClick={() => onSort(column.sort, active ? order : 'asc')}>
          {column.label}
          <span aria-hidden="true">{active ? (view.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };
  return (
    <div className="overview-scroll" tabIndex={0} role="region" aria-label="Tasks of the project" onScroll={onScroll} style={{ maxHeight: `max(60vh, ${ROW_HEIGHT * 8}px)` }}>
      <table className="overview" aria-rowcount={items.length + 1}>
        <thead>
          <tr aria-rowindex={1}>{COLUMNS.map(header)}</tr>
        </thead>
        <tbody>
          {first > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: first * ROW_HEIGHT }} /> : null}
          {items.slice(first, last).map((item, i) =>
            item.kind === 'group' ? (
              <GroupRow key={item.key} group={item.group} folded={folded.has(groupKey(item.group.id))} onToggle={() => toggle(groupKey(item.group.id))} index={first + i + 2} />
            ) : (
              <TaskRow key={item.key} projectId={projectId} projectZone={projectZone} row={item.row} pageUpdatedAt={item.updatedAt} index={first + i + 2} />
            ),
          )}
          {last < items.length ? <tr aria-hidden="true" className="spacer" style={{ height: (items.length - last) * ROW_HEIGHT }} /> : null}
        </tbody>
      </table>
    </div>
  );
}

function GroupRow({ group, folded, onToggle, index }: { group: OverviewGroupData; folded: boolean; onToggle: () => void; index: number }) {
  const name = group.name ?? 'Without a group';
  return (
    <tr className="group-row" aria-rowindex={index}>
      <th scope="rowgroup" colSpan={COLUMNS.length}>
        <button type="button" className="fold-button" aria-expanded={!folded} onClick={onToggle}>
          <span aria-hidden="true">{folded ? '▸' : '▾'}</span> {name}
        </button>{' '}
        <span className="small muted">
          {group.tasks} task{group.tasks === 1 ? '' : 's'}
          {group.attention ? <span className="badge badge-bad">{group.attention} need attention</span> : null}
        </span>
      </th>
    </tr>
  );
}
