/**
 * Fault injection for the crash tests: with WAREHOUSE_CRASH_AT=<name>, the process kills itself
 * with SIGKILL when it reaches that point, exactly as a power cut or the OOM killer would.
 */
export function crashPoint(name: string): void {
  if (process.env.WAREHOUSE_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
