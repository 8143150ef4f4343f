// Marketplace credentials that put the config in production mode (values that look right, reach nothing), for
// tests that must leave sandbox mode: every credential of a system is required once any is set.
export const SHOPEE_CREDENTIALS = {
  SHOPEE_PARTNER_ID: '2001887', SHOPEE_PARTNER_KEY: 'x',
  ...Object.fromEntries(['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c, i) => [`SHOPEE_SHOP_ID_${c}`, String(14701711 + i)])),
};

/** The order systems': the OMS (OAuth client, Standard Webhooks secret) and BI (API key, buyer key secret). */
export const ORDER_CREDENTIALS = {
  OMS_CLIENT_ID: 'x', OMS_CLIENT_SECRET: 'x', OMS_WEBHOOK_SECRET: 'whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4',
  BI_API_KEY: 'x', BI_BUYER_KEY_SECRET: 'x'.repeat(32),
};
