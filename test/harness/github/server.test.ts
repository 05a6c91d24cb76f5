// The GitHub fake, driven by @actions/github's getOctokit (@octokit/core with the REST endpoint methods and
// pagination plugins), the client the actions are built on. @actions/github is a dependency of
// packages/kit, not of test/, so it is imported from kit's node_modules. kit's createOctokit is not used
// here: its throttling plugin spaces writes 1 s apart and its `request.retries` makes plugin-retry repeat
// even 4xx answers, which would blur what each request does. Requests Octokit's types forbid (a number
// where the schema wants a string) go through fetch.

import { getOctokit } from '@actions/github';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubServer } from './server.js';

const OWNER = 'octo-org';
const REPO = 'hello-world';
const WRITE = 'ghs_write_token';
const READ = 'ghs_fork_read_token';
const USER = 'ghp_user_token';

type Octokit = ReturnType<typeof getOctokit>;

let gh: GitHubFake;
let octokit: Octokit;
let startupMs = 0;

function client(token: string): Octokit {
  return getOctokit(token, { baseUrl: gh.url });
}

async function raw(method: string, path: string, body?: unknown, token: string | null = WRITE) {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (token !== null) headers.authorization = `token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

/** The status of a rejected Octokit call (RequestError), or a failure when it did not reject. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as { status: number }).status;
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  const started = performance.now();
  gh = await startGitHubServer({ owner: OWNER, repo: REPO });
  gh.addToken(WRITE);
  gh.addToken(READ, { permissions: 'read' });
  gh.addToken(USER, { login: 'octocat', type: 'User', name: 'The Octocat' });
  octokit = client(WRITE);
  // The first request compiles the validators it needs.
  await raw('GET', `/repos/${OWNER}/${REPO}/pulls`);
  startupMs = performance.now() - started;
});

afterAll(async () => {
  await gh.close();
});

beforeEach(() => {
  gh.reset();
  gh.state.addPullRequest({ number: 7, headRef: 'feature/login', title: 'Add login', user: 'octocat' });
});

// Every test leaves the fake without violations: each response it sent validated, each request conformed.
afterEach(() => {
  gh.assertNoViolations();
});

describe('the description', () => {
  it('loads and validates its first request well under 2 s', () => {
    const { readMs, parseMs, prepareMs } = gh.spec.timings;
    expect(readMs + parseMs + prepareMs).toBeLessThan(2000);
    expect(startupMs).toBeLessThan(2000);
  });
});

describe('issue comments', () => {
  it('creates, lists, updates and deletes a comment, keeping state', async () => {
    const created = await octokit.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: 7,
      body: 'first',
    });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('github-actions[bot]');
    expect(created.data.user?.id).toBe(41898282);
    expect(created.data.author_association).toBe('NONE');
    expect(created.data.html_url).toBe(
      `https://github.com/${OWNER}/${REPO}/pull/7#issuecomment-${created.data.id}`,
    );
    expect(created.headers.location).toBe(created.data.url);

    const listed = await octokit.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 7 });
    expect(listed.data.map((c) => c.body)).toEqual(['first']);

    const updated = await octokit.rest.issues.updateComment({
      owner: OWNER,
      repo: REPO,
      comment_id: created.data.id,
      body: 'second',
    });
    expect(updated.data.body).toBe('second');
    expect(gh.state.comment(created.data.id)?.body).toBe('second');
    const fetched = await octokit.rest.issues.getComment({
      owner: OWNER,
      repo: REPO,
      comment_id: created.data.id,
    });
    expect(fetched.data.body).toBe('second');

    const deleted = await octokit.rest.issues.deleteComment({
      owner: OWNER,
      repo: REPO,
      comment_id: created.data.id,
    });
    expect(deleted.status).toBe(204);
    expect(gh.state.comments(7)).toEqual([]);
    expect(
      await statusOf(
        octokit.rest.issues.getComment({ owner: OWNER, repo: REPO, comment_id: created.data.id }),
      ),
    ).toBe(404);

    expect(gh.requests.map((r) => `${r.method} ${r.status} ${r.login}`)).toEqual([
      'POST 201 github-actions[bot]',
      'GET 200 github-actions[bot]',
      'PATCH 200 github-actions[bot]',
      'GET 200 github-actions[bot]',
      'DELETE 204 github-actions[bot]',
      'GET 404 github-actions[bot]',
    ]);
    expect(gh.requests[0]?.body).toEqual({ body: 'first' });
  });

  it('answers 404 for comments on an issue that does not exist', async () => {
    const status = await statusOf(
      octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 999, body: 'x' }),
    );
    expect(status).toBe(404);
    expect(
      await statusOf(octokit.rest.issues.listComments({ owner: 'someone', repo: 'else', issue_number: 7 })),
    ).toBe(404);
  });

  it('paginates 250 comments in pages of 100 with Link headers', async () => {
    for (let i = 0; i < 250; i++) gh.state.addComment({ issueNumber: 7, body: `comment ${i}` });
    const base = `${gh.url}/repos/${OWNER}/${REPO}/issues/7/comments`;

    const first = await octokit.rest.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: 7,
      per_page: 100,
    });
    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toBe(
      `<${base}?per_page=100&page=2>; rel="next", <${base}?per_page=100&page=3>; rel="last"`,
    );

    const last = await octokit.rest.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: 7,
      per_page: 100,
      page: 3,
    });
    expect(last.data.map((c) => c.body)).toEqual(Array.from({ length: 50 }, (_, i) => `comment ${200 + i}`));
    expect(last.headers.link).toBe(
      `<${base}?per_page=100&page=2>; rel="prev", <${base}?per_page=100&page=1>; rel="first"`,
    );

    const byDefault = await octokit.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 7 });
    expect(byDefault.data).toHaveLength(30);
    expect(byDefault.headers.link).toContain(`<${base}?page=9>; rel="last"`);
    const clamped = await octokit.rest.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: 7,
      per_page: 500,
    });
    expect(clamped.data).toHaveLength(100);

    gh.requests.length = 0;
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: OWNER,
      repo: REPO,
      issue_number: 7,
      per_page: 100,
    });
    expect(all).toHaveLength(250);
    expect(new Set(all.map((c) => c.id)).size).toBe(250);
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 250 }, (_, i) => `comment ${i}`));
    expect(gh.requests.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
  });
});

