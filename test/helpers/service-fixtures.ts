/** `hours` after `at` ('YYYY-MM-DD HH:MM:SS', no time zone), in the same form. */
export function hoursAfter(at: unknown, hours: number): string {
  return new Date(Date.parse(`${String(at).replace(' ', 'T')}Z`) + hours * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A row of staging.stg_shipments for the order `paid` (a row of fixtures' order()), shipped `hours` after its payment. */
export function shipment(paid: Record<string, unknown>, hours: number, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { order_id: paid.order_id, shipped_at: hoursAfter(paid.paid_at, hours), is_exception: false, ...more };
}

/** A row of staging.stg_order_items: product `productId` on the order `paid`. */
export function line(paid: Record<string, unknown>, productId: string, lineNumber = 1): Record<string, unknown> {
  return {
    order_id: paid.order_id,
    line_number: lineNumber,
    product_id: productId,
    product_name: `商品 ${productId}`,
    quantity: 1,
    amount: paid.paid_amount,
  };
}
