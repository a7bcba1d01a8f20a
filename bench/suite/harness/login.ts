const LOGIN = `mutation BenchLogin($username: String!, $password: String!) {
  login(username: $username, password: $password) { ... on LoginPayload { token } ... on Error { code message } }
}`;

/** A bearer token for `username` from OpsGraph's own login mutation (failing loudly: a run without it measures 401s). */
export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { username, password } }),
  });
  const body = (await res.json()) as { data?: { login?: { token?: string; code?: string } }; errors?: unknown };
  const token = body.data?.login?.token;
  if (!token) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(body.data?.login ?? body.errors)}`);
  return token;
}
