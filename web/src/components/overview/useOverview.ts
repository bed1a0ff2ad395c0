/** The project overview's data, fetched in one place: pages of rows, and single rows that live updates refresh. */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { navigate, useSearch } from '../../router';
import { apiQueryOf, type OverviewView, searchOf, viewOf } from './overview-view';

export type OverviewRowData = Schemas['OverviewRow'];
export type OverviewGroupData = Schemas['OverviewGroup'];

/** Rows per request: a page fills a tall screen a few times over, and the API allows at most 200. */
export const OVERVIEW_PAGE = 100;

/** The view the address holds, and a way to change it (replacing the address, so Back leaves the page). */
export function useOverviewView(): [OverviewView, (change: Partial<OverviewView>) => void] {
  const search = useSearch();
  const view = useMemo(() => viewOf(search), [search]);
  const setView = useCallback(
    (change: Partial<OverviewView>) => navigate(`${window.location.pathname}${searchOf({ ...viewOf(window.location.search), ...change })}`, { replace: true }),
    [],
  );
  return [view, setView];
}

export function useOverviewPages(projectId: string, view: OverviewView) {
  return useInfiniteQuery({
    queryKey: ['overview', projectId, view],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/projects/{project_id}/overview', { params: { path: { project_id: projectId }, query: { ...apiQueryOf(view), cursor: pageParam, limit: OVERVIEW_PAGE } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/**
 * A row as its page had it, or as fetched again by itself when a live event about its task arrived
 * (live.ts invalidates ['overview-row', task id]): whichever is newer. Only rows on screen are
 * mounted, so an event refetches at most one row, and never the list.
 */
export function useLiveRow(projectId: string, row: OverviewRowData, pageUpdatedAt: number): OverviewRowData {
  const single = useQuery({
    queryKey: ['overview-row', row.task_id],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/overview/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: row.task_id } } })),
    initialData: row,
    initialDataUpdatedAt: pageUpdatedAt,
    staleTime: Infinity,
  });
  return single.dataUpdatedAt > pageUpdatedAt ? single.data : row;
}
