// Skills loaded the way a third-party skill directory is ([skills] dirs), for the CLI's tests.
import { defineSkill, z } from '@biged/skill-sdk';

/** A skill that needs the internet: offline and air-gap modes refuse it at dispatch. */
export const webFetch = defineSkill({
  name: 'test_web_fetch',
  description: 'Fetches a web page by URL and returns its text.',
  payload: z.strictObject({ url: z.string().min(1) }),
  requiresNetwork: true,
  run: (payload) => ({ url: payload.url }),
});
