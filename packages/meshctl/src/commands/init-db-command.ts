import type { Command } from '../cli/command.js';
import { ensureDatabases } from '../local/databases.js';

export const initDbCommand: Command = {
  name: 'init-db',
  help: [
    {
      usage: 'init-db --url URL [db…]',
      summary: 'create databases (default mcp_mesh auth_db business_db) if missing',
    },
  ],
  async run(ctx) {
    const url = ctx.values.url ?? ctx.env['DATABASE_URL'];
    if (!url) throw new Error('init-db needs --url or DATABASE_URL');
    const names = ctx.args.length > 0 ? ctx.args : ['mcp_mesh', 'auth_db', 'business_db'];
    const created = await ensureDatabases(url, names);
    for (const name of names) ctx.print(`${name}: ${created.includes(name) ? 'created' : 'exists'}`);
    return 0;
  },
};
