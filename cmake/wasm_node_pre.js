// wasm_node_pre.js -- linked before the programs Emscripten builds for node (the command, the
// tests, the benchmarks: cmake/wasm.cmake). Node's global fetch() takes no file path, and
// Emscripten 3.1.6 would load the .wasm with it: this file's own fetch, undefined, makes it
// read the file instead. The host's environment variables reach getenv() (WMEL_MAX_ISA,
// TMPDIR, ...), which would otherwise see a fixed set.
var fetch;
Module['preRun'] = [].concat(Module['preRun'] || [], [function () {
  if (typeof ENV == 'object' && typeof process == 'object' && process.env) Object.assign(ENV, process.env);
}]);
