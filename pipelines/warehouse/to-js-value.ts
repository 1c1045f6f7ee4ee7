import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

export type JsValue = null | boolean | number | string | bigint | Date | JsValue[];

// DECIMAL and BIGINT become numbers while they fit a double exactly; money stays DECIMAL in
// the warehouse, this is only the boundary to JavaScript. Dates stay 'YYYY-MM-DD' strings so
// that no time zone shifts them; timestamps become Date (DuckDB stores them as UTC microseconds).
export function toJsValue(value: DuckDBValue): JsValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return new Date(Number(value.micros / 1000n));
  }
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBListValue) return value.items.map(toJsValue);
  return String(value);
}

export function toJsRow(row: Record<string, DuckDBValue>): Record<string, JsValue> {
  const out: Record<string, JsValue> = {};
  for (const [key, value] of Object.entries(row)) out[key] = toJsValue(value);
  return out;
}