describe('schema enforcement', () => {
  it('rejects a request body that violates the schema with 422 and records it', async () => {
    const response = await raw('POST', `/repos/${OWNER}/${REPO}/issues/7/comments`, { body: 123 });
    expect(response.status).toBe(422);
    expect(response.json?.message).toBe("Invalid request.\n\nFor 'properties/body', 123 is not a string.");
    expect(response.json?.documentation_url).toBe(
      'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    );
    expect(response.json?.errors).toEqual([
      {
        resource: 'Request',
        field: 'body',
        code: 'invalid',
        message: "For 'properties/body', 123 is not a string.",
      },
    ]);
    expect(gh.state.comments(7)).toEqual([]);
    expect(gh.violations).toHaveLength(1);
    expect(gh.violations[0]).toMatch(/issues\/create-comment.*123 is not a string/);
    expect(() => gh.assertNoViolations()).toThrow(
      /1 violation\(s\):\n {2}1\. POST \/repos\/octo-org\/hello-world\/issues\/7\/comments/,
    );
    gh.takeViolations();
  });

  it('rejects a missing required field, a bad enum, a bad type through Octokit and a bad path parameter', async () => {
    const missing = await raw('POST', `/repos/${OWNER}/${REPO}/issues/7/comments`, {});
    expect(missing.status).toBe(422);
    expect(missing.json?.message).toContain('"body" wasn\'t supplied.');

    const deployment = await octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: 'main' });
    const id = (deployment.data as { id: number }).id;
    const badEnum = await raw('POST', `/repos/${OWNER}/${REPO}/deployments/${id}/statuses`, {
      state: 'done',
    });
    expect(badEnum.status).toBe(422);
    expect(String(badEnum.json?.message)).toContain('"done" is not one of ["error","failure","inactive"');

    const badType = octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: REPO,
      ref: 'main',
      transient_environment: 'yes' as unknown as boolean,
    });
    expect(await statusOf(badType)).toBe(422);

    const badPath = await raw('GET', `/repos/${OWNER}/${REPO}/issues/comments/not-a-number`);
    expect(badPath.status).toBe(422);
    expect(String(badPath.json?.message)).toContain(`"not-a-number" is not an integer`);

    const badQuery = await raw('GET', `/repos/${OWNER}/${REPO}/pulls?state=merged`);
    expect(badQuery.status).toBe(422);

    const notJson = await raw('POST', `/repos/${OWNER}/${REPO}/issues/7/comments`, '{"body": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json?.message).toBe('Problems parsing JSON');

    const violations = gh.takeViolations();
    expect(violations).toHaveLength(6);
    expect(violations.join('\n')).toMatch(/request body: "body" wasn't supplied/);
    expect(violations.join('\n')).toMatch(/transient_environment.*"yes" is not a boolean/);
    expect(gh.state.deployments()).toHaveLength(1);
  });

  it('answers an unknown path or method with 404 and records it', async () => {
    const unknown = await raw('GET', `/repos/${OWNER}/${REPO}/frobnicate`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
    expect(
      await statusOf(
        octokit.request('PUT /repos/{owner}/{repo}/pulls/{n}', { owner: OWNER, repo: REPO, n: 7 }),
      ),
    ).toBe(404);
    const violations = gh.takeViolations();
    expect(violations).toEqual([
      `GET /repos/${OWNER}/${REPO}/frobnicate: no such path in GitHub's REST API description`,
      `PUT /repos/${OWNER}/${REPO}/pulls/7: /repos/{owner}/{repo}/pulls/{pull_number} has no PUT operation in GitHub's REST API description`,
    ]);
  });

  it('replaces a response that does not match the description with a 500 and records it', async () => {
    const deployment = await octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: 'main' });
    const id = (deployment.data as { id: number }).id;
    // Seeded behind the API's back: GitHub caps descriptions at 140 characters, so the response cannot conform.
    gh.state.addDeploymentStatus(id, { state: 'success', description: 'x'.repeat(141) });
    const response = await raw('GET', `/repos/${OWNER}/${REPO}/deployments/${id}/statuses`);
    expect(response.status).toBe(500);
    const violations = gh.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(
      /the fake's 200 response does not match the description: \/0\/description must NOT have more than 140 characters/,
    );
  });
});

