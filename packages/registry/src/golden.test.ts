import { describe, expect, it } from 'vitest';
import { fixture, fixtureNames, postJson, freshRegistryEachTest } from './test-support.js';

type Resolved = Record<string, Record<string, unknown>[]>;

/** The official fields only: our `providers` extension is checked separately. */
function officialView(resolved: unknown): Resolved {
  const out: Resolved = {};
  for (const [fn, entries] of Object.entries(resolved as Resolved)) {
    out[fn] = entries.map(({ providers: _providers, ...rest }) => rest);
  }
  return out;
}

/** Drops `{…, status: "unresolved"}` placeholders and then-empty keys (what older registries sent). */
function withoutPlaceholders(resolved: Resolved): Resolved {
  const out: Resolved = {};
  for (const [fn, entries] of Object.entries(resolved)) {
    const kept = entries.filter((entry) => entry['status'] !== 'unresolved');
    if (kept.length > 0) out[fn] = kept;
  }
  return out;
}

const registrationFixtures = fixtureNames().filter((name) => !name.includes('response'));

describe('golden fixtures from the official registry', () => {
  const registry = freshRegistryEachTest();

  it('finds the registration fixtures in the shared reference data', () => {
    expect(registrationFixtures.length).toBeGreaterThanOrEqual(7);
  });

  it.each(registrationFixtures)(
    'accepts %s with one positional entry per declared dependency',
    async (name) => {
      const body = fixture(name);
      const { status, body: response } = await postJson(`${registry.url}/heartbeat`, body);
      expect(status).toBe(200);
      expect(response).toMatchObject({
        status: 'success',
        agent_id: body['agent_id'],
        message: 'Agent registered via heartbeat',
      });
      const tools = body['tools'] as { function_name: string; dependencies?: { capability: string }[] }[];
      const resolved = response['dependencies_resolved'] as Resolved;
      const withDeps = tools.filter((tool) => (tool.dependencies ?? []).length > 0);
      expect(Object.keys(resolved).sort()).toEqual(withDeps.map((tool) => tool.function_name).sort());
      for (const tool of withDeps) {
        expect(resolved[tool.function_name]!.map((entry) => entry['capability'])).toEqual(
          tool.dependencies!.map((dep) => dep.capability),
        );
      }
    },
  );

  it('resolves the fastmcp agent to its own time_service exactly as fastmcp_agent_response.json shows', async () => {
    const body = fixture('fastmcp_agent_registration.json');
    await postJson(`${registry.url}/heartbeat`, body);
    const { body: response } = await postJson(`${registry.url}/heartbeat`, body);
    const expected = fixture('fastmcp_agent_response.json');
    expect(response['status']).toBe(expected['status']);
    expect(response['message']).toBe(expected['message']);
    expect(response['agent_id']).toBe(expected['agent_id']);
    expect(officialView(response['dependencies_resolved'])).toEqual(expected['dependencies_resolved']);
  });

  it('resolves the dependent agent to the fastmcp provider as dependent_agent_response.json shows', async () => {
    const provider = fixture('fastmcp_agent_registration.json');
    await postJson(`${registry.url}/heartbeat`, provider);
    const { body: response } = await postJson(
      `${registry.url}/heartbeat`,
      fixture('dependent_agent_registration.json'),
    );
    const expected = fixture('dependent_agent_response.json');
    // The fixture was captured with a provider instance whose generated id differs from the registration
    // fixture's; ids aside, everything else must match.
    const expectedJson = JSON.stringify(expected['dependencies_resolved']).replaceAll(
      'fastmcp-service-1c43fae9',
      provider['agent_id'] as string,
    );
    expect(response['status']).toBe(expected['status']);
    expect(response['message']).toBe(expected['message']);
    expect(response['agent_id']).toBe(expected['agent_id']);
    expect(officialView(response['dependencies_resolved'])).toEqual(JSON.parse(expectedJson));
  });

  it('matches dependent_agent_response_no_deps.json once placeholders are set aside when no provider exists', async () => {
    // That fixture comes from an older official release that omitted unresolved dependencies (`{}`) after
    // the time_service provider went away. The protocol we implement (and current official releases) keep
    // positional placeholders instead (`status: "unresolved"`, empty `agent_id`, `endpoint` and
    // `function_name`), so the runtime knows which
    // dependency is missing; without the placeholders the two agree.
    const body = fixture('dependent_agent_registration.json');
    await postJson(`${registry.url}/heartbeat`, body);
    const { body: response } = await postJson(`${registry.url}/heartbeat`, body);
    const expected = fixture('dependent_agent_response_no_deps.json');
    expect(response['message']).toBe(expected['message']);
    const resolved = officialView(response['dependencies_resolved']);
    expect(withoutPlaceholders(resolved)).toEqual(expected['dependencies_resolved']);
    expect(resolved).toEqual({
      generate_report: [
        { agent_id: '', function_name: '', endpoint: '', capability: 'time_service', status: 'unresolved' },
      ],
      analyze_data: [
        { agent_id: '', function_name: '', endpoint: '', capability: 'time_service', status: 'unresolved' },
      ],
    });
  });

  it('answers the same as the fixture after the provider unregisters', async () => {
    const provider = fixture('fastmcp_agent_registration.json');
    const dependent = fixture('dependent_agent_registration.json');
    await postJson(`${registry.url}/heartbeat`, provider);
    await postJson(`${registry.url}/heartbeat`, dependent);
    await fetch(`${registry.url}/agents/${provider['agent_id'] as string}`, { method: 'DELETE' });
    const { body: response } = await postJson(`${registry.url}/heartbeat`, dependent);
    const expected = fixture('dependent_agent_response_no_deps.json');
    expect(withoutPlaceholders(officialView(response['dependencies_resolved']))).toEqual(
      expected['dependencies_resolved'],
    );
  });

  it('lets the complex fixture resolve its data_processing dependency to its own tool', async () => {
    const { body: response } = await postJson(
      `${registry.url}/heartbeat`,
      fixture('mesh_agent_registration_complex.json'),
    );
    const resolved = officialView(response['dependencies_resolved']);
    expect(resolved['generate_report']).toEqual([
      { agent_id: '', function_name: '', endpoint: '', capability: 'template_service', status: 'unresolved' },
      { agent_id: '', function_name: '', endpoint: '', capability: 'pdf_service', status: 'unresolved' },
      {
        agent_id: 'multi-service-agent',
        function_name: 'process_data',
        endpoint: 'http://0.0.0.0:8080',
        capability: 'data_processing',
        status: 'available',
      },
    ]);
  });

  it('passes a provider tool kwargs to its consumers', async () => {
    const kwargsAgent = fixture('mesh_agent_registration_with_kwargs.json');
    await postJson(`${registry.url}/heartbeat`, kwargsAgent);
    const consumer = {
      agent_id: 'kwargs-consumer',
      tools: [{ function_name: 'use', capability: 'use', dependencies: [{ capability: 'enhanced_api' }] }],
    };
    const { body: response } = await postJson(`${registry.url}/heartbeat`, consumer);
    const entry = (response['dependencies_resolved'] as Resolved)['use']![0]!;
    const declared = (kwargsAgent['tools'] as { kwargs?: unknown }[])[0]!.kwargs;
    expect(entry['kwargs']).toEqual(declared);
    // Our extension lists the winner's replicas; each carries its own kwargs too.
    expect((entry['providers'] as { kwargs?: unknown }[]).map((provider) => provider.kwargs)).toEqual([
      declared,
    ]);
  });
});
