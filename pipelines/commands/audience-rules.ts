import { defineCommand } from 'citty';
import { log, parseSets, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'audience-rules',
    description:
      "export every automation rule's audience (seeds/audience_rules.csv) as of the warehouse's as-of date, as a refresh does after publishing",
  },
  args: { set: setArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'audience-rules', wait: args.wait }, async (warehouse) => {
      const { withRun } = await import('../refresh/run-log.js');
      const { runAudienceRules } = await import('../audience/run-audience-rules.js');
      await withRun(warehouse.db, 'audience-rules', async (runId) => {
        const outcomes = await runAudienceRules(warehouse, { runId, parameters: parseSets(), log });
        const failed = outcomes.filter((outcome) => outcome.status === 'failed');
        if (failed.length > 0)
          throw new Error(`audience rules failed: ${failed.map((outcome) => `${outcome.rule}: ${outcome.message}`).join('; ')}`);
      });
    }),
});
