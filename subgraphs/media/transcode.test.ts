// The transcoder on real image files made with sharp: the output is checked by decoding its bytes, not by a name.
import sharp from 'sharp';
import { picture, pixelBombPng } from '../../connectors/dam/simulator.js';
import { canvasSide, ImageRefusedError, ruleKey, transcode } from './transcode.js';

const RULE = { minSide: 500, maxSide: 1024, maxBytes: 2 * 1024 * 1024, format: 'webp' as const, quality: 85, background: '#ffffff' };
const PIXELS = 50_000_000;
const jpeg = (w: number, h: number, seed = 7) => sharp(picture(seed, w, h)).jpeg({ quality: 90 }).toBuffer();

async function refusal(input: Buffer, rule = RULE, pixels = PIXELS): Promise<string> {
  try {
    await transcode(input, rule, pixels);
  } catch (err) {
    if (err instanceof ImageRefusedError) return err.message;
    throw err;
  }
  throw new Error('the image was accepted');
}

describe('transcode', () => {
  it('lays a large photo on a square canvas at the maximum side, as WebP', async () => {
    const out = await transcode(await jpeg(1600, 1200), RULE, PIXELS);
    const meta = await sharp(out.data).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 1024, height: 1024 });
    expect(out).toMatchObject({ width: 1024, height: 1024, format: 'webp' });
    // Letterboxed on the rule's white: the top-left corner of a landscape picture is canvas.
    const { data } = await sharp(out.data).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
    expect([...data].slice(0, 3).every((v) => v > 245)).toBe(true);
  });

  it('enlarges a small image to the minimum side, and flattens transparency onto the background', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
    const out = await transcode(png, RULE, PIXELS);
    const meta = await sharp(out.data).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 500, height: 500, hasAlpha: false });
    expect(canvasSide(700, RULE)).toBe(700);
  });

  it('makes the canvas smaller until the file is under the byte limit, or refuses', async () => {
    const noisy = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg().toBuffer();
    const full = await transcode(noisy, RULE, PIXELS);
    const out = await transcode(noisy, { ...RULE, maxBytes: Math.floor(full.data.length * 0.8) }, PIXELS);
    expect(out.width).toBeLessThan(1024);
    expect(out.width).toBeGreaterThanOrEqual(500);
    expect(out.data.length).toBeLessThanOrEqual(Math.floor(full.data.length * 0.8));
    expect(await refusal(noisy, { ...RULE, maxBytes: 2048 })).toMatch(/^its WebP is \d+ bytes even at \d+×\d+, over the rule's 2048$/);
  });

  it('refuses what is not an image, a truncated file and a decompression bomb, without decoding the bomb', async () => {
    expect(await refusal(Buffer.from('<!doctype html><p>moved</p>'))).toMatch(/^not an image sharp can read/);
    const whole = await jpeg(1200, 900);
    expect(await refusal(whole.subarray(0, Math.floor(whole.length / 2)))).toMatch(/^cannot be decoded/);
    const started = performance.now();
    expect(await refusal(pixelBombPng(30_000, 30_000))).toBe('30000×30000 is 900000000 pixels, more than media.maxInputPixels (50000000): refused as a decompression bomb');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keys a rule by what it makes', () => {
    expect(ruleKey(RULE)).toBe(ruleKey({ ...RULE }));
    expect(ruleKey({ ...RULE, quality: 80 })).not.toBe(ruleKey(RULE));
  });
});
