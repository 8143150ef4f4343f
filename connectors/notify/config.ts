// The notify block of config/integrations.yaml: the four channels the operators hear from. Each channel is on
// when its address is set (smtp_host, slack_webhook_url, teams_webhook_url, twilio_account_sid) and off when it is
// empty; a channel set only partly is refused at load, naming what is missing. Secrets come from the environment.
import { z } from 'zod';
import type { HttpPolicy } from '../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString } from '../../platform/integrations/index.js';
import type { SmtpSecurity } from './email/client.js';

/** A comma-separated list (one ${ENV} value) or a YAML list; blanks dropped. */
const list = z
  .union([z.string(), z.array(z.string())])
  .nullish()
  .transform((v) => (v == null ? [] : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)));

const httpUrl = optionalString.refine((v) => v === undefined || (/^https?:\/\//.test(v) && URL.canParse(v)), 'must be an http(s) URL');
const port = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(1).max(65535));
const E164 = /^\+[1-9]\d{1,14}$/;
// An address with a domain; display names ("Ops <ops@example.com>") allowed.
const MAIL = /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/;

export const notifyConfigSchema = integrationBlock({
  auth: authSchema('per_channel', {
    smtp_user: optionalString,
    smtp_password: optionalString,
    slack_webhook_url: httpUrl,
    teams_webhook_url: httpUrl,
    twilio_account_sid: optionalString,
    twilio_auth_token: optionalString,
  }),
  endpoints: z
    .strictObject({
      smtp_host: optionalString,
      smtp_port: port.default(587),
      twilio_api: z.string().url().default('https://api.twilio.com'),
    })
    .prefault({}),
  settings: z
    .strictObject({
      email: z
        .strictObject({
          from: optionalString,
          to: list,
          /** starttls (587, required), tls (465), none (a loopback relay only). */
          security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
          /** PEM of a certificate to trust besides the system's (a private relay). */
          tls_ca: optionalString,
        })
        .prefault({}),
      sms: z.strictObject({ from: optionalString, messaging_service_sid: optionalString, to: list }).prefault({}),
    })
    .prefault({}),
  // Each service paces itself (429 + Retry-After, which the HTTP client honours): no client-side limit.
  rate_limit: z.undefined({ error: 'notify takes no rate_limit (the services answer 429 when pressed)' }).optional(),
}).superRefine((b, ctx) => {
  const need = (ok: boolean, path: (string | number)[], message: string) => ok || ctx.addIssue({ code: 'custom', path, message });
  const { email, sms } = b.settings;
  if (b.endpoints.smtp_host) {
    need(Boolean(email.from), ['settings', 'email', 'from'], 'required when endpoints.smtp_host is set (the sender address)');
    need(email.to.length > 0, ['settings', 'email', 'to'], 'required when endpoints.smtp_host is set (one or more addresses, comma-separated)');
    need(!b.auth.smtp_user === !b.auth.smtp_password, ['auth', b.auth.smtp_user ? 'smtp_password' : 'smtp_user'], 'smtp_user and smtp_password go together');
  }
  email.to.forEach((a, i) => need(MAIL.test(a), ['settings', 'email', 'to', i], 'not an email address'));
  if (email.from) need(MAIL.test(email.from), ['settings', 'email', 'from'], 'not an email address');
  if (b.auth.twilio_account_sid) {
    need(Boolean(b.auth.twilio_auth_token), ['auth', 'twilio_auth_token'], 'required when auth.twilio_account_sid is set');
    need(Boolean(sms.from || sms.messaging_service_sid), ['settings', 'sms', 'from'], 'a Twilio number (or settings.sms.messaging_service_sid) is required when auth.twilio_account_sid is set');
    need(sms.to.length > 0, ['settings', 'sms', 'to'], 'required when auth.twilio_account_sid is set (E.164 numbers, comma-separated)');
  }
  sms.to.forEach((n, i) => need(E164.test(n), ['settings', 'sms', 'to', i], 'not an E.164 number (+ country code and number, e.g. +819012345678)'));
  if (sms.from) need(E164.test(sms.from), ['settings', 'sms', 'from'], 'not an E.164 number');
});

export type NotifyBlock = z.infer<typeof notifyConfigSchema>;

/** What the channels are built from: each present only when configured. */
export interface NotifyConfig {
  system: string;
  policy: HttpPolicy;
  email?: { host: string; port: number; security: SmtpSecurity; user?: string; password?: string; from: string; to: string[]; tlsCa?: string };
  slack?: { url: string };
  teams?: { url: string };
  sms?: { api: string; accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; to: string[] };
}

export const notifyClientConfig = (b: NotifyBlock): NotifyConfig => ({
  system: b.name,
  policy: b.retry_config,
  ...(b.endpoints.smtp_host && {
    email: {
      host: b.endpoints.smtp_host, port: b.endpoints.smtp_port, security: b.settings.email.security, user: b.auth.smtp_user,
      password: b.auth.smtp_password, from: b.settings.email.from!, to: b.settings.email.to, tlsCa: b.settings.email.tls_ca,
    },
  }),
  ...(b.auth.slack_webhook_url && { slack: { url: b.auth.slack_webhook_url } }),
  ...(b.auth.teams_webhook_url && { teams: { url: b.auth.teams_webhook_url } }),
  ...(b.auth.twilio_account_sid && {
    sms: {
      api: b.endpoints.twilio_api, accountSid: b.auth.twilio_account_sid, authToken: b.auth.twilio_auth_token!, from: b.settings.sms.from,
      messagingServiceSid: b.settings.sms.messaging_service_sid, to: b.settings.sms.to,
    },
  }),
});
