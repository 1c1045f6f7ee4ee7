import { createConsola } from 'consola';

// Progress and messages go to stderr so that stdout carries only results (query --format csv).
export const logger = createConsola({ stdout: process.stderr, stderr: process.stderr });
