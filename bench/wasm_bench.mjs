// wasm_bench.mjs -- the WebAssembly module (build-wasm/js/wmel.mjs) in node on one thread,
// Whisper and NeMo on 30 s of audio, against the native library's one-thread time in the same
// run (`wmel bench --threads 1`, build/wmel) and against a plain-JavaScript float64
// implementation of the same front-ends (bench/plainjs_mel.mjs, checked against the module's
// output first: its largest difference is printed). The module is timed twice: features()
// returning a new array per call, and writing into an array the caller keeps (opts.out).
// A benchmark, not a test.
//
//   node bench/wasm_bench.mjs [--rounds N] [--reps N] [--js-reps N] [--native PATH] [--module PATH]
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
  return {median: median(t), min: Math.min(...t)};
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
const rounds = Number(arg('--rounds', 5));

// correctness of the plain-JS port against the module (the native bits) before timing
const cases = [['whisper', whisperMel], ['nemo', nemoMel]];
const rows = {};
for (const [preset, js] of cases) {
  const w = wm.features(x, {preset});
  const j = js(x);
  let maxErr = 0;
  if (j.length !== w.data.length) throw new Error(`${preset}: plain JS gives ${j.length} values, wmel ${w.data.length}`);
  for (let i = 0; i < j.length; i++) maxErr = Math.max(maxErr, Math.abs(j[i] - w.data[i]));
  rows[preset] = {preset, shape: w.shape, maxErr, kernel: wm.kernel({preset}), wasm: [], wasmOut: [], js: [], nat: [], wasmMin: Infinity, wasmOutMin: Infinity, jsMin: Infinity, natMin: Infinity};
}

// the native command's one-thread medians (wmel bench --json)
const haveNative = fs.existsSync(native);
let natKernel = '';
function nativeRound() {
  const out = execFileSync(native, ['bench', '--seconds', '30', '--threads', '1', '--n-mels', '80', '--peers', 'none',
    '--frontends', 'nemo', '--reps', String(reps), '--json'], {encoding: 'utf8'});
  const j = JSON.parse(out);
  natKernel = j.kernel || '';
  for (const r of j.rows || []) {
    const preset = r.impl === 'wmel' ? 'whisper' : r.impl === 'wmel-nemo' ? 'nemo' : null;
    if (!preset) continue;
    rows[preset].nat.push(r.median_ms);
    rows[preset].natMin = Math.min(rows[preset].natMin, r.min_ms);
  }
}
if (!haveNative) console.log(`no native command at ${native}: native times left out (make build, or --native PATH)`);

// rounds, each: native, then the module, then plain JS, so that a change of the machine's
// load falls on all three; the table gives the median of the rounds' medians and the minimum
for (let k = 0; k < rounds; k++) {
  if (haveNative) nativeRound();
  for (const [preset, js] of cases) {
    const r = rows[preset];
    const a = time(() => wm.features(x, {preset}), reps);
    r.wasm.push(a.median); r.wasmMin = Math.min(r.wasmMin, a.min);
    const buf = new Float32Array(r.shape[0] * r.shape[1]);
    const o = time(() => wm.features(x, {preset, out: buf}), reps);
    r.wasmOut.push(o.median); r.wasmOutMin = Math.min(r.wasmOutMin, o.min);
    const b = time(() => js(x), jsReps, 1);
    r.js.push(b.median); r.jsMin = Math.min(r.jsMin, b.min);
  }
}
const load1 = loadavg();

console.log(`wmel WebAssembly in node ${process.version}, one thread, 30 s at 16 kHz, 80 mels; ${rounds} rounds of native, wasm and plain JS, ` +
            `each the median of ${reps} calls (plain JS: ${jsReps})`);
console.log(`CPU: ${cpuModel()}; /proc/loadavg before ${load0}, after ${load1}`);
const f = (v) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));
const ratio = (a, b) => (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) ? '-' : (a / b).toFixed(2) + 'x');
for (const [label, pick] of [['median of the rounds\' medians', (r, k) => median(r[k])], ['minimum', (r, k) => r[k + 'Min']]]) {
  console.log(`-- ${label} (ms)`);
  console.log('preset   | native 1 thread | wasm (node) | wasm, out kept | plain JS f64 | wasm/native | kept/native | JS/wasm | JS/native');
  for (const [preset] of cases) {
    const r = rows[preset];
    const n = haveNative ? pick(r, 'nat') : undefined, w = pick(r, 'wasm'), wo = pick(r, 'wasmOut'), j = pick(r, 'js');
    console.log(`${preset.padEnd(8)} | ${f(n).padStart(15)} | ${f(w).padStart(11)} | ${f(wo).padStart(14)} | ${f(j).padStart(12)} | ` +
                `${ratio(w, n).padStart(11)} | ${ratio(wo, n).padStart(11)} | ${ratio(j, w).padStart(7)} | ${ratio(j, n).padStart(9)}`);
  }
}
for (const [preset] of cases) console.log(`plain JS against wmel, ${preset} ${rows[preset].shape.join('x')}: max |difference| ${rows[preset].maxErr.toExponential(2)}`);
console.log(`kernels: wasm ${cases.map(([p]) => rows[p].kernel).join(', ')}; native ${natKernel || '-'}`);
