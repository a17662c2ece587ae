import { defineModule, z } from '@biged/module-sdk';

/** The contact statuses the CRM knows. */
export const CONTACT_STATUSES = ['lead', 'active', 'inactive'] as const;

const settingsSchema = z.object({
  /** Contacts shown per page. Default 10. */
  pageSize: z.number().int().min(1).max(50).default(10),
  /** Only contacts with this status, or `all`. Default `all`. */
  status: z.enum(['all', ...CONTACT_STATUSES]).default('all'),
});

/** The CRM module settings (`<home>/modules/settings.json`, key `crm`). */
export type CrmSettings = z.output<typeof settingsSchema>;

/**
 * The manual's CRM example as a BigEd CC launcher module: contacts stored in tools.db (table
 * `crm_contacts`, checked against the DATA_SCHEMA), listed newest first in the CRM tab.
 */
export default defineModule({
  name: 'crm',
  label: 'CRM',
  version: '1.0.0',
  defaultEnabled: false,
  dependsOn: [],
  dataSchema: {
    table: 'crm_contacts',
    fields: {
      name: { type: 'text', required: true, maxLength: 120, description: 'Full name' },
      email: { type: 'text', maxLength: 200, description: 'E-mail address' },
      status: { type: 'text', required: true, enum: [...CONTACT_STATUSES] },
      met_at: { type: 'datetime', description: 'When you first met' },
    },
    retentionDays: null,
  },
  settings: { schema: settingsSchema },
  async render({ data, settings }) {
    const where = settings.status === 'all' ? undefined : { status: settings.status };
    const rows = await data!.query({ ...(where ? { where } : {}), order: 'desc', limit: settings.pageSize });
    const total = await data!.count();
    const active = await data!.count({ status: 'active' });
    return {
      title: settings.status === 'all' ? 'Contacts' : `Contacts (${settings.status})`,
      ...(total === 0 ? { lines: ['No contacts yet.'] } : {}),
      table: {
        columns: ['name', 'email', 'status', 'met'],
        rows: rows.map((row) => [row.name, row.email, row.status, row.met_at]),
      },
      footer: `${total} contact${total === 1 ? '' : 's'}, ${active} active`,
    };
  },
  async exportData({ data }) {
    // Portable records: the fields only, oldest first (the store's id and created_at stay behind).
    return (await data!.query()).map(({ name, email, status, met_at }) => ({ name, email, status, met_at }));
  },
  validateRecord(record) {
    const email = record.email;
    if (typeof email === 'string' && !/^[^\s@]+@[^\s@]+$/.test(email))
      return `not an e-mail address: ${email}`;
    return true;
  },
});
