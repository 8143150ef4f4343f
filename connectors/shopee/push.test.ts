import { pushSignature, shopeePushReceiver } from './push.js';

// integration-contracts §1.8: the FAKE key, the URL and the official code-3 body give this Authorization.
const KEY = 'test_partner_key_do_not_use';
const URL = 'http://127.0.0.1:8080/shopee/push';
const BODY = '{"data":{"items":[],"ordersn":"220810QSK8S7BX","status":"PROCESSED","completed_scenario":"","update_time":1660123127},"shop_id":727720655,"code":3,"timestamp":1660123127}';
const request = (body: string, authorization?: string) => ({ rawBody: Buffer.from(body), headers: authorization ? { authorization } : {}, url: URL, now: Date.now() });

describe('Shopee push', () => {
  it('signs the contract vector', () => {
    expect(pushSignature(KEY, URL, BODY)).toBe('3669d93e5c9708b5c97d14bf751f5319b43d4ac06595b09ffea64fab1cdbda6f');
  });

  it('verifies on the raw bytes: a wrong key, a body changed by one byte, another URL or no header are refused', () => {
    const auth = pushSignature(KEY, URL, BODY);
    expect(shopeePushReceiver.verify(request(BODY, auth), KEY)).toBeNull();
    expect(shopeePushReceiver.verify(request(BODY, auth.toUpperCase()), KEY)).toBeNull();
    expect(shopeePushReceiver.verify(request(BODY, auth), 'another_key')).toMatch(/does not match/);
    expect(shopeePushReceiver.verify(request(BODY.replace('PROCESSED', 'PROCESSEE'), auth), KEY)).toMatch(/does not match/);
    // Re-serialised JSON is not the body Shopee signed.
    expect(shopeePushReceiver.verify(request(JSON.stringify(JSON.parse(BODY), null, 1), auth), KEY)).toMatch(/does not match/);
    expect(shopeePushReceiver.verify({ ...request(BODY, auth), url: `${URL}/` }, KEY)).toMatch(/does not match/);
    expect(shopeePushReceiver.verify(request(BODY), KEY)).toMatch(/missing Authorization/);
  });

  it('decodes an order status push into one message keyed by shop, order, status and update time', () => {
    expect(shopeePushReceiver.decode(request(BODY))).toEqual({
      messages: [{ kind: 'order.status', dedupKey: '727720655:220810QSK8S7BX:PROCESSED:1660123127', accountRef: '727720655', orderRef: '220810QSK8S7BX' }],
    });
  });

  it('keys a tracking-number push by its body, acknowledges unknown codes, refuses malformed bodies', () => {
    const tracking = '{"data":{"ordersn":"220810QSK8S7BX","tracking_no":"X1"},"shop_id":727720655,"code":4,"timestamp":1660123200}';
    const [m] = shopeePushReceiver.decode(request(tracking)).messages;
    expect(m).toMatchObject({ kind: 'order.tracking', accountRef: '727720655', orderRef: '220810QSK8S7BX' });
    expect(m!.dedupKey).toMatch(/^727720655:220810QSK8S7BX:tracking:[0-9a-f]{32}$/);
    expect(shopeePushReceiver.decode(request('{"code":12,"timestamp":1,"data":{}}'))).toEqual({ messages: [], ignored: 'push code 12' });
    expect(() => shopeePushReceiver.decode(request('{not json'))).toThrow(/not JSON/);
    expect(() => shopeePushReceiver.decode(request('{"code":3,"shop_id":1,"data":{"ordersn":"A"}}'))).toThrow(/data.status/);
    expect(() => shopeePushReceiver.decode(request('{"code":3,"shop_id":"1","data":{}}'))).toThrow(/shop_id/);
  });
});