describe('authentication', () => {
  it('gives a read-only token 403 on writes and lets it read', async () => {
    const fork = client(READ);
    const error = await fork.rest.issues
      .createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'hi' })
      .then(
        () => undefined,
        (e: { status: number; response?: { data: unknown } }) => e,
      );
    expect(error?.status).toBe(403);
    expect(error?.response?.data).toMatchObject({ message: 'Resource not accessible by integration' });
    expect(await statusOf(fork.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: 'main' }))).toBe(
      403,
    );
    expect(gh.state.comments(7)).toEqual([]);

    const pr = await fork.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(pr.data.head.ref).toBe('feature/login');
    const comments = await fork.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 7 });
    expect(comments.data).toEqual([]);
  });

  it('answers GET /user for user tokens only', async () => {
    expect(await statusOf(octokit.rest.users.getAuthenticated())).toBe(403);
    const me = await client(USER).rest.users.getAuthenticated();
    expect(me.data).toMatchObject({ login: 'octocat', type: 'User', name: 'The Octocat' });
  });

  it('rejects missing and unknown tokens with 401 and accepts Bearer', async () => {
    const path = `/repos/${OWNER}/${REPO}/pulls/7`;
    expect((await raw('GET', path, undefined, null)).status).toBe(401);
    const bad = await raw('GET', path, undefined, 'nope');
    expect(bad.status).toBe(401);
    expect(bad.json?.message).toBe('Bad credentials');
    const bearer = await fetch(`${gh.url}${path}`, { headers: { authorization: `Bearer ${WRITE}` } });
    expect(bearer.status).toBe(200);
  });
});

describe('pull requests', () => {
  it('gets one and lists them by state with pagination', async () => {
    gh.state.addPullRequest({ number: 8, state: 'closed', merged: true, headRef: 'fix', title: 'Fix' });
    gh.state.addPullRequest({ number: 9, headRef: 'fork-branch', headRepo: 'contributor/hello-world' });

    const merged = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 8 });
    expect(merged.data).toMatchObject({ number: 8, state: 'closed', merged: true, title: 'Fix' });
    expect(merged.data.merged_at).not.toBeNull();
    const fork = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 9 });
    expect(fork.data.head.repo.fork).toBe(true);
    expect(fork.data.head.label).toBe('contributor:fork-branch');
    expect(await statusOf(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 10 }))).toBe(404);

    const open = await octokit.rest.pulls.list({ owner: OWNER, repo: REPO });
    expect(open.data.map((p) => p.number).sort()).toEqual([7, 9]);
    const closed = await octokit.rest.pulls.list({ owner: OWNER, repo: REPO, state: 'closed' });
    expect(closed.data.map((p) => p.number)).toEqual([8]);
    const byHead = await octokit.rest.pulls.list({
      owner: OWNER,
      repo: REPO,
      head: `${OWNER}:feature/login`,
    });
    expect(byHead.data.map((p) => p.number)).toEqual([7]);
    const page = await octokit.rest.pulls.list({ owner: OWNER, repo: REPO, state: 'all', per_page: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.pulls.list, {
      owner: OWNER,
      repo: REPO,
      state: 'all',
      per_page: 2,
    });
    expect(all.map((p) => p.number).sort()).toEqual([7, 8, 9]);
  });
});

