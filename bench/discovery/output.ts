/** Progress, notes and the closing summary, on stderr (stdout carries only result lines). */
export const log = (message: string) => process.stderr.write(`bench:discovery: ${message}\n`);

/** One result line, a JSON object on stdout. */
export const emit = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
