import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

// Runs the floor script into a new database file with the warehouse's engine settings:
// tsx bench/run-floor.ts SCRIPT DATABASE|:memory: MEMORY_LIMIT TEMP_DIRECTORY
const [script, database, memoryLimit, tempDirectory] = process.argv.slice(2);
if (!script || !database || !memoryLimit || !tempDirectory)
  throw new Error('usage: run-floor.ts SCRIPT DATABASE|:memory: MEMORY_LIMIT TEMP_DIRECTORY');
const instance = await DuckDBInstance.create(database, { memory_limit: memoryLimit, temp_directory: tempDirectory });
const connection = await instance.connect();
await connection.run(readFileSync(script, 'utf8'));
connection.closeSync();
instance.closeSync();
