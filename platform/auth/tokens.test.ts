// Verified tokens are remembered (a WebCrypto check per request was a tenth of the gateway's CPU under load):
// what is remembered must never outlive the token, nor be accepted under another key.
import { randomBytes } from 'node:crypto';
import { AuthError, authenticate, issueToken } from './tokens.js';

const partner = { name: 'partner-1', role: 'partner' } as const;

test('a token accepted before is refused once it has expired', async () => {
  const key = randomBytes(32);
  // exp has whole seconds: valid for at least 4 s (room for a loaded machine), passed at most 5 s from now.
  const token = await issueToken(key, partner, '5s');
  expect(await authenticate(key, `Bearer ${token}`)).toEqual(partner);
  expect(await authenticate(key, `Bearer ${token}`)).toEqual(partner);
  await new Promise((r) => setTimeout(r, 5100));
  await expect(authenticate(key, `Bearer ${token}`)).rejects.toThrow(AuthError);
});

test('a token accepted under one key is refused under another', async () => {
  const key = randomBytes(32);
  const token = await issueToken(key, partner);
  expect(await authenticate(key, `Bearer ${token}`)).toEqual(partner);
  await expect(authenticate(randomBytes(32), `Bearer ${token}`)).rejects.toThrow('signature verification failed');
});

test('a tampered copy of an accepted token is refused', async () => {
  const key = randomBytes(32);
  const token = await issueToken(key, partner);
  await authenticate(key, `Bearer ${token}`);
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(JSON.stringify({ role: 'admin', sub: 'partner-1', iss: 'tsunagi', exp: 4_000_000_000 })).toString('base64url');
  await expect(authenticate(key, `Bearer ${header}.${payload}.${signature}`)).rejects.toThrow(AuthError);
});
