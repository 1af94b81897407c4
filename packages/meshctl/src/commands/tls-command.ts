import { resolve } from 'node:path';
import type { Command } from '../cli/command.js';
import { tlsInit } from '../tls/tls-init-command.js';

export const tlsCommand: Command = {
  name: 'tls',
  help: [
    {
      usage:
        'tls init [--dir D] [--rotate] [--hosts h1,{name}.ns.svc,*.{name}.pods] [--trust-domain T] [--days N]',
      summary: `create the mesh CA (once) and a certificate for the registry, every agent
of architecture.yml and the operator (meshctl); re-issue those due or --rotate`,
    },
    {
      usage: 'tls edge --dir D [--hosts h1,h2] [--days N]',
      summary: "the public edge's server certificate (nginx), from an edge CA of its own",
    },
  ],
  async run(ctx) {
    const { values } = ctx;
    return tlsInit(ctx.arch(), ctx.args, {
      home: ctx.home,
      env: ctx.env,
      log: ctx.print,
      ...(values.dir === undefined ? {} : { dir: resolve(values.dir) }),
      ...(values.hosts === undefined ? {} : { hosts: values.hosts.split(',').filter((h) => h !== '') }),
      ...(values['trust-domain'] === undefined ? {} : { trustDomain: values['trust-domain'] }),
      ...(values.days === undefined ? {} : { days: Number(values.days) }),
      rotate: values.rotate ?? false,
    });
  },
};
