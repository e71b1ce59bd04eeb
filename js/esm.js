// esm.js -- linked in with --extern-post-js after the compiled module (createWmelCore): the ES
// module's default export. The wasm file is found beside wmel.mjs (import.meta.url) in the
// browser, and read from the filesystem under node (whose fetch() takes no file path).
export default async function createWmel(options) {
  const o = Object.assign({}, options);
  if (!o.locateFile) o.locateFile = (name) => new URL(name, import.meta.url).href;
  if (!o.wasmBinary && !o.instantiateWasm && typeof process == 'object' && process.versions &&
      process.versions.node) {
    const fs = await import('node:fs/promises');
    o.wasmBinary = await fs.readFile(new URL('wmel.wasm', import.meta.url));
  }
  return createWmelCore(o);
}
