import { defineCommand } from 'citty';
import { runAudienceRules } from '../audience/run-audience-rules.js';
import { withRun } from '../refresh/run-log.js';
import { log, parseSets, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'audience-rules',
    description:
      "export every automation rule's audience (seeds/audience_rules.csv) as of the warehouse's as-of date, as a refresh does after publishing",
  },
  args: { set: setArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'audience-rules', wait: args.wait }, (warehouse) =>
      withRun(warehouse.db, 'audience-rules', async (runId) => {
        const outcomes = await runAudienceRules(warehouse, { runId, parameters: parseSets(), log });
        const failed = outcomes.filter((outcome) => outcome.status === 'failed');
        if (failed.length > 0)
          throw new Error(`audience rules failed: ${failed.map((outcome) => `${outcome.rule}: ${outcome.message}`).join('; ')}`);
      }),
    ),
});
