import { defineEntity, p } from '@mikro-orm/core';

/** One alert text's throttle window: when it was last sent, and how many identical ones were held back since. */
export const AlertThrottle = defineEntity({
  name: 'AlertThrottle',
  tableName: 'alert_throttle',
  properties: {
    /** sha256 of the alert's type, severity, channels and rendered text. */
    fingerprint: p.string().length(64).primary(),
    type: p.string(),
    sentAt: p.datetime(),
    /** Held back since sentAt. */
    suppressed: p.integer().default(0),
    /** Held back in the window before the last send (what that send reported). */
    carried: p.integer().default(0),
  },
});
