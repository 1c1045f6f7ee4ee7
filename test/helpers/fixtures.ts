/** A row of staging.stg_orders for fixtures: one order of `amount` at 12:00 on `day`. */
export function order(memberId: string, day: string, amount: number, status = 'completed'): Record<string, unknown> {
  const at = `${day} 12:00:00`;
  orderNumber += 1;
  return {
    order_id: `${memberId}-${orderNumber}`,
    member_id: memberId,
    created_at: at,
    paid_at: status === 'created' ? null : at,
    purchased_at: at,
    status,
    is_purchase: ['paid', 'shipped', 'completed'].includes(status),
    paid_amount: amount,
    refund_amount: 0,
    net_amount: amount,
  };
}
let orderNumber = 0;

/** `count` consecutive days starting at `first` (YYYY-MM-DD). */
export function days(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, index) => new Date(start + index * 86_400_000).toISOString().slice(0, 10));
}
