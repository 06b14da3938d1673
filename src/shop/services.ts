/**
 * @module
 * What each shop service does: small, realistic work with seeded log-normal latency, database
 * queries, expected 4xx answers (409 out of stock, 402 card declined, 404 unknown product) and
 * natural failure rates near zero. The call graph is the one drawn in routes.ts.
 */
import { createHash } from 'node:crypto';
import type { Rng } from '../contract/index.ts';
import type { ShopServiceName } from './routes.ts';
import { HttpError, type RequestContext, type ServiceDefinition } from './service.ts';

/** Calls from the frontend to checkout wait this many call timeouts (checkout makes 3 calls). */
export const FRONTEND_CHECKOUT_TIMEOUT_FACTOR = 3;

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly priceCents: number;
}

const NAMES = [
  'kettle',
  'teapot',
  'mug',
  'grinder',
  'scale',
  'filter',
  'dripper',
  'carafe',
  'tin',
  'spoon',
];
const CATEGORIES = ['brewing', 'serving', 'storage', 'tools'];

/** 40 products, the same for every run. */
export const SHOP_PRODUCTS: readonly Product[] = Array.from({ length: 40 }, (_, i) => ({
  sku: `sku-${String(i + 1).padStart(3, '0')}`,
  name: `${NAMES[i % NAMES.length]} ${Math.floor(i / NAMES.length) + 1}`,
  category: CATEGORIES[i % CATEGORIES.length] as string,
  priceCents: 500 + ((i * 733) % 9_000),
}));
const PRODUCT_BY_SKU = new Map(SHOP_PRODUCTS.map((p) => [p.sku, p]));

interface LineItem {
  readonly sku: string;
  readonly qty: number;
}

function hex(rng: Rng, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += Math.floor(rng.next() * 16).toString(16);
  return s;
}

function skusOf(ctx: RequestContext): string[] {
  const raw = ctx.query.get('skus') ?? ctx.query.get('sku') ?? '';
  const skus = raw.split(',').filter((s) => s !== '');
  if (skus.length === 0 || skus.length > 20) throw new HttpError(400, 'give 1 to 20 skus');
  return skus;
}

function itemsOf(body: unknown): LineItem[] {
  const items = (body as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items) || items.length === 0 || items.length > 20) {
    throw new HttpError(400, 'items must be a list of 1 to 20 {sku, qty}');
  }
  return items.map((it: unknown, i) => {
    const { sku, qty } = (it ?? {}) as { sku?: unknown; qty?: unknown };
    if (typeof sku !== 'string' || !Number.isInteger(qty) || (qty as number) < 1) {
      throw new HttpError(400, `items[${i}] must be {sku: string, qty: integer >= 1}`);
    }
    return { sku, qty: qty as number };
  });
}

