// A skill whose payload schema has no JSON Schema form: the conductor leaves it out (with a debug log).
import { defineSkill, z } from '@biged/skill-sdk';

export const opaque = defineSkill({
  name: 'test_opaque',
  description: 'Takes a payload only a custom check understands.',
  payload: z.custom((value) => typeof value === 'object' && value !== null),
  run: () => ({}),
});
