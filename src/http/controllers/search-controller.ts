import { Controller, Get, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { requireUser } from '../../auth/require-user';
import { ValidationError } from '../../errors/app-error';
import { quickSearch, type SearchResult } from '../../queries/quick-search';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';

const MAX_QUERY = 200;
const MAX_LIMIT = 50;
const DEFAULT_LIMIT = 20;

/** The dashboard's quick search over what the signed-in person may read. */
@Route('search')
@Tags('Search')
@Security('user')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Not signed in')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class SearchController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * Projects and tasks whose name contains `q` (case-insensitive; names starting with it first), and the
   * execution, task or project whose id is exactly `q` (listed first), among the projects the caller is a
   * member of (every project for a super admin).
   * @param q 1 to 200 characters (surrounding spaces ignored).
   * @param limit 1 to 50 (default 20).
   */
  @Get()
  public async search(@Request() request: ExpressRequest, @Query() q?: string, @Query() limit?: string): Promise<SearchResult> {
    const user = requireUser(principalOf(request));
    const text = (q ?? '').trim();
    if (text === '') throw new ValidationError('Invalid q', ['q: required, the text to search for']);
    if (text.length > MAX_QUERY) throw new ValidationError('Invalid q', [`q: at most ${MAX_QUERY} characters`]);
    return quickSearch(this.services, { email: user.email, superAdmin: user.superAdmin }, text, limitParam(limit));
  }
}

function limitParam(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new ValidationError('Invalid limit', [`limit: a whole number from 1 to ${MAX_LIMIT}`]);
  return n;
}
