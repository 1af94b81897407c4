import type { Command } from '../cli/command.js';
import { checkArchitecture, formatCheckReport } from '../check.js';

export const checkCommand: Command = {
  name: 'check',
  help: [
    {
      usage: 'check [--json]',
      summary: `architecture.yml against what the agents declare, and the deploy files
(compose, Helm values, prometheus.yml) against it; non-zero on problems`,
    },
  ],
  async run(ctx) {
    const report = await checkArchitecture(ctx.declaredArch(), ctx.root);
    ctx.print(
      ctx.values.json
        ? JSON.stringify(
            { ...report, actualDependencies: Object.fromEntries(report.actualDependencies) },
            null,
            2,
          )
        : formatCheckReport(report),
    );
    return report.ok ? 0 : 1;
  },
};
