import { defineEntity, p } from '@mikro-orm/core';

/**
 * What a rule made of a source image, by the source's content hash: found here, an unchanged source is never
 * transcoded twice. The file is the media store's, named by the variant's own content hash.
 */
export const MediaVariant = defineEntity({
  name: 'MediaVariant',
  tableName: 'media_variant',
  properties: {
    sourceHash: p.string().primary(),
    ruleKey: p.string().primary(),
    hash: p.string(),
    format: p.string(),
    width: p.integer(),
    height: p.integer(),
    bytes: p.integer(),
    createdAt: p.datetime(),
  },
});
