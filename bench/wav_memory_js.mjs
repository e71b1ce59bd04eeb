// bench/wav_memory_js.mjs -- the JS module's loadAudio on a long 16 kHz WAV and on a WAV at
// 1 Hz (every sample resampled to 16 kHz): the time, the module's heap before and after, and
// the process's resident memory (the returned Float32Array included), one run each.
//   node bench/wav_memory_js.mjs [path/to/wmel.mjs]   (default: build-wasm/js/wmel.mjs)
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const modPath = process.argv[2] || path.join('build-wasm', 'js', 'wmel.mjs');
const {default: createWmel} = await import(pathToFileURL(path.resolve(modPath)).href);
const wm = await createWmel();

function wav16(n, rate, fill) { // a mono PCM16 WAV of n samples
  const b = new ArrayBuffer(44 + 2 * n), v = new DataView(b);
  const s = (o, t) => [...t].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  s(0, 'RIFF'); v.setUint32(4, 36 + 2 * n, true); s(8, 'WAVE'); s(12, 'fmt ');
  v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, rate, true); v.setUint32(28, 2 * rate, true); v.setUint16(32, 2, true);
  v.setUint16(34, 16, true); s(36, 'data'); v.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) v.setInt16(44 + 2 * i, fill(i), true);
  return new Uint8Array(b);
}

const MiB = 1024 * 1024;
const cases = [
  ['1 h at 16 kHz (115 MB)', () => wav16(3600 * 16000, 16000, (i) => ((i * 37) % 2000) - 1000)],
  ['8 KB at 1 Hz (64 M samples out)', () => wav16(4000, 1, (i) => ((i * 37) % 2000) - 1000)],
];
console.log(`module ${modPath}; node ${process.version}`);
for (const [name, make] of cases) {
  const file = make();
  const heap0 = wm.memoryBytes().heap, rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const x = wm.loadAudio(file);
  const ms = performance.now() - t0;
  const heap1 = wm.memoryBytes().heap, rss1 = process.memoryUsage().rss;
  console.log(`${name}: ${x.length} samples in ${(ms / 1000).toFixed(2)} s; module heap ` +
              `${(heap0 / MiB).toFixed(1)} -> ${(heap1 / MiB).toFixed(1)} MiB; process RSS ` +
              `${(rss0 / MiB).toFixed(0)} -> ${(rss1 / MiB).toFixed(0)} MiB ` +
              `(the samples returned: ${(x.length * 4 / MiB).toFixed(0)} MiB as float32)`);
}
