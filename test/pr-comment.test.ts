import { COMMENT_MARKER } from '../lib/review/format-markdown';
import { pullRequestFromEnv, PullRequest, upsertComment } from '../scripts/pr-comment';

const pr: PullRequest = { apiUrl: 'https://git.example.com/api/v1/', repository: 'platform/fleet', number: 7, token: 's3cr3t' };

/** A fake forge: serves `pages` of comments (the same page again past the end, as Gitea does), records every call. */
function forge(pages: Array<Array<{ id: number; body: string }>>, fail?: number) {
  const calls: Array<{ method: string; url: string; auth?: string; body?: unknown }> = [];
  const fetchFn = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    calls.push({ method: init.method, url, auth: init.headers.Authorization, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const page = Number(new URL(url).searchParams.get('page') ?? 1);
    const payload = init.method === 'GET' ? pages[Math.min(page, pages.length) - 1] ?? [] : { id: 99 };
    const status = fail ?? 200;
    return { ok: status < 300, status, json: async () => payload, text: async () => 'forbidden' };
  };
  return { calls, fetchFn };
}

describe('posting the diff on a pull request', () => {
  it('creates the comment, marked, when the pull request has none', async () => {
    const { calls, fetchFn } = forge([[{ id: 1, body: 'LGTM' }]]);
    expect(await upsertComment(pr, '### Rendered changes', fetchFn)).toBe('created');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET https://git.example.com/api/v1/repos/platform/fleet/issues/7/comments?per_page=100&limit=100&page=1',
      'GET https://git.example.com/api/v1/repos/platform/fleet/issues/7/comments?per_page=100&limit=100&page=2',
      'POST https://git.example.com/api/v1/repos/platform/fleet/issues/7/comments',
    ]);
    expect(calls[2]).toMatchObject({ auth: 'token s3cr3t', body: { body: `${COMMENT_MARKER}\n### Rendered changes` } });
  });

  it('updates its own earlier comment, found by the marker on a later page', async () => {
    const { calls, fetchFn } = forge([[{ id: 1, body: 'LGTM' }], [{ id: 5, body: `${COMMENT_MARKER}\nold` }], []]);
    expect(await upsertComment(pr, `${COMMENT_MARKER}\nnew`, fetchFn)).toBe('updated');
    expect(calls.at(-1)).toMatchObject({ method: 'PATCH', url: 'https://git.example.com/api/v1/repos/platform/fleet/issues/comments/5', body: { body: `${COMMENT_MARKER}\nnew` } });
  });

  it('fails with the HTTP status when the forge refuses', async () => {
    const { fetchFn } = forge([[]], 403);
    await expect(upsertComment(pr, 'x', fetchFn)).rejects.toThrow('GET /repos/platform/fleet/issues/7/comments?per_page=100&limit=100&page=1: HTTP 403 forbidden');
  });

  it('reads the pull request from the CI environment', () => {
    expect(pullRequestFromEnv({ GITHUB_API_URL: 'https://api.github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: 't', PR_NUMBER: '12' }))
      .toEqual({ apiUrl: 'https://api.github.com', repository: 'o/r', token: 't', number: 12 });
    expect(() => pullRequestFromEnv({ GITHUB_API_URL: 'https://api.github.com' })).toThrow('GITHUB_REPOSITORY, GITHUB_TOKEN, PR_NUMBER not set (run this in a pull_request workflow)');
    expect(() => pullRequestFromEnv({ GITHUB_API_URL: 'a', GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: 't', PR_NUMBER: 'main' })).toThrow('PR_NUMBER "main" is not a pull request number');
  });
});
