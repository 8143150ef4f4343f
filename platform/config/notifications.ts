// config/notifications.yaml: who hears of what (routing by severity and alert type), in which words (templates
// per alert type, Japanese and English), how often (throttling), the daily report and the alert rules. Channel
// names and alert types are data here: the alert service checks them against the notify connector's channels
// and the types it sends when it starts.
import { z } from 'zod';
import { cronExpression } from '../integrations/index.js';

const num = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), schema);

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export const LANGUAGES = ['ja', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const severity = z.enum(SEVERITIES);
const channels = z.array(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a channel name such as email or sms'));
const template = z.strictObject({ title: z.string().min(1), text: z.string() });
const minutes = num(z.number().positive());

/** What every rule has: whether it runs, how loud it is, and how long before a condition still true alerts again. */
const ruleBase = (defaults: { severity: (typeof SEVERITIES)[number]; refire_minutes: number }) => ({
  enabled: z.boolean().default(true),
  severity: severity.default(defaults.severity),
  refire_minutes: minutes.default(defaults.refire_minutes),
});

export const notificationsSchema = z.strictObject({
  company: z.string().min(1).default('Tsunagi'),
  /** The first language gives subject lines; every one listed gives a paragraph of the text. */
  languages: z.array(z.enum(LANGUAGES)).min(1).default(['ja', 'en']),
  routing: z
    .strictObject({
      severity: z
        .strictObject({ critical: channels.default(['sms', 'slack']), warning: channels.default(['slack']), info: channels.default(['slack']) })
        .prefault({}),
      /** Alert types routed otherwise than by their severity. */
      types: z.record(z.string(), channels).default({ daily_report: ['email'] }),
    })
    .prefault({}),
  throttle: z.strictObject({ window_minutes: minutes.default(30) }).prefault({}),
  daily_report: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Cron, in config.yaml's timezone. */
      schedule: cronExpression.default('0 9 * * *'),
      /** Credentials running out within this many days are listed. */
      credential_days: num(z.number().int().positive()).default(30),
    })
    .prefault({}),
  rules: z
    .strictObject({
      /** How often the worker evaluates the rules (cron, in config.yaml's timezone). */
      schedule: cronExpression.default('* * * * *'),
      error_rate: z
        .strictObject({
          ...ruleBase({ severity: 'critical', refire_minutes: 60 }),
          threshold_percent: num(z.number().gt(0).max(100)).default(50),
          minutes: minutes.default(5),
          /** Fewer calls than this in the window say nothing either way. */
          min_calls: num(z.number().int().positive()).default(5),
        })
        .prefault({}),
      unreachable: z.strictObject(ruleBase({ severity: 'critical', refire_minutes: 60 })).prefault({}),
      jobs: z.strictObject({ ...ruleBase({ severity: 'warning', refire_minutes: 240 }), grace_minutes: minutes.default(15) }).prefault({}),
      credential_expiry: z
        .strictObject({ ...ruleBase({ severity: 'warning', refire_minutes: 1440 }), days: num(z.number().int().positive()).default(7) })
        .prefault({}),
      disk_space: z
        .strictObject({
          ...ruleBase({ severity: 'critical', refire_minutes: 60 }),
          min_free_percent: num(z.number().min(0).max(100)).default(10),
          min_free_mb: num(z.number().min(0)).default(1024),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Per alert type, both languages; `default` serves a type without its own. Placeholders: {name}. */
  templates: z.record(z.string(), z.strictObject({ ja: template, en: template })).refine((t) => 'default' in t, 'a `default` template is required'),
});

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type AlertTemplate = z.infer<typeof template>;
