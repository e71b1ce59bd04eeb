// wasm_bench.mjs -- the WebAssembly module (build-wasm/js/wmel.mjs) in node on one thread,
// Whisper and NeMo on 30 s of audio, against the native library's one-thread time in the same
// run (`wmel bench --threads 1`, build/wmel) and against a plain-JavaScript float64
// implementation of the same front-ends (bench/plainjs_mel.mjs, checked against the module's
// output first: its largest difference is printed). A benchmark, not a test.
//
//   node bench/wasm_bench.mjs [--reps N] [--js-reps N] [--native PATH] [--module PATH]
//   (make bench-wasm)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {whisperMel, nemoMel} from './plainjs_mel.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const reps = Number(arg('--reps', 20)), jsReps = Number(arg('--js-reps', 5));
const native = arg('--native', path.join(root, 'build', 'wmel'));
const modPath = arg('--module', path.join(root, 'build-wasm', 'js', 'wmel.mjs'));

function loadavg() { return fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' '); }
function cpuModel() {
  const t = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const get = (k) => { const m = new RegExp(k + '\\s*:\\s*(.*)').exec(t); return m ? m[1] : '?'; };
  return `${get('model name')} (family ${get('cpu family')} model ${get('model')}), ${os.cpus().length} CPUs`;
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); const h = s.length >> 1; return s.length & 1 ? s[h] : (s[h - 1] + s[h]) / 2; };
function time(fn, n, warm = 2) {
  for (let i = 0; i < warm; i++) fn();
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

// 30 s at 16 kHz: the speech clip repeated (its 16-bit samples / 32768)
function clip30() {
  const b = fs.readFileSync(path.join(root, 'data', 'speech_en.wav'));
  let at = 12, pcm = null;
  while (at + 8 <= b.length) {
    const id = b.toString('latin1', at, at + 4), len = b.readUInt32LE(at + 4);
    if (id === 'data') { pcm = new Int16Array(b.buffer.slice(b.byteOffset + at + 8, b.byteOffset + at + 8 + len)); break; }
    at += 8 + len + (len & 1);
  }
  const x = new Float32Array(480000);
  for (let i = 0; i < x.length; i++) x[i] = pcm[i % pcm.length] / 32768;
  return x;
}

const load0 = loadavg();
const x = clip30();
const {default: createWmel} = await import(pathToFileURL(modPath).href);
const wm = await createWmel();

// correctness of the plain-JS port against the module (the native bits) before timing
const cases = [['whisper', whisperMel], ['nemo', nemoMel]];
const rows = [];
for (const [preset, js] of cases) {
  const w = wm.features(x, {preset});
  const j = js(x);
  let maxErr = 0;
  if (j.length !== w.data.length) throw new Error(`${preset}: plain JS gives ${j.length} values, wmel ${w.data.length}`);
  for (let i = 0; i < j.length; i++) maxErr = Math.max(maxErr, Math.abs(j[i] - w.data[i]));
  const tWasm = time(() => wm.features(x, {preset}), reps);
  const tJs = time(() => js(x), jsReps, 1);
  rows.push({preset, shape: w.shape, maxErr, tWasm, tJs, kernel: wm.kernel({preset})});
}

// the native command's one-thread medians, same run (wmel bench --json)
let nat = {};
if (fs.existsSync(native)) {
  const out = execFileSync(native, ['bench', '--seconds', '30', '--threads', '1', '--n-mels', '80', '--peers', 'none',
    '--frontends', 'nemo', '--reps', String(reps), '--json'], {encoding: 'utf8'});
  const j = JSON.parse(out);
  const list = Array.isArray(j) ? j : j.results || j.rows || [];
  for (const r of list) {
    const name = r.impl || r.name || r.row;
    const ms = r.median_ms ?? r.ms ?? r.median;
    if (name === 'wmel' && nat.whisper === undefined) nat.whisper = ms;
    if (name === 'wmel-nemo' && nat.nemo === undefined) nat.nemo = ms;
  }
  nat.isa = j.kernel || '';
  if (nat.whisper === undefined) console.log('native bench JSON not understood:', out.slice(0, 400));
} else {
  console.log(`no native command at ${native}: native times left out (make build, or --native PATH)`);
}
const load1 = loadavg();

console.log(`wmel WebAssembly in node ${process.version}, one thread, 30 s at 16 kHz, 80 mels; medians of ${reps} (plain JS: ${jsReps})`);
console.log(`CPU: ${cpuModel()}; /proc/loadavg before ${load0}, after ${load1}`);
console.log('preset   | native 1 thread (ms) | wasm (ms) | plain JS f64 (ms) | wasm/native | JS/wasm | JS/native | plain JS max |err| vs wmel');
for (const r of rows) {
  const n = nat[r.preset];
  const f = (v) => (v === undefined ? '-' : v.toFixed(2));
  const ratio = (a, b) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2) + 'x');
  console.log(`${r.preset.padEnd(8)} | ${f(n).padStart(20)} | ${f(r.tWasm).padStart(9)} | ${f(r.tJs).padStart(17)} | ` +
              `${ratio(r.tWasm, n).padStart(11)} | ${ratio(r.tJs, r.tWasm).padStart(7)} | ${ratio(r.tJs, n).padStart(9)} | ${r.maxErr.toExponential(2)}`);
}
console.log(`kernels: wasm ${rows.map((r) => r.kernel).join(', ')}; native ${nat.isa || '(AUTO level)'}`);
