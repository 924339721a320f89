/**
 * Posts the markdown diff on a pull request, or updates the comment an earlier run posted (found by
 * its marker and written by the same user), so a pull request carries one diff comment however often
 * it is pushed.
 *
 *   node --import tsx scripts/pr-comment.ts rendered-diff.md
 *
 * Reads GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN and PR_NUMBER. GitHub and Gitea serve the
 * same issue-comment endpoints below their API root (Gitea Actions sets GITHUB_API_URL to
 * `<gitea>/api/v1`), so one script serves both.
 */
import * as fs from 'node:fs';
import { COMMENT_MARKER } from '../lib/review/format-markdown';

export interface PullRequest {
  /** API root, such as https://api.github.com or https://gitea.example.com/api/v1. */
  readonly apiUrl: string;
  /** owner/name */
  readonly repository: string;
  readonly number: number;
  readonly token: string;
}

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

interface User {
  readonly login?: string;
  /** `Bot` for GitHub Apps such as github-actions[bot]. */
  readonly type?: string;
}

interface Comment {
  readonly id: number;
  readonly body?: string;
  readonly user?: User;
}

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** Pages through the comments (GitHub pages by per_page; Gitea by limit, or not at all), stopping at an empty or repeated page. */
async function listComments(pr: PullRequest, call: Call): Promise<Comment[]> {
  const seen = new Map<number, Comment>();
  for (let page = 1; page <= 50; page++) {
    const batch = (await call('GET', `/repos/${pr.repository}/issues/${pr.number}/comments?per_page=100&limit=100&page=${page}`)) as Comment[];
    const fresh = batch.filter((c) => !seen.has(c.id));
    if (!fresh.length) break;
    for (const c of fresh) seen.set(c.id, c);
  }
  return [...seen.values()];
}

/**
 * Which comments the token may edit: those of its own user. GitHub Actions' token cannot read /user;
 * its comments are github-actions[bot]'s, so a bot's marked comment is taken as its own.
 */
async function ownAuthor(call: Call): Promise<(user: User | undefined) => boolean> {
  try {
    const { login } = (await call('GET', '/user')) as User;
    if (login) return (user) => user?.login === login;
  } catch {
    // fall through to the bot rule
  }
  return (user) => user?.type === 'Bot';
}

/** The latest comment with the marker that the token's user wrote, which it may update. */
async function ownDiffComment(pr: PullRequest, call: Call): Promise<Comment | undefined> {
  const marked = (await listComments(pr, call)).filter((c) => c.body?.includes(COMMENT_MARKER));
  if (!marked.length) return undefined;
  const isOwn = await ownAuthor(call);
  // Another user's marked comment (a quote, a copy) cannot be edited with this token: PATCH answers 403.
  return marked.filter((c) => isOwn(c.user)).sort((a, b) => a.id - b.id).at(-1);
}

/** Creates the diff comment, or replaces the body of the latest one of the same user that carries the marker. */
export async function upsertComment(pr: PullRequest, body: string, fetchFn: Fetch = fetch as unknown as Fetch): Promise<'created' | 'updated'> {
  const call: Call = async (method, path, payload) => {
    const res = await fetchFn(`${pr.apiUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { Authorization: `token ${pr.token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return res.json();
  };
  const text = body.includes(COMMENT_MARKER) ? body : `${COMMENT_MARKER}\n${body}`;
  const existing = await ownDiffComment(pr, call);
  if (existing) {
    await call('PATCH', `/repos/${pr.repository}/issues/comments/${existing.id}`, { body: text });
    return 'updated';
  }
  await call('POST', `/repos/${pr.repository}/issues/${pr.number}/comments`, { body: text });
  return 'created';
}

/** The pull request from the CI environment; throws naming what is missing. */
export function pullRequestFromEnv(env: NodeJS.ProcessEnv): PullRequest {
  const missing = ['GITHUB_API_URL', 'GITHUB_REPOSITORY', 'GITHUB_TOKEN', 'PR_NUMBER'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`${missing.join(', ')} not set (run this in a pull_request workflow)`);
  const number = Number(env.PR_NUMBER);
  if (!Number.isInteger(number) || number < 1) throw new Error(`PR_NUMBER ${JSON.stringify(env.PR_NUMBER)} is not a pull request number`);
  return { apiUrl: env.GITHUB_API_URL as string, repository: env.GITHUB_REPOSITORY as string, number, token: env.GITHUB_TOKEN as string };
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1) {
    console.error('usage: node --import tsx scripts/pr-comment.ts <markdown-file>');
    return 2;
  }
  try {
    const pr = pullRequestFromEnv(process.env);
    const outcome = await upsertComment(pr, fs.readFileSync(argv[0], 'utf8'));
    console.log(`pr-comment: ${outcome} the diff comment on ${pr.repository}#${pr.number}`);
    return 0;
  } catch (err) {
    console.error(`pr-comment: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
