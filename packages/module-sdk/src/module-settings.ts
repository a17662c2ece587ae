import { ModuleSettingsError } from './errors/module-settings-error';
import type { ModuleV1 } from './module-v1';

/**
 * Validates stored settings with the module's `settings.schema` and returns them with its defaults
 * applied. A module without settings gets `{}` whatever is stored.
 *
 * @throws ModuleSettingsError `MODULE_INVALID_SETTINGS`, one issue per key, when the schema refuses them.
 */
export function resolveModuleSettings(module: ModuleV1, raw: unknown = {}): Record<string, unknown> {
  if (!module.settings) return {};
  const result = module.settings.schema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ModuleSettingsError({
      module: module.name,
      issues: result.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || '(settings)'}: ${issue.message}`,
      ),
      cause: result.error,
    });
  }
  return result.data as Record<string, unknown>;
}