function asRecord(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/** The database: two tables in memory behind `POST /query`. */
function dbService(rng: Rng): ServiceDefinition {
  const stock = new Map(SHOP_PRODUCTS.map((p) => [p.sku, 5 + Math.floor(rng.next() * 55)]));
  return {
    name: 'db',
    handlers: {
      'POST /query': async (ctx) => {
        const q = asRecord(ctx.body);
        const op = q.op === 'update' ? 'UPDATE' : 'SELECT';
        const table = q.table === 'stock' ? 'stock' : 'products';
        const skus = Array.isArray(q.skus) ? q.skus.filter((s) => typeof s === 'string') : [];
        ctx.setAttribute('db.system.name', 'other_sql');
        ctx.setAttribute('db.operation.name', op);
        ctx.setAttribute('db.collection.name', table);
        ctx.setAttribute(
          'db.query.text',
          op === 'UPDATE'
            ? `UPDATE ${table} SET qty = qty + ? WHERE sku = ?`
            : `SELECT * FROM ${table} WHERE sku IN (?)`,
        );
        // An occasional lock wait makes the tail long, as in a real database.
        const lockWait = rng.next() < 0.003 ? 15 : 1;
        await ctx.work((op === 'UPDATE' ? 4 : 1.5) * lockWait, 0.4);
        if (rng.next() < 0.0002) throw new Error('deadlock detected; transaction rolled back');
        if (table === 'products') {
          const rows = skus.length === 0 ? SHOP_PRODUCTS : skus.map((s) => PRODUCT_BY_SKU.get(s));
          return { rows: rows.filter((r) => r !== undefined) };
        }
        if (op === 'UPDATE') {
          const deltas = Array.isArray(q.deltas) ? q.deltas : [];
          for (const d of deltas) {
            const { sku, delta } = asRecord(d);
            if (typeof sku === 'string' && typeof delta === 'number' && stock.has(sku)) {
              stock.set(sku, Math.max(0, (stock.get(sku) ?? 0) + delta));
            }
          }
          return { updated: deltas.length };
        }
        return { rows: skus.map((sku) => ({ sku, qty: stock.get(sku) ?? 0 })) };
      },
    },
  };
}

function inventoryService(rng: Rng): ServiceDefinition {
  const query = (ctx: RequestContext, body: Record<string, unknown>) =>
    ctx.call('db', 'POST', '/query', {
      body,
      attributes: {
        'db.system.name': 'other_sql',
        'db.operation.name': body.op === 'update' ? 'UPDATE' : 'SELECT',
      },
    });
  const levels = async (ctx: RequestContext, skus: string[]): Promise<Map<string, number>> => {
    const res = await query(ctx, { op: 'select', table: 'stock', skus });
    const rows = (asRecord(res.body).rows ?? []) as { sku: string; qty: number }[];
    return new Map(rows.map((r) => [r.sku, r.qty]));
  };
  return {
    name: 'inventory',
    handlers: {
      'GET /inventory': async (ctx) => {
        const skus = skusOf(ctx);
        await ctx.work(1.5, 0.3);
        const stock = await levels(ctx, skus);
        return { items: skus.map((sku) => ({ sku, available: stock.get(sku) ?? 0 })) };
      },
      'POST /inventory': async (ctx) => {
        const items = itemsOf(ctx.body);
        await ctx.work(2, 0.3);
        const stock = await levels(
          ctx,
          items.map((i) => i.sku),
        );
        const short = items.filter((i) => (stock.get(i.sku) ?? 0) < i.qty);
        if (short.length > 0) {
          // The warehouse refills what ran out; this order still fails, as it would.
          await query(ctx, {
            op: 'update',
            table: 'stock',
            deltas: short.map((i) => ({ sku: i.sku, delta: 20 + Math.floor(rng.next() * 60) })),
          });
          ctx.setAttribute('shop.out_of_stock', short.map((i) => i.sku).join(','));
          throw new HttpError(409, `out of stock: ${short.map((i) => i.sku).join(', ')}`);
        }
        await query(ctx, {
          op: 'update',
          table: 'stock',
          deltas: items.map((i) => ({ sku: i.sku, delta: -i.qty })),
        });
        return { reservationId: `res-${hex(rng, 12)}` };
      },
    },
  };
}

function paymentService(rng: Rng): ServiceDefinition {
  return {
    name: 'payment',
    handlers: {
      'POST /payment': async (ctx) => {
        const { amountCents, card } = asRecord(ctx.body);
        if (typeof amountCents !== 'number' || amountCents <= 0 || typeof card !== 'string') {
          throw new HttpError(400, 'give amountCents > 0 and card');
        }
        // Tokenise the card (real work), then the gateway round trip.
        const token = createHash('sha256').update(`${card}:${amountCents}`).digest('hex');
        ctx.setAttribute('shop.amount_cents', amountCents);
        await ctx.work(35, 0.35);
        if (rng.next() < 0.0005) throw new Error('payment gateway error: upstream reset');
        if (rng.next() < 0.02) throw new HttpError(402, 'card declined');
        return { transactionId: `tx-${token.slice(0, 16)}` };
      },
    },
  };
}

function shippingService(rng: Rng): ServiceDefinition {
  return {
    name: 'shipping',
    handlers: {
      'POST /shipping': async (ctx) => {
        const items = itemsOf(ctx.body);
        const zone = Number(asRecord(ctx.body).zone ?? 1);
        await ctx.work(12, 0.3);
        const units = items.reduce((n, i) => n + i.qty, 0);
        return { costCents: 390 + units * 120 * zone, etaDays: 1 + Math.floor(rng.next() * 4) };
      },
    },
  };
}

function catalogService(rng: Rng): ServiceDefinition {
  let cachedAtMs = Number.NEGATIVE_INFINITY;
  const products = async (ctx: RequestContext, skus: string[]): Promise<unknown[]> => {
    // A cache in front of the database: most reads never reach it.
    const miss = skus.length > 0 ? rng.next() < 0.3 : Date.now() - cachedAtMs > 30_000;
    ctx.setAttribute('shop.cache_hit', !miss);
    if (!miss)
      return skus.length === 0 ? [...SHOP_PRODUCTS] : skus.map((s) => PRODUCT_BY_SKU.get(s));
    const res = await ctx.call('db', 'POST', '/query', {
      body: { op: 'select', table: 'products', skus },
      attributes: { 'db.system.name': 'other_sql', 'db.operation.name': 'SELECT' },
    });
    if (skus.length === 0) cachedAtMs = Date.now();
    return (asRecord(res.body).rows ?? []) as unknown[];
  };
  return {
    name: 'catalog',
    handlers: {
      'GET /products': async (ctx) => {
        const category = ctx.query.get('category');
        const limit = Math.min(40, Number(ctx.query.get('limit') ?? 12) || 12);
        await ctx.work(3, 0.3);
        const all = (await products(ctx, [])) as Product[];
        const list = category === null ? all : all.filter((p) => p.category === category);
        return { products: list.slice(0, limit) };
      },
      'GET /product': async (ctx) => {
        const sku = ctx.query.get('sku') ?? '';
        await ctx.work(2, 0.3);
        if (!PRODUCT_BY_SKU.has(sku)) throw new HttpError(404, `no product ${sku}`);
        const [product] = await products(ctx, [sku]);
        return { product };
      },
    },
  };
}

function recommendationService(rng: Rng): ServiceDefinition {
  return {
    name: 'recommendation',
    handlers: {
      'GET /recommendations': async (ctx) => {
        const res = await ctx.call('catalog', 'GET', '/products', { query: { limit: '40' } });
        const all = (asRecord(res.body).products ?? []) as Product[];
        await ctx.work(8, 0.4);
        const picks: Product[] = [];
        for (let i = 0; i < 4 && all.length > 0; i++) {
          picks.push(all[Math.floor(rng.next() * all.length)] as Product);
        }
        return { products: picks };
      },
    },
  };
}

function checkoutService(rng: Rng): ServiceDefinition {
  return {
    name: 'checkout',
    handlers: {
      'POST /checkout': async (ctx) => {
        const items = itemsOf(ctx.body);
        const { card, zone } = asRecord(ctx.body);
        await ctx.work(4, 0.3);
        const reserved = await ctx.call('inventory', 'POST', '/inventory', { body: { items } });
        if (reserved.status === 409) throw new HttpError(409, errorOf(reserved.body));
        const amountCents = items.reduce(
          (sum, i) => sum + (PRODUCT_BY_SKU.get(i.sku)?.priceCents ?? 0) * i.qty,
          0,
        );
        const paid = await ctx.call('payment', 'POST', '/payment', {
          body: { amountCents, card },
        });
        if (paid.status === 402) throw new HttpError(402, errorOf(paid.body));
        const shipping = await ctx.call('shipping', 'POST', '/shipping', {
          body: { items, zone },
        });
        ctx.setAttribute('shop.order_items', items.length);
        return {
          orderId: `ord-${hex(rng, 12)}`,
          totalCents: amountCents + Number(asRecord(shipping.body).costCents ?? 0),
        };
      },
    },
  };
}

function frontendService(callTimeoutMs: number): ServiceDefinition {
  const passFailure = (res: { status: number; body: unknown }): void => {
    if (res.status >= 400) throw new HttpError(res.status, errorOf(res.body));
  };
  return {
    name: 'frontend',
    handlers: {
      'GET /': async (ctx) => {
        const [products, recs] = await Promise.allSettled([
          ctx.call('catalog', 'GET', '/products'),
          ctx.call('recommendation', 'GET', '/recommendations'),
        ]);
        if (products.status === 'rejected') throw products.reason;
        // Recommendations are optional: the page renders without them.
        ctx.setAttribute('shop.degraded', recs.status === 'rejected');
        await ctx.work(4, 0.3);
        return { page: 'home', products: asRecord(products.value.body).products };
      },
      'GET /product': async (ctx) => {
        const sku = ctx.query.get('sku') ?? '';
        const product = await ctx.call('catalog', 'GET', '/product', { query: { sku } });
        passFailure(product);
        const stock = await ctx.call('inventory', 'GET', '/inventory', { query: { skus: sku } });
        passFailure(stock);
        await ctx.work(3, 0.3);
        return { page: 'product', product: asRecord(product.body).product, stock: stock.body };
      },
      'GET /cart': async (ctx) => {
        const skus = ctx.query.get('skus') ?? '';
        const stock = await ctx.call('inventory', 'GET', '/inventory', { query: { skus } });
        passFailure(stock);
        await ctx.work(2, 0.3);
        return { page: 'cart', stock: stock.body };
      },
      'POST /checkout': async (ctx) => {
        const res = await ctx.call('checkout', 'POST', '/checkout', {
          body: ctx.body,
          timeoutMs: callTimeoutMs * FRONTEND_CHECKOUT_TIMEOUT_FACTOR,
        });
        passFailure(res);
        await ctx.work(3, 0.3);
        return { page: 'order', order: res.body };
      },
    },
  };
}

function errorOf(body: unknown): string {
  const e = asRecord(body).error;
  return typeof e === 'string' ? e : 'request failed';
}

/** The definition of every shop service; `rngFor` gives each its own seeded stream. */
export function shopServiceDefinitions(
  rngFor: (service: ShopServiceName) => Rng,
  callTimeoutMs: number,
): readonly ServiceDefinition[] {
  return [
    dbService(rngFor('db')),
    paymentService(rngFor('payment')),
    shippingService(rngFor('shipping')),
    inventoryService(rngFor('inventory')),
    catalogService(rngFor('catalog')),
    recommendationService(rngFor('recommendation')),
    checkoutService(rngFor('checkout')),
    frontendService(callTimeoutMs),
  ];
}
