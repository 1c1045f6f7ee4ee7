// Progress and messages go to stderr, one plain line each, so that stdout carries only results
// (query --format csv) and a scheduler's log reads the same as a terminal.
export const logger = {
  log: (line: string) => process.stderr.write(`${line}\n`),
  error: (message: string) => process.stderr.write(`error: ${message}\n`),
};
