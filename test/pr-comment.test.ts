import { COMMENT_MARKER } from '../lib/review/format-markdown';
import { pullRequestFromEnv, PullRequest, upsertComment } from '../scripts/pr-comment';

const pr: PullRequest = { apiUrl: 'https://git.example.com/api/v1/', repository: 'platform/fleet', number: 7, token: 's3cr3t' };

type FakeComment = { id: number; body: string; user?: { login: string; type: string } };

const CI_USER = { login: 'fleet-ci', type: 'User' };
const ACTIONS_BOT = { login: 'github-actions[bot]', type: 'Bot' };
const REVIEWER = { login: 'alice', type: 'User' };

/**
 * A fake forge: serves `pages` of comments (the same page again past the end, as Gitea does) and the
 * token's `user` at /user (refused with 403 when null, as for GitHub Actions' token), records every call.
 */
function forge(pages: FakeComment[][], { fail, user = CI_USER }: { fail?: number; user?: { login: string; type: string } | null } = {}) {
  const calls: Array<{ method: string; url: string; auth?: string; body?: unknown }> = [];
  const fetchFn = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    calls.push({ method: init.method, url, auth: init.headers.Authorization, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const page = Number(new URL(url).searchParams.get('page') ?? 1);
    const isUser = new URL(url).pathname.endsWith('/user');
    const payload = isUser ? user : init.method === 'GET' ? pages[Math.min(page, pages.length) - 1] ?? [] : { id: 99 };
    const status = fail ?? (isUser && !user ? 403 : 200);
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
    const { calls, fetchFn } = forge([[{ id: 1, body: 'LGTM', user: REVIEWER }], [{ id: 5, body: `${COMMENT_MARKER}\nold`, user: CI_USER }], []]);
    expect(await upsertComment(pr, `${COMMENT_MARKER}\nnew`, fetchFn)).toBe('updated');
    expect(calls.at(-1)).toMatchObject({ method: 'PATCH', url: 'https://git.example.com/api/v1/repos/platform/fleet/issues/comments/5', body: { body: `${COMMENT_MARKER}\nnew` } });
  });

  it("creates a new comment rather than editing another user's marked comment", async () => {
    const quoted = { id: 3, body: `> ${COMMENT_MARKER}\n> old diff, quoted`, user: REVIEWER };
    const { calls, fetchFn } = forge([[quoted], []]);
    expect(await upsertComment(pr, 'new', fetchFn)).toBe('created');
    expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'GET /api/v1/repos/platform/fleet/issues/7/comments',
      'GET /api/v1/repos/platform/fleet/issues/7/comments',
      'GET /api/v1/user',
      'POST /api/v1/repos/platform/fleet/issues/7/comments',
    ]);
  });

  it('updates the latest of its own marked comments, passing over later ones of others', async () => {
    const mine = (id: number) => ({ id, body: `${COMMENT_MARKER}\nold ${id}`, user: CI_USER });
    const { calls, fetchFn } = forge([[mine(2), mine(6), { id: 8, body: `${COMMENT_MARKER}\ncopied`, user: REVIEWER }], []]);
    expect(await upsertComment(pr, 'new', fetchFn)).toBe('updated');
    expect(calls.at(-1)).toMatchObject({ method: 'PATCH', url: 'https://git.example.com/api/v1/repos/platform/fleet/issues/comments/6' });
  });

  it('takes a bot\'s marked comment as its own when the token cannot read /user (GitHub Actions)', async () => {
    const comments = [{ id: 4, body: `${COMMENT_MARKER}\nold`, user: ACTIONS_BOT }, { id: 9, body: `${COMMENT_MARKER}\nquoted`, user: REVIEWER }];
    const { calls, fetchFn } = forge([comments, []], { user: null });
    expect(await upsertComment(pr, 'new', fetchFn)).toBe('updated');
    expect(calls.at(-1)).toMatchObject({ method: 'PATCH', url: 'https://git.example.com/api/v1/repos/platform/fleet/issues/comments/4' });
    const { calls: humanOnly, fetchFn: humanFetch } = forge([[comments[1]], []], { user: null });
    expect(await upsertComment(pr, 'new', humanFetch)).toBe('created');
    expect(humanOnly.at(-1)).toMatchObject({ method: 'POST' });
  });

  it('fails with the HTTP status when the forge refuses', async () => {
    const { fetchFn } = forge([[]], { fail: 403 });
    await expect(upsertComment(pr, 'x', fetchFn)).rejects.toThrow('GET /repos/platform/fleet/issues/7/comments?per_page=100&limit=100&page=1: HTTP 403 forbidden');
  });

  it('reads the pull request from the CI environment', () => {
    expect(pullRequestFromEnv({ GITHUB_API_URL: 'https://api.github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: 't', PR_NUMBER: '12' }))
      .toEqual({ apiUrl: 'https://api.github.com', repository: 'o/r', token: 't', number: 12 });
    expect(() => pullRequestFromEnv({ GITHUB_API_URL: 'https://api.github.com' })).toThrow('GITHUB_REPOSITORY, GITHUB_TOKEN, PR_NUMBER not set (run this in a pull_request workflow)');
    expect(() => pullRequestFromEnv({ GITHUB_API_URL: 'a', GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: 't', PR_NUMBER: 'main' })).toThrow('PR_NUMBER "main" is not a pull request number');
  });
});
