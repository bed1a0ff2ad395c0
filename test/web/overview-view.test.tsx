import { DEFAULT_VIEW, apiQueryOf, isFiltered, searchOf, viewOf } from '../../web/src/components/overview/overview-view';

describe('the overview view in the address', () => {
  it('reads what the address holds and writes back only what differs from the default', () => {
    const view = viewOf('?q=back&status=failing&mode=pull&group=none&tag=eu&sort=p95&order=desc');
    expect(view).toEqual({ q: 'back', status: 'failing', mode: 'pull', group: 'none', tag: 'eu', sort: 'p95', order: 'desc' });
    expect(searchOf(view)).toBe('?q=back&status=failing&mode=pull&group=none&tag=eu&sort=p95&order=desc');
    expect(searchOf(DEFAULT_VIEW)).toBe('');
    expect(isFiltered(view)).toBe(true);
    expect(isFiltered(viewOf('?sort=name'))).toBe(false);
  });

  it('falls back to the default for values it does not know, and leaves empty values out of the API query', () => {
    expect(viewOf('?status=broken&mode=cron&sort=colour&order=up')).toEqual(DEFAULT_VIEW);
    expect(apiQueryOf(viewOf('?q=%20%20&tag=eu'))).toEqual({ q: undefined, status: undefined, mode: undefined, group: undefined, tag: 'eu', sort: 'state', order: 'asc' });
  });
});
