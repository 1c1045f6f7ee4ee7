/** The calendar day (YYYY-MM-DD) in the shop's time zone at `now`, `daysBefore` days earlier. */
export function shopToday(timeZone: string, now: Date = new Date(), daysBefore = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(now);
  return new Date(Date.parse(`${today}T00:00:00Z`) - daysBefore * 86_400_000).toISOString().slice(0, 10);
}
