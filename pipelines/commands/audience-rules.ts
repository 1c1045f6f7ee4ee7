import { defineCommand } from 'citty';
import { runContext, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'audience-rules',
    description:
      "export every standing audience (models/audiences/) with its guards as of the warehouse's as-of date, as a refresh does after publishing",
  },
  args: { set: setArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'audience-rules', wait: args.wait }, async (warehouse) => {
      const { withRun } = await import('../run/run-log.js');
      const { runAudienceRules } = await import('../audience/run-audience-rules.js');
      const context = await runContext(warehouse.config);
      await withRun(warehouse.db, 'audience-rules', async (runId) => {
        const outcomes = await runAudienceRules(warehouse, { ...context, runId });
        const failed = outcomes.filter((outcome) => outcome.status === 'failed');
        if (failed.length > 0)
          throw new Error(`audience rules failed: ${failed.map((outcome) => `${outcome.rule}: ${outcome.message}`).join('; ')}`);
      });
    }),
});
