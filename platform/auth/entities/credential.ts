import { defineEntity, p } from '@mikro-orm/core';

/** An encrypted secret (AES-256-GCM): the Yahoo refresh token and the like. */
export const Credential = defineEntity({
  name: 'Credential',
  tableName: 'credential',
  properties: {
    name: p.string().primary(),
    ciphertext: p.text(),
    expiresAt: p.datetime().nullable(),
    updatedAt: p.datetime(),
  },
});
