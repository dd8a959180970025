// Command-line options of the browser drivers: `--some-name value` pairs.

const camelCase = (name) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase());

/**
 * `--some-name value` pairs as {someName: value}, over `defaults`.
 * @param {string[]} argv the arguments
 * @param {Record<string, unknown>} defaults values of options not given
 * @param {string[]} required names of the options that must be given ("page-url")
 */
export function parseOptions(argv, defaults, required) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for --${name}`);
    opts[camelCase(name)] = value;
  }
  for (const name of required) if (!opts[camelCase(name)]) throw new Error(`--${name} is required`);
  return opts;
}