describe('deployments', () => {
  it('creates deployments and statuses, deactivates the previous one, refuses to delete an active one', async () => {
    const headSha = gh.state.pullRequest(7)!.headSha;
    const common = {
      owner: OWNER,
      repo: REPO,
      ref: 'feature/login',
      environment: 'pr-7',
      auto_merge: false,
      required_contexts: [],
      production_environment: false,
      transient_environment: false,
    };
    const first = await octokit.rest.repos.createDeployment({ ...common, payload: { stack: 'a' } });
    expect(first.status).toBe(201);
    const d1 = first.data as {
      id: number;
      sha: string;
      environment: string;
      production_environment: boolean;
    };
    expect(d1).toMatchObject({ sha: headSha, environment: 'pr-7', production_environment: false });

    await octokit.rest.repos.createDeploymentStatus({
      owner: OWNER,
      repo: REPO,
      deployment_id: d1.id,
      state: 'in_progress',
    });
    const success = await octokit.rest.repos.createDeploymentStatus({
      owner: OWNER,
      repo: REPO,
      deployment_id: d1.id,
      state: 'success',
      environment_url: 'https://pr-7.preview.example.com',
      log_url: 'https://github.com/octo-org/hello-world/actions/runs/1',
    });
    expect(success.data).toMatchObject({
      state: 'success',
      environment: 'pr-7',
      environment_url: 'https://pr-7.preview.example.com',
      target_url: 'https://github.com/octo-org/hello-world/actions/runs/1',
    });

    const second = await octokit.rest.repos.createDeployment({ ...common, payload: '{"stack":"b"}' });
    const d2 = second.data as { id: number; payload: unknown };
    expect(d2.payload).toEqual({ stack: 'b' });
    await octokit.rest.repos.createDeploymentStatus({
      owner: OWNER,
      repo: REPO,
      deployment_id: d2.id,
      state: 'success',
    });

    // auto_inactive: the earlier successful deployment of the environment is now inactive.
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner: OWNER,
      repo: REPO,
      deployment_id: d1.id,
    });
    expect(statuses.data.map((s) => s.state)).toEqual(['inactive', 'success', 'in_progress']);
    expect(statuses.data[0]?.environment_url).toBe('https://pr-7.preview.example.com');

    const listed = await octokit.rest.repos.listDeployments({
      owner: OWNER,
      repo: REPO,
      environment: 'pr-7',
    });
    expect(listed.data.map((d) => d.id)).toEqual([d2.id, d1.id]);
    expect(
      (await octokit.rest.repos.listDeployments({ owner: OWNER, repo: REPO, environment: 'other' })).data,
    ).toEqual([]);
    const bySha = await octokit.rest.repos.listDeployments({
      owner: OWNER,
      repo: REPO,
      sha: headSha,
      task: 'deploy',
    });
    expect(bySha.data).toHaveLength(2);

    const refused = await octokit.rest.repos
      .deleteDeployment({ owner: OWNER, repo: REPO, deployment_id: d2.id })
      .then(
        () => undefined,
        (e: { status: number; response?: { data: { message: string } } }) => e,
      );
    expect(refused?.status).toBe(422);
    expect(refused?.response?.data.message).toMatch(/cannot delete an active deployment/);

    expect(
      (await octokit.rest.repos.deleteDeployment({ owner: OWNER, repo: REPO, deployment_id: d1.id })).status,
    ).toBe(204);
    expect(
      await statusOf(octokit.rest.repos.getDeployment({ owner: OWNER, repo: REPO, deployment_id: d1.id })),
    ).toBe(404);
    // Now the only deployment of its environment: GitHub lets it go even though it is active.
    expect(
      (await octokit.rest.repos.deleteDeployment({ owner: OWNER, repo: REPO, deployment_id: d2.id })).status,
    ).toBe(204);
    expect(gh.state.deployments()).toEqual([]);
  });

  it('rejects an unknown ref and a status GitHub would refuse', async () => {
    const unknownRef = octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: REPO,
      ref: 'no-such-branch',
    });
    expect(await statusOf(unknownRef)).toBe(422);

    const d = await octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: REPO,
      ref: 'main',
      environment: 'staging',
    });
    const id = (d.data as { id: number }).id;
    const tooLong = octokit.rest.repos.createDeploymentStatus({
      owner: OWNER,
      repo: REPO,
      deployment_id: id,
      state: 'success',
      environment_url: 'not a url',
    });
    expect(await statusOf(tooLong)).toBe(422);
    expect(gh.takeViolations()).toEqual([
      expect.stringMatching(/repos\/create-deployment-status.*environment_url must use http\(s\) scheme/),
    ]);
  });
});

