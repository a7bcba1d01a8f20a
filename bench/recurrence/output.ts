/** Progress and notes, on stderr. */
export const log = (message: string) => process.stderr.write(`bench:recurrence: ${message}\n`);

/** One result line, a JSON object on stdout. */
export const emit = (line: Record<string, unknown>) => console.log(JSON.stringify({ benchmark: 'recurrence', ...line }));
