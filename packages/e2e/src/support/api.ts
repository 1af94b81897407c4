/** Thin HTTP helpers for driving the system through the gateway, bounded in time. */

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: Record<string, any>;
}

async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: HttpAnswer['body'] = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as HttpAnswer['body']);
  } catch {
    body = { raw: text };
  }
  return { status: response.status, headers: response.headers, body };
}

export interface SeedOrder {
  order_id: string;
  user_id: string;
  items: { sku: string; quantity: number }[];
  /** Optional: without it the order is charged the catalogue's total. */
  total?: number;
  currency?: string;
  payment_method?: string;
}

export async function login(gateway: string, username: string, password = 'demo'): Promise<string> {
  const response = await fetch(`${gateway}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(15_000),
  });
  const result = await answer(response);
  if (result.status !== 200 || typeof result.body['access_token'] !== 'string') {
    throw new Error(`login of ${username} failed: HTTP ${result.status} ${JSON.stringify(result.body)}`);
  }
  return result.body['access_token'] as string;
}

export async function postJson(
  url: string,
  body: unknown,
  token?: string,
  timeoutMs = 60_000,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return answer(response);
}

export async function getJson(url: string, token?: string): Promise<HttpAnswer> {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  });
  return answer(response);
}

export function postOrder(gateway: string, token: string, order: SeedOrder): Promise<HttpAnswer> {
  return postJson(`${gateway}/orders`, order, token);
}

/** Polls GET /orders/:id until the order is completed or failed (the saga's final word). */
export async function waitForOrderFinal(
  gateway: string,
  token: string,
  orderId: string,
  timeoutMs = 60_000,
): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: HttpAnswer | undefined;
  while (Date.now() < deadline) {
    try {
      last = await getJson(`${gateway}/orders/${encodeURIComponent(orderId)}`, token);
      const status = last.body['status'];
      const state = last.body['state'];
      if (state === 'completed' || state === 'failed' || state === 'compensated') return last;
      if (status === 'completed') return last;
    } catch {
      // the gateway or the order agent may be restarting
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`order ${orderId} did not settle within ${timeoutMs} ms: ${JSON.stringify(last?.body)}`);
}
