// Marketplace credentials that put the config in production mode (values that look right, reach nothing), for
// tests that must leave sandbox mode: every credential of a system is required once any is set.
export const SHOPEE_CREDENTIALS = {
  SHOPEE_PARTNER_ID: '2001887', SHOPEE_PARTNER_KEY: 'x',
  ...Object.fromEntries(['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c, i) => [`SHOPEE_SHOP_ID_${c}`, String(14701711 + i)])),
};

/** The order systems' (the OMS): OAuth client and the Standard Webhooks secret its webhooks are signed with. */
export const ORDER_CREDENTIALS = {
  OMS_CLIENT_ID: 'x', OMS_CLIENT_SECRET: 'x', OMS_WEBHOOK_SECRET: 'whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4',
};