describe('GraphQL', () => {
  const MINIMIZE = `
    mutation Minimize($id: ID!) {
      minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) {
        minimizedComment { isMinimized minimizedReason }
      }
    }`;
  const QUERY = `
    query State($id: ID!) {
      node(id: $id) { __typename ... on IssueComment { databaseId isMinimized minimizedReason author { login } } }
    }`;

  it('minimizes a comment and reads it back; REST is unchanged', async () => {
    const comment = await octokit.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: 7,
      body: 'old plan',
    });
    const id = comment.data.node_id;

    const before = await octokit.graphql<{ node: { isMinimized: boolean } }>(QUERY, { id });
    expect(before.node).toEqual({
      __typename: 'IssueComment',
      databaseId: comment.data.id,
      isMinimized: false,
      minimizedReason: null,
      author: { login: 'github-actions' },
    });

    const result = await octokit.graphql(MINIMIZE, { id });
    expect(result).toEqual({
      minimizeComment: { minimizedComment: { isMinimized: true, minimizedReason: 'outdated' } },
    });
    expect(gh.state.comment(comment.data.id)?.minimized).toEqual({ reason: 'outdated' });

    const after = await octokit.graphql<{ node: { isMinimized: boolean; minimizedReason: string } }>(QUERY, {
      id,
    });
    expect(after.node).toMatchObject({ isMinimized: true, minimizedReason: 'outdated' });

    const rest = await octokit.rest.issues.getComment({
      owner: OWNER,
      repo: REPO,
      comment_id: comment.data.id,
    });
    expect(rest.data).toEqual({ ...comment.data });
  });

  it('refuses the mutation to a read-only token and reports unknown nodes', async () => {
    const comment = gh.state.addComment({ issueNumber: 7, body: 'x' });
    const forbidden = await client(READ)
      .graphql(MINIMIZE, { id: comment.nodeId })
      .then(
        () => undefined,
        (e: { errors?: Array<{ type: string; message: string }> }) => e,
      );
    expect(forbidden?.errors?.[0]).toMatchObject({
      type: 'FORBIDDEN',
      message: 'Resource not accessible by integration',
    });
    expect(gh.state.comment(comment.id)?.minimized).toBeNull();

    const missing = await octokit.graphql(QUERY, { id: 'IC_nope' }).then(
      () => undefined,
      (e: { errors?: Array<{ type: string }>; data?: unknown }) => e,
    );
    expect(missing?.errors?.[0]?.type).toBe('NOT_FOUND');
    expect(missing?.data).toEqual({ node: null });
  });

  it('records malformed GraphQL requests as violations', async () => {
    const comment = gh.state.addComment({ issueNumber: 7, body: 'x' });
    const noQuery = await raw('POST', '/graphql', { variables: {} });
    expect(noQuery.status).toBe(200);
    expect(noQuery.json?.errors).toEqual([
      { message: 'A query attribute must be specified and must be a string.' },
    ]);

    const badVariables = await raw('POST', '/graphql', { query: QUERY, variables: 'id=1' });
    expect(badVariables.json?.errors).toBeDefined();

    const unknownField = await raw('POST', '/graphql', {
      query: 'query($id: ID!) { node(id: $id) { ... on IssueComment { isHidden } } }',
      variables: { id: comment.nodeId },
    });
    expect(unknownField.json).toEqual({
      errors: [
        expect.objectContaining({
          message: "Field 'isHidden' doesn't exist on type 'IssueComment'",
          extensions: { code: 'undefinedField', typeName: 'IssueComment', fieldName: 'isHidden' },
        }),
      ],
    });

    const badClassifier = await raw('POST', '/graphql', {
      query:
        'mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) { clientMutationId } }',
      variables: { input: { subjectId: comment.nodeId, classifier: 'BORING' } },
    });
    expect(badClassifier.json?.data).toBeUndefined();

    const syntax = await raw('POST', '/graphql', {
      query: 'mutation { minimizeComment(input: {subjectId: "x"',
    });
    expect(syntax.json?.errors).toBeDefined();

    expect(gh.state.comment(comment.id)?.minimized).toBeNull();
    const violations = gh.takeViolations();
    expect(violations).toHaveLength(5);
    expect(violations[3]).toMatch(
      /Variable \$input of type MinimizeCommentInput! was provided invalid value/,
    );
  });
});

describe('failure injection', () => {
  it('fails the next matching requests with the injected status', async () => {
    gh.injectFailure({ method: 'POST', path: '/repos/{owner}/{repo}/deployments', status: 403, times: 1 });
    expect(
      await statusOf(octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: 'main' })),
    ).toBe(403);
    expect(
      (await octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: 'main' })).status,
    ).toBe(201);

    gh.injectFailure({ path: /\/pulls\/7$/, status: 502, times: 2 });
    gh.requests.length = 0;
    expect(await statusOf(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 }))).toBe(502);
    expect((await octokit.rest.pulls.list({ owner: OWNER, repo: REPO })).status).toBe(200);
    expect(await statusOf(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 }))).toBe(502);
    const pr = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
    expect(pr.status).toBe(200);
    expect(gh.requests.map((r) => r.status)).toEqual([502, 200, 502, 200]);

    gh.injectFailure({ method: 'POST', path: '/repos/{owner}/{repo}/deployments', status: 409 });
    const conflict = await raw('POST', `/repos/${OWNER}/${REPO}/deployments`, { ref: 'main' });
    expect(conflict).toMatchObject({ status: 409, json: undefined });

    gh.injectFailure({ method: 'POST', path: '/graphql', status: 500, message: 'Something went wrong' });
    const graphql = await raw('POST', '/graphql', { query: '{ node(id: "x") { id } }' });
    expect(graphql.status).toBe(500);
    expect(graphql.json?.message).toBe('Something went wrong');
  });
});

