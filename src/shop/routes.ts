/**
 * @module
 * The demo shop's call graph as data: which service serves which path, and who calls whom.
 * Chaos resolves endpoint names against it, the services are built from it, and docs/demo-shop.md
 * draws it:
 *
 * ```
 * traffic → frontend ─┬─▶ catalog ─────────▶ db
 *                     ├─▶ recommendation ─▶ catalog
 *                     ├─▶ inventory ───────▶ db
 *                     └─▶ checkout ─┬─▶ inventory
 *                                   ├─▶ payment
 *                                   └─▶ shipping
 * ```
 */

/** The services, deepest first. A bare path names the first service in this order serving it. */
export const SHOP_SERVICES = [
  'db',
  'payment',
  'shipping',
  'inventory',
  'catalog',
  'recommendation',
  'checkout',
  'frontend',
] as const;
export type ShopServiceName = (typeof SHOP_SERVICES)[number];

/** One traced route of one service (`/health` is neither traced nor a chaos target). */
export interface ShopRoute {
  readonly service: ShopServiceName;
  readonly path: string;
  readonly methods: readonly ('GET' | 'POST')[];
  /** Services this route may call. */
  readonly calls: readonly ShopServiceName[];
}

export const SHOP_ROUTES: readonly ShopRoute[] = [
  { service: 'db', path: '/query', methods: ['POST'], calls: [] },
  { service: 'payment', path: '/payment', methods: ['POST'], calls: [] },
  { service: 'shipping', path: '/shipping', methods: ['POST'], calls: [] },
  { service: 'inventory', path: '/inventory', methods: ['GET', 'POST'], calls: ['db'] },
  { service: 'catalog', path: '/products', methods: ['GET'], calls: ['db'] },
  { service: 'catalog', path: '/product', methods: ['GET'], calls: ['db'] },
  { service: 'recommendation', path: '/recommendations', methods: ['GET'], calls: ['catalog'] },
  {
    service: 'checkout',
    path: '/checkout',
    methods: ['POST'],
    calls: ['inventory', 'payment', 'shipping'],
  },
  { service: 'frontend', path: '/', methods: ['GET'], calls: ['catalog', 'recommendation'] },
  { service: 'frontend', path: '/product', methods: ['GET'], calls: ['catalog', 'inventory'] },
  { service: 'frontend', path: '/cart', methods: ['GET'], calls: ['inventory'] },
  { service: 'frontend', path: '/checkout', methods: ['POST'], calls: ['checkout'] },
];
