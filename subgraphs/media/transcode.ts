// The image pipeline's one piece of libvips work: a source image (any format sharp reads) checked before it is
// decoded, then laid on a square canvas at the market rule's size and encoded as WebP. A file that is not an image,
// is truncated, or claims more pixels than allowed (a decompression bomb) is refused with the reason.
import { createHash } from 'node:crypto';
import type { Metadata } from 'sharp';
import type { ImageRule } from '../../platform/config/index.js';

export interface Variant {
  data: Buffer;
  width: number;
  height: number;
  format: 'webp';
}

/** A refused source image: the message says why (the caller names the image). */
export class ImageRefusedError extends Error {
  override readonly name = 'ImageRefusedError';
}

/** Identifies what a rule makes: a changed rule makes new variants. */
export function ruleKey(rule: ImageRule): string {
  const { minSide, maxSide, maxBytes, format, quality, background } = rule;
  return createHash('sha256').update(JSON.stringify([minSide, maxSide, maxBytes, format, quality, background])).digest('hex').slice(0, 16);
}

/** The side a rule gives an image whose longer side is `longest`: at least minSide, at most maxSide. */
export const canvasSide = (longest: number, rule: ImageRule) => Math.min(rule.maxSide, Math.max(rule.minSide, longest));

/** Each try at a smaller side when the file is over the rule's byte limit. */
const SHRINK = 0.85;

export async function transcode(input: Buffer, rule: ImageRule, maxInputPixels: number): Promise<Variant> {
  // libvips is loaded by the first image made, not by every process that builds the media service.
  const { default: sharp } = await import('sharp');
  let meta: Metadata;
  try {
    // Reads the header only: nothing is decoded yet.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageRefusedError(`not an image sharp can read (${(err as Error).message})`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new ImageRefusedError('the image has no dimensions');
  if (width * height > maxInputPixels) {
    throw new ImageRefusedError(`${width}×${height} is ${width * height} pixels, more than media.maxInputPixels (${maxInputPixels}): refused as a decompression bomb`);
  }
  const background = rule.background;
  for (let side = canvasSide(Math.max(width, height), rule); ; side = Math.floor(side * SHRINK)) {
    let data: Buffer;
    try {
      data = await sharp(input, { limitInputPixels: maxInputPixels, failOn: 'truncated' })
        .rotate()
        .resize(side, side, { fit: 'contain', background })
        .flatten({ background })
        .webp({ quality: rule.quality })
        .toBuffer();
    } catch (err) {
      throw new ImageRefusedError(`cannot be decoded (${(err as Error).message})`);
    }
    if (data.length <= rule.maxBytes) return { data, width: side, height: side, format: 'webp' };
    if (Math.floor(side * SHRINK) < rule.minSide) {
      throw new ImageRefusedError(`its WebP is ${data.length} bytes even at ${side}×${side}, over the rule's ${rule.maxBytes}`);
    }
  }
}
