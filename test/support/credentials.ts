// Credentials that put the config in production mode (values that look right, reach nothing), for tests that must
// leave sandbox mode: every credential of a system is required once any is set. A new system with credentials adds
// its variables here, once.
export const SHOPEE_CREDENTIALS = {
  SHOPEE_PARTNER_ID: '2001887', SHOPEE_PARTNER_KEY: 'x',
  ...Object.fromEntries(['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c, i) => [`SHOPEE_SHOP_ID_${c}`, String(14701711 + i)])),
};

export const PRODUCTION_CREDENTIALS: Record<string, string> = {
  AMAZON_LWA_CLIENT_ID: 'x', AMAZON_LWA_CLIENT_SECRET: 'x', AMAZON_LWA_REFRESH_TOKEN: 'x',
  YAHOO_SELLER_ID: 'x', YAHOO_CLIENT_ID: 'x', YAHOO_CLIENT_SECRET: 'x',
  RAKUTEN_SERVICE_SECRET: 'x', RAKUTEN_LICENSE_KEY: 'x',
  ...SHOPEE_CREDENTIALS,
  WMS_API_KEY: 'x',
  PIM_CLIENT_ID: 'x', PIM_SECRET: 'x', PIM_USERNAME: 'x', PIM_PASSWORD: 'x',
};
