/** A charge as the payment sandbox lists it (the fields the tests read; amounts in cents). */
export interface SandboxCharge {
  id: string;
  status: string;
  amount: number;
  amount_refunded: number;
  refunded: boolean;
}

/** Every charge the sandbox at `baseUrl` holds for one order (refunded ones included), up to 100. */
export async function sandboxChargesOf(
  baseUrl: string,
  apiKey: string,
  orderId: string,
): Promise<SandboxCharge[]> {
  const reply = await fetch(`${baseUrl}/v1/charges?limit=100&metadata[order_id]=${orderId}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  return ((await reply.json()) as { data: SandboxCharge[] }).data;
}
