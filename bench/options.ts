/** `--name N` options of a benchmark, each a positive integer with a default: unknown names are refused. */
export function parseCounts<T extends Record<string, number>>(args: string[], defaults: T): T {
  const settings = { ...defaults };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in settings) || !Number.isSafeInteger(value) || value <= 0) {
      const expected = Object.keys(defaults).map((key) => `--${key} N`).join(' ');
      throw new Error(`Unknown or invalid option ${args[i]} ${args[i + 1]}; expected ${expected}`);
    }
    (settings as Record<string, number>)[name] = value;
  }
  return settings;
}