interface SweepAnswer {
  p7: {
    number: number;
    state: string;
    merged: boolean;
    comments: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: { body: string }[];
    };
  };
  p8: unknown;
  p404: unknown;
  deployments: { nodes: unknown[] };
}

describe('GraphQL: refs of a repository', () => {
  it('answers a branch by its qualified name, and null (no error) for one that does not exist or was deleted', async () => {
    gh.state.setRef('feature/x', 'e'.repeat(40));
    const QUERY = `query Branches($owner: String!, $name: String!, $b0: String!, $b1: String!, $b2: String!) {
      repository(owner: $owner, name: $name) {
        b0: ref(qualifiedName: $b0) { name prefix }
        b1: ref(qualifiedName: $b1) { name }
        b2: ref(qualifiedName: $b2) { name }
      }
    }`;
    const variables = {
      owner: OWNER,
      name: REPO,
      b0: 'refs/heads/feature/x',
      b1: 'refs/heads/nope',
      b2: 'refs/heads/main',
    };
    const before = await octokit.graphql<{ repository: Record<string, unknown> }>(QUERY, variables);
    expect(before.repository).toEqual({
      b0: { name: 'feature/x', prefix: 'refs/heads/' },
      b1: null,
      b2: { name: 'main' },
    });
    gh.state.deleteRef('feature/x');
    const after = await octokit.graphql<{ repository: Record<string, unknown> }>(QUERY, variables);
    expect(after.repository.b0).toBeNull();
  });
});

describe('GraphQL: pull requests, their comments and deployments of a repository', () => {
  const QUERY = `
    query Sweep($owner: String!, $name: String!, $env: [String!]) {
      repository(owner: $owner, name: $name) {
        p7: pullRequest(number: 7) {
          number state merged
          comments(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { databaseId body viewerDidAuthor } }
        }
        p8: pullRequest(number: 8) { state merged }
        p404: pullRequest(number: 404) { state }
        deployments(environments: $env, first: 100) { nodes { databaseId task state } pageInfo { hasNextPage } }
      }
    }`;

  it('answers states, a page of comments with a cursor, deployment states, and NOT_FOUND for a missing PR', async () => {
    gh.state.addPullRequest({ number: 8, state: 'closed', merged: true, headRef: 'fix', title: 'Fix' });
    for (const body of ['one', 'two', 'three']) gh.state.addComment({ issueNumber: 7, body });
    const live = await octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: REPO,
      ref: 'main',
      task: 't:7',
      environment: 'preview',
      transient_environment: true,
    });
    const gone = await octokit.rest.repos.createDeployment({
      owner: OWNER,
      repo: REPO,
      ref: 'main',
      task: 't:8',
      environment: 'preview',
      transient_environment: true,
    });
    const liveId = (live.data as { id: number }).id;
    const goneId = (gone.data as { id: number }).id;
    gh.state.addDeploymentStatus(liveId, { state: 'success' });
    gh.state.addDeploymentStatus(goneId, { state: 'inactive' });
    const error = await octokit.graphql(QUERY, { owner: OWNER, name: REPO, env: ['preview'] }).then(
      () => undefined,
      (e: { data: { repository: SweepAnswer }; errors: { type: string; path: string[] }[] }) => e,
    );
    expect(error?.errors).toEqual([
      expect.objectContaining({ type: 'NOT_FOUND', path: ['repository', 'p404'] }),
    ]);
    const repo = error!.data.repository;
    expect(repo.p7).toMatchObject({ number: 7, state: 'OPEN', merged: false });
    expect(repo.p7.comments.totalCount).toBe(3);
    expect(repo.p7.comments.nodes.map((n) => n.body)).toEqual(['one', 'two']);
    expect(repo.p7.comments.pageInfo.hasNextPage).toBe(true);
    expect(repo.p8).toEqual({ state: 'MERGED', merged: true });
    expect(repo.p404).toBeNull();
    expect(repo.deployments.nodes).toEqual([
      { databaseId: liveId, task: 't:7', state: 'ACTIVE' },
      { databaseId: goneId, task: 't:8', state: 'INACTIVE' },
    ]);
    const next = await octokit.graphql<{
      repository: { pullRequest: { comments: { nodes: { body: string }[] } } };
    }>(
      `query($c: String) { repository(owner: "${OWNER}", name: "${REPO}") { pullRequest(number: 7) { comments(first: 2, after: $c) { nodes { body } } } } }`,
      { c: repo.p7.comments.pageInfo.endCursor },
    );
    expect(next.repository.pullRequest.comments.nodes.map((n) => n.body)).toEqual(['three']);
    const unbounded = await octokit
      .graphql(`{ repository(owner: "${OWNER}", name: "${REPO}") { deployments { totalCount } } }`)
      .then(
        () => undefined,
        (e: { errors: { type: string }[] }) => e.errors[0]?.type,
      );
    expect(unbounded).toBe('MISSING_PAGINATION_BOUNDARIES');
  });
});

