import { newSecret, sign, signedHeaders, verify } from './standard.js';

// The reference library's test vector (integration-contracts §3).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = Buffer.from('{"test": 2432232314}');
const headers = (signature: string, ts = TS) => ({ 'webhook-id': ID, 'webhook-timestamp': String(ts), 'webhook-signature': signature });

describe('Standard Webhooks', () => {
  it('signs the official vector', () => {
    expect(sign(SECRET, ID, TS, BODY)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts a good signature inside the 5-minute window, among rotated ones and unknown versions', () => {
    const good = sign(SECRET, ID, TS, BODY);
    expect(verify(SECRET, headers(good), BODY, TS * 1000 + 299_000)).toBeNull();
    expect(verify(SECRET, headers(`v1a,abc v1,${Buffer.alloc(32).toString('base64')} ${good}`), BODY, TS * 1000)).toBeNull();
  });

  it('refuses a wrong signature, a body changed by one byte, a timestamp outside the window either way, missing headers', () => {
    const good = sign(SECRET, ID, TS, BODY);
    expect(verify(newSecret(), headers(good), BODY, TS * 1000)).toMatch(/no webhook-signature matches/);
    const changed = Buffer.from(BODY);
    changed[changed.length - 2] ^= 1;
    expect(verify(SECRET, headers(good), changed, TS * 1000)).toMatch(/no webhook-signature matches/);
    expect(verify(SECRET, headers(good), BODY, (TS + 301) * 1000)).toMatch(/outside the 5-minute window/);
    expect(verify(SECRET, headers(good), BODY, (TS - 301) * 1000)).toMatch(/outside the 5-minute window/);
    expect(verify(SECRET, { 'webhook-id': ID }, BODY, TS * 1000)).toMatch(/missing/);
    expect(verify(SECRET, headers(good, Number('1e3')), BODY, TS * 1000)).toMatch(/outside/);
  });

  it('signedHeaders gives what verify accepts', () => {
    const secret = newSecret();
    const now = Date.now();
    expect(verify(secret, { ...signedHeaders(secret, 'msg_1', BODY, now) }, BODY, now)).toBeNull();
  });
});
