// Credentials that put the config in production mode (values that look right, reach nothing), for tests that must
// leave sandbox mode: every credential of a system is required once any is set. A new system with credentials adds
// its variables here, once.
export const SHOPEE_CREDENTIALS = {
  SHOPEE_PARTNER_ID: '2001887', SHOPEE_PARTNER_KEY: 'x',
  ...Object.fromEntries(['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c, i) => [`SHOPEE_SHOP_ID_${c}`, String(14701711 + i)])),
};

/** The order systems': the OMS (OAuth client, Standard Webhooks secret) and BI (API key, buyer key secret). */
export const ORDER_CREDENTIALS = {
  OMS_CLIENT_ID: 'x', OMS_CLIENT_SECRET: 'x', OMS_WEBHOOK_SECRET: 'whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4',
  BI_API_KEY: 'x', BI_BUYER_KEY_SECRET: 'x'.repeat(32),
};

export const PRODUCTION_CREDENTIALS: Record<string, string> = {
  AMAZON_LWA_CLIENT_ID: 'x', AMAZON_LWA_CLIENT_SECRET: 'x', AMAZON_LWA_REFRESH_TOKEN: 'x',
  YAHOO_SELLER_ID: 'x', YAHOO_CLIENT_ID: 'x', YAHOO_CLIENT_SECRET: 'x',
  RAKUTEN_SERVICE_SECRET: 'x', RAKUTEN_LICENSE_KEY: 'x',
  ...SHOPEE_CREDENTIALS,
  WMS_API_KEY: 'x',
  PIM_CLIENT_ID: 'x', PIM_SECRET: 'x', PIM_USERNAME: 'x', PIM_PASSWORD: 'x',
  PRICING_API_KEY: 'x',
  DAM_API_KEY: 'x',
  ...ORDER_CREDENTIALS,
};