describe('people, reactions and workflow runs (what PR-comment commands use)', () => {
  it('answers a collaborator permission by role, with the legacy permission name', async () => {
    gh.state.setRole('qa-ann', 'triage');
    gh.state.setRole('maya', 'maintain');
    const ask = (username: string) =>
      octokit.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username });
    expect((await ask('maya')).data).toMatchObject({ permission: 'write', role_name: 'maintain' });
    expect((await ask('qa-ann')).data).toMatchObject({ permission: 'read', role_name: 'triage' });
    expect((await ask('stranger')).data).toMatchObject({ permission: 'none', role_name: 'none' });
  });

  it('answers team membership to a token that may read the organization, 403 to GITHUB_TOKEN, 404 to a non-member', async () => {
    gh.state.setTeam(OWNER, 'qa', ['qa-ann']);
    const args = { org: OWNER, team_slug: 'qa' };
    const user = client(USER);
    expect(
      (await user.rest.teams.getMembershipForUserInOrg({ ...args, username: 'QA-Ann' })).data,
    ).toMatchObject({ state: 'active' });
    expect(await statusOf(user.rest.teams.getMembershipForUserInOrg({ ...args, username: 'bob' }))).toBe(404);
    expect(
      await statusOf(octokit.rest.teams.getMembershipForUserInOrg({ ...args, username: 'qa-ann' })),
    ).toBe(403);
  });

  it('adds a reaction once per user and content (201, then 200), refuses an unknown content and a read-only token', async () => {
    gh.state.addPullRequest({ number: 3 });
    const comment = gh.state.addComment({ issueNumber: 3, body: '/preview redeploy', user: 'qa-ann' });
    const react = (content: '+1' | 'eyes' | 'rocket') =>
      octokit.rest.reactions.createForIssueComment({
        owner: OWNER,
        repo: REPO,
        comment_id: comment.id,
        content,
      });
    expect((await react('eyes')).status).toBe(201);
    expect((await react('eyes')).status).toBe(200);
    expect(gh.state.reactions(comment.id).map((r) => r.content)).toEqual(['eyes']);
    const bad = await raw('POST', `/repos/${OWNER}/${REPO}/issues/comments/${comment.id}/reactions`, {
      content: 'thumbs',
    });
    expect(bad.status).toBe(422);
    expect(gh.takeViolations()).toHaveLength(1);
    expect(
      await statusOf(
        client(READ).rest.reactions.createForIssueComment({
          owner: OWNER,
          repo: REPO,
          comment_id: comment.id,
          content: 'rocket',
        }),
      ),
    ).toBe(403);
  });

  it('dispatches a workflow that has the trigger, with known inputs and an existing ref; refuses otherwise', async () => {
    gh.state.addWorkflow({ path: '.github/workflows/deploy.yml', dispatchInputs: ['environment', 'branch'] });
    gh.state.addWorkflow({ path: '.github/workflows/preview.yml' });
    const dispatch = (workflow_id: string, ref: string, inputs: Record<string, string>) =>
      octokit.rest.actions.createWorkflowDispatch({ owner: OWNER, repo: REPO, workflow_id, ref, inputs });
    expect((await dispatch('deploy.yml', 'main', { environment: 'staging', branch: 'main' })).status).toBe(
      204,
    );
    expect(gh.state.dispatches).toMatchObject([
      { ref: 'main', inputs: { environment: 'staging', branch: 'main' } },
    ]);
    expect(await statusOf(dispatch('deploy.yml', 'nope', {}))).toBe(422);
    expect(await statusOf(dispatch('deploy.yml', 'main', { target: 'x' }))).toBe(422);
    expect(await statusOf(dispatch('preview.yml', 'main', {}))).toBe(422);
    expect(await statusOf(dispatch('missing.yml', 'main', {}))).toBe(404);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  it("lists a workflow's runs newest first, filtered by event and head SHA, and re-runs a completed one", async () => {
    const pr = gh.state.addPullRequest({ number: 5, headRef: 'feature/x' });
    gh.state.addWorkflowRun({
      workflow: 'preview.yml',
      event: 'pull_request',
      headBranch: 'feature/x',
      headSha: pr.headSha,
      pullRequests: [5],
      createdAt: '2026-01-01T00:00:00Z',
    });
    const newest = gh.state.addWorkflowRun({
      workflow: 'preview.yml',
      event: 'pull_request',
      headBranch: 'feature/x',
      headSha: pr.headSha,
      pullRequests: [5],
      createdAt: '2026-01-02T00:00:00Z',
    });
    gh.state.addWorkflowRun({
      workflow: 'preview.yml',
      event: 'push',
      headBranch: 'main',
      headSha: 'a'.repeat(40),
    });
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner: OWNER,
      repo: REPO,
      workflow_id: 'preview.yml',
      event: 'pull_request',
      head_sha: pr.headSha,
    });
    expect(data.total_count).toBe(2);
    expect(data.workflow_runs[0]).toMatchObject({ id: newest.id, pull_requests: [{ number: 5 }] });
    const rerun = () => octokit.rest.actions.reRunWorkflow({ owner: OWNER, repo: REPO, run_id: newest.id });
    expect((await rerun()).status).toBe(201);
    expect(gh.state.workflowRun(newest.id)).toMatchObject({ runAttempt: 2, status: 'queued' });
    expect(await statusOf(rerun())).toBe(403);
    expect(gh.takeViolations()).toEqual([expect.stringContaining('not completed')]);
  });
});

