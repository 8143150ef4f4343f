import { defineEntity, p } from '@mikro-orm/core';

/** An alert rule's condition for one subject (a system, a job, a directory): firing or not, since when. */
export const AlertState = defineEntity({
  name: 'AlertState',
  tableName: 'alert_state',
  properties: {
    rule: p.string().primary(),
    subject: p.string().primary(),
    firing: p.boolean(),
    /** When the condition turned true (this episode). */
    since: p.datetime(),
    lastFiredAt: p.datetime(),
    /** Alerts sent this episode (1 = the first). */
    fireCount: p.integer(),
    resolvedAt: p.datetime().nullable(),
    /** The alert's headline as last sent: the resolved message names it. */
    title: p.text(),
    /** The channels it went to: the resolved message goes there too. */
    channels: p.json<string[]>(),
  },
});