describe('environments, issues and conditional requests (what the approval gate uses)', () => {
  it("answers an environment's required reviewers, and 404 for one never created", async () => {
    gh.state.setEnvironment('production-red', { reviewers: ['lead'] });
    gh.state.setEnvironment('staging');
    const get = (environment_name: string) =>
      octokit.rest.repos.getEnvironment({ owner: OWNER, repo: REPO, environment_name });
    expect((await get('production-red')).data.protection_rules).toMatchObject([
      { type: 'required_reviewers', reviewers: [{ type: 'User', reviewer: { login: 'lead' } }] },
    ]);
    expect((await get('staging')).data.protection_rules).toEqual([]);
    expect(await statusOf(get('production-green'))).toBe(404);
  });

  it("lists the reviews of a run's environment gates (who approved which environment), 404 for an unknown run", async () => {
    gh.state.setEnvironment('production-yellow', { reviewers: ['lead'] });
    const run = gh.state.addWorkflowRun({
      workflow: 'deploy.yml',
      event: 'workflow_dispatch',
      headBranch: 'main',
      headSha: 'a'.repeat(40),
    });
    gh.state.reviewRun(run.id, { user: 'lead', environments: ['production-yellow'], comment: 'go' });
    expect(() => gh.state.reviewRun(run.id, { user: 'lead', environments: ['staging-x'] })).toThrow(
      /no required reviewers/,
    );
    const { data } = await octokit.rest.actions.getReviewsForRun({
      owner: OWNER,
      repo: REPO,
      run_id: run.id,
    });
    expect(data).toMatchObject([
      {
        state: 'approved',
        user: { login: 'lead' },
        comment: 'go',
        environments: [{ name: 'production-yellow' }],
      },
    ]);
    expect(
      await statusOf(
        octokit.rest.actions.getReviewsForRun({ owner: OWNER, repo: REPO, run_id: run.id + 999 }),
      ),
    ).toBe(404);
  });

  it('creates, closes and lists comments of an issue; a repeated GET with the ETag gets 304 and no body', async () => {
    const { data: created } = await octokit.rest.issues.create({
      owner: OWNER,
      repo: REPO,
      title: 'Approve',
    });
    expect(created).toMatchObject({ state: 'open', title: 'Approve' });
    gh.state.addComment({ issueNumber: created.number, body: '/approve', user: 'lead' });
    const path = `/repos/${OWNER}/${REPO}/issues/${created.number}/comments`;
    const first = await fetch(`${gh.url}${path}`, { headers: { authorization: `token ${WRITE}` } });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const again = await fetch(`${gh.url}${path}`, {
      headers: { authorization: `token ${WRITE}`, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    gh.state.addComment({ issueNumber: created.number, body: 'later', user: 'lead' });
    const changed = await fetch(`${gh.url}${path}`, {
      headers: { authorization: `token ${WRITE}`, 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    const { data: closed } = await octokit.rest.issues.update({
      owner: OWNER,
      repo: REPO,
      issue_number: created.number,
      state: 'closed',
    });
    expect(closed).toMatchObject({ state: 'closed', comments: 2 });
  });
});
