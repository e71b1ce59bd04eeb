// The ES module under node (node --test js/test): every built-in preset's features and its
// stream on the golden speech clip give the bits the native library gives -- the FNV-1a
// digests of tests/digest/same_bits.txt, which test_same_bits holds every native level and
// the C suite under node to; Int16Array input, errors as exceptions with the library's
// sentence, and no memory kept across 10,000 calls; close() ends every stream of the module
// (later calls on one throw), the ctx cache and the open streams are bounded (2,000 distinct
// plans, streams left unclosed).
//   WMEL_JS_MODULE  the built module (default: build-wasm/js/wmel.mjs)
//   WMEL_GOLDEN     the golden data folder (default: ../shared/golden beside the tree)
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const modPath = process.env.WMEL_JS_MODULE || path.join(root, 'build-wasm', 'js', 'wmel.mjs');
const golden = process.env.WMEL_GOLDEN || path.resolve(root, '..', 'shared', 'golden');
const clip = path.join(golden, 'audio', 'speech_en.wav');

const {default: createWmel} = await import(pathToFileURL(modPath).href);
const wm = await createWmel();

// a mono 16-bit PCM WAV file's samples
function readWav16(file) {
  const b = fs.readFileSync(file);
  let at = 12;
  let fmtOk = false;
  while (at + 8 <= b.length) {
    const id = b.toString('latin1', at, at + 4), len = b.readUInt32LE(at + 4);
    if (id === 'fmt ') fmtOk = b.readUInt16LE(at + 8) === 1 && b.readUInt16LE(at + 10) === 1 && b.readUInt16LE(at + 22) === 16;
    if (id === 'data') {
      assert.ok(fmtOk, file + ': not mono 16-bit PCM');
      return new Int16Array(b.buffer.slice(b.byteOffset + at + 8, b.byteOffset + at + 8 + len));
    }
    at += 8 + len + (len & 1);
  }
  throw new Error(file + ': no data chunk');
}

function fnv(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 1469598103934665603n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < bytes.length; i++) {
    h ^= BigInt(bytes[i]);
    h = (h * 1099511628211n) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

// same_bits.txt's lines for the speech clip: case -> [status, values, digest]
function expected() {
  const m = new Map();
  const text = fs.readFileSync(path.join(root, 'tests', 'digest', 'same_bits.txt'), 'utf8');
  for (const line of text.split('\n')) {
    if (!line.startsWith('speech_en.wav|')) continue;
    const parts = line.slice('speech_en.wav|'.length).split(' ');
    const [st, n, h] = parts.slice(-3);
    m.set(parts.slice(0, -3).join(' '), [Number(st), Number(n), h]);
  }
  return m;
}

const haveClip = fs.existsSync(clip);
const want = expected();

test('presets are listed', () => {
  const p = wm.presets();
  assert.ok(p.length > 10, 'presets: ' + p.join(', '));
  assert.ok(p.includes('whisper') || p.some((n) => n.startsWith('whisper')), p.join(', '));
  assert.equal(typeof wm.presetJson(p[0]), 'object');
});

test('the SIMD128 level runs where the module is built with it', () => {
  assert.match(wm.kernel({preset: wm.presets()[0]}), /simd128|cpu-c|c-f64/);
});

test('every preset: the native bits (same_bits.txt)', {skip: !haveClip && 'no golden clip'}, () => {
  const pcm = readWav16(clip);
  let checked = 0;
  for (const name of wm.presets()) {
    const key = `plan preset:${name} backend=cpu`;
    const w = want.get(key);
    assert.ok(w, 'no line for ' + key + ' in same_bits.txt');
    if (w[0] !== 0) {
      assert.throws(() => wm.features(pcm, {preset: name}), Error, name);
      continue;
    }
    const r = wm.features(pcm, {preset: name});
    assert.equal(r.shape[0] * r.shape[1], w[1], name + ' values');
    assert.equal(r.data.length, w[1]);
    assert.equal(fnv(r.data), w[2], name + ': bits differ from the native library');
    checked++;
  }
  assert.ok(checked > 10);
});

test('every preset: the stream in pieces gives the native stream bits', {skip: !haveClip && 'no golden clip'}, () => {
  const pcm = new Float32Array(readWav16(clip)).map((v) => v / 32768);
  for (const name of wm.presets()) {
    const w = want.get(`plan preset:${name} backend=cpu stream`);
    if (!w || w[0] !== 0) continue;
    const s = wm.stream({preset: name});
    const parts = [];
    let r = 12345, at = 0, next = 0;
    while (at < pcm.length) { // same_bits' piece sizes (any would do)
      r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
      const k = Math.min(1 + ((r >>> 8) % 9000), pcm.length - at);
      const got = s.push(pcm.subarray(at, at + k));
      if (got.shape[0]) {
        assert.equal(got.first, next, name + ': frames in order');
        next += got.shape[0];
      }
      parts.push(got.data);
      at += k;
    }
    parts.push(s.finish().data);
    s.close();
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    assert.equal(all.length, w[1], name + ' stream values');
    assert.equal(fnv(all), w[2], name + ': stream bits differ from the native library');
  }
});

test('info(): the plan\'s rate, hop and layout, as the shape shows them', () => {
  const w = wm.info({preset: 'whisper'}), k = wm.info({preset: 'kaldi'});
  assert.deepEqual([w.sampleRate, w.hop, w.nFft, w.nMels, w.layout], [16000, 160, 400, 80, 'mels_frames']);
  assert.deepEqual([k.sampleRate, k.layout], [16000, 'frames_mels']);
  const x = new Float32Array(16000).map((_, i) => Math.sin(i * 0.03) * 0.2);
  let checked = 0;
  for (const name of wm.presets()) {
    const i = wm.info({preset: name});
    let r;
    try { r = wm.features(new Float32Array(i.sampleRate).map((_, j) => x[j % x.length]), {preset: name}); } catch { continue; }
    const feat = i.layout === 'frames_mels' ? r.shape[1] : r.shape[0];
    assert.ok(feat >= i.cols && feat % i.cols === 0, `${name}: ${feat} feature values per frame, ${i.cols} columns`);
    checked++;
  }
  assert.ok(checked > 10);
  assert.throws(() => wm.info({preset: 'no-such-preset'}), /preset/);
});

test('melCentres(): each filter\'s centre in Hz on the plan\'s scale and band', () => {
  // Whisper: Slaney's scale over 0-8000 Hz, 80 filters, centre i at mel(8000) i / 81
  const slaneyHz = (m) => (m < 15 ? m * 200 / 3 : 1000 * Math.exp((m - 15) * Math.log(6.4) / 27));
  const top = 15 + 27 * Math.log(8) / Math.log(6.4);
  const w = wm.melCentres({preset: 'whisper'});
  assert.ok(w instanceof Float64Array);
  assert.equal(w.length, 80);
  for (let i = 0; i < 80; i++) assert.ok(Math.abs(w[i] - slaneyHz(top * (i + 1) / 81)) < 1e-6, `whisper centre ${i}: ${w[i]}`);
  // Kaldi: 1127 ln(1 + f / 700) over 20-8000 Hz, centre m at lo + (m + 1) (hi - lo) / 81
  const mel = (f) => 1127 * Math.log(1 + f / 700), hz = (m) => 700 * (Math.exp(m / 1127) - 1);
  const k = wm.melCentres({preset: 'kaldi'});
  assert.equal(k.length, 80);
  for (let m = 0; m < 80; m++) assert.ok(Math.abs(k[m] - hz(mel(20) + (m + 1) * (mel(8000) - mel(20)) / 81)) < 1e-6, `kaldi centre ${m}: ${k[m]}`);
  for (const name of wm.presets()) {
    const i = wm.info({preset: name}), c = wm.melCentres({preset: name});
    assert.equal(c.length, i.nMels, name);
    for (let j = 1; j < c.length; j++) assert.ok(c[j] > c[j - 1], `${name}: centres rise`);
    assert.ok(c[0] >= 0 && c[c.length - 1] <= i.sampleRate / 2, `${name}: centres within 0..Nyquist`);
  }
  assert.throws(() => wm.melCentres({preset: 'no-such-preset'}), /preset/);
});

test('opts.out: the features written into the caller\'s array', () => {
  const x = new Float32Array(16000).map((_, i) => Math.sin(i * 0.07) * 0.25);
  const a = wm.features(x, {preset: 'whisper'});
  const n = a.data.length;
  const exact = new Float32Array(n).fill(7), bigger = new Float32Array(n + 5).fill(7);
  const b = wm.features(x, {preset: 'whisper', out: exact});
  assert.equal(b.data, exact);
  assert.equal(fnv(b.data), fnv(a.data));
  const c = wm.features(x, {preset: 'whisper', out: bigger});
  assert.equal(c.data.buffer, bigger.buffer);
  assert.equal(c.data.length, n);
  assert.equal(fnv(c.data), fnv(a.data));
  assert.equal(bigger[n], 7, 'nothing written past the features');
  const m0 = wm.memoryBytes();
  assert.throws(() => wm.features(x, {preset: 'whisper', out: new Float32Array(n - 1)}), RangeError);
  assert.deepEqual(wm.memoryBytes(), m0, 'the refused call frees what it allocated');
  assert.throws(() => wm.features(x, {preset: 'whisper', out: new Float64Array(n)}), TypeError);
});

test('Int16Array and Float32Array give the same features', () => {
  const s16 = new Int16Array(16000);
  for (let i = 0; i < s16.length; i++) s16[i] = Math.round(8000 * Math.sin(i * 0.05) + 300 * Math.sin(i * 1.3));
  const f32 = new Float32Array(s16.length);
  for (let i = 0; i < s16.length; i++) f32[i] = s16[i] / 32768;
  const a = wm.features(s16, {preset: wm.presets()[0]}), b = wm.features(f32, {preset: wm.presets()[0]});
  assert.deepEqual(a.shape, b.shape);
  assert.equal(fnv(a.data), fnv(b.data));
});

// a .npy file of int16 (openai's load_audio samples) as Int16Array
function readNpyI16(file) {
  const b = fs.readFileSync(file);
  const hl = b.readUInt16LE(8), hdr = b.toString('latin1', 10, 10 + hl);
  assert.ok(hdr.includes("'<i2'"), file + ': not int16');
  return new Int16Array(b.buffer.slice(b.byteOffset + 10 + hl, b.byteOffset + b.length));
}

// a 16-bit PCM WAV file's bytes
function wav16(samples, rate, channels) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) => data.writeInt16LE(v, i * 2));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22); h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28); h.writeUInt16LE(channels * 2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1'); h.writeUInt32LE(data.length, 40);
  return new Uint8Array(Buffer.concat([h, data]));
}

const wav48k = path.join(golden, 'audio', 'speech_en_48k_f32.wav');
const wav48kRef = path.join(golden, 'ref', 'speech_en_48k_f32_wav.load_audio_s16.npy');
test('loadAudio(): a 48 kHz float WAV gives openai\'s load_audio samples exactly',
     {skip: !(fs.existsSync(wav48k) && fs.existsSync(wav48kRef)) && 'no golden clip'}, () => {
  const got = wm.loadAudio(fs.readFileSync(wav48k));
  const ref = readNpyI16(wav48kRef);
  assert.equal(got.length, ref.length);
  let differ = 0;
  for (let i = 0; i < ref.length; i++) if (got[i] !== ref[i] / 32768) differ++;
  assert.equal(differ, 0, differ + ' samples differ from load_audio');
});

test('loadAudio(): 16 kHz mono as it is, 44.1 kHz stereo resampled and mixed, other bytes refused', () => {
  const x = Array.from({length: 4000}, (_, i) => Math.round(12000 * Math.sin(i * 0.05) + 300 * ((i * 7919) % 13 - 6)));
  const mono = wm.loadAudio(wav16(x, 16000, 1));
  assert.equal(mono.length, x.length);
  assert.ok(x.every((v, i) => mono[i] === v / 32768));
  // the same bytes as an ArrayBuffer and through a view with an offset
  const bytes = wav16(x, 16000, 1);
  assert.deepEqual(wm.loadAudio(bytes.buffer), mono);
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  assert.deepEqual(wm.loadAudio(new Uint8Array(padded.buffer, 3, bytes.length)), mono);
  // 44.1 kHz stereo: about 16000/44100 of the frames, int16 values, the channels mixed
  const st = [];
  for (let i = 0; i < 44100; i++) st.push(Math.round(9000 * Math.sin(i * 0.01)), Math.round(-4000 * Math.sin(i * 0.013)));
  const r = wm.loadAudio(wav16(st, 44100, 2));
  assert.ok(Math.abs(r.length - 16000) <= 1, 'length ' + r.length);
  assert.ok(r.every((v) => Number.isInteger(v * 32768) && Math.abs(v) < 1));
  assert.ok(r.some((v) => v !== 0));
  assert.throws(() => wm.loadAudio(new TextEncoder().encode('not a wav file at all, only text')), /^Error: \S/);
  assert.throws(() => wm.loadAudio('speech.wav'), TypeError);
});

// 8 KB at 1 Hz are 64 M samples at 16 kHz: they come out in pieces into the JavaScript
// array, and the module's heap does not grow with them (the whole output never sits in it)
test('loadAudio(): a 1 Hz WAV decodes without growing the heap', () => {
  const before = wm.memoryBytes().heap;
  const r = wm.loadAudio(wav16(Array.from({length: 4000}, (_, i) => (i * 37) % 2000 - 1000), 1, 1));
  assert.equal(r.length, 64000000);
  assert.ok(r.some((v) => v !== 0));
  const grew = wm.memoryBytes().heap - before;
  assert.ok(grew < 64 * 1024 * 1024, 'the heap grew by ' + grew + ' bytes');
});

test('errors are exceptions with the library\'s sentence', () => {
  assert.throws(() => wm.features(new Float32Array(16000), {preset: 'no-such-preset'}), /no-such-preset|preset/);
  const nan = new Float32Array(16000);
  nan[5] = NaN;
  assert.throws(() => wm.features(nan, {preset: wm.presets()[0]}), /finite|NaN/i);
  assert.throws(() => wm.features(new Float32Array(0), {preset: wm.presets()[0]}), /sample/i);
  assert.throws(() => wm.features([1, 2, 3], {preset: wm.presets()[0]}), TypeError);
  assert.throws(() => wm.features(new Float32Array(16000), {plan: '{"n_mels": -3'}), Error);
});

test('a plan as JSON text or as an object', () => {
  const name = wm.presets()[0];
  const plan = wm.presetJson(name);
  const x = new Float32Array(8000).map((_, i) => Math.sin(i * 0.01) * 0.3);
  const a = wm.features(x, {preset: name});
  const b = wm.features(x, {plan});
  const c = wm.features(x, {plan: JSON.stringify(plan)});
  assert.equal(fnv(a.data), fnv(b.data));
  assert.equal(fnv(a.data), fnv(c.data));
});

test('no memory kept over 10,000 calls', () => {
  const x = new Float32Array(4000).map((_, i) => Math.sin(i * 0.02) * 0.2);
  const name = wm.presets()[0];
  for (let i = 0; i < 50; i++) wm.features(x, {preset: name}); // warm up
  try { wm.features(new Float32Array(0), {preset: name}); } catch { /* the error path too */ }
  const m0 = wm.memoryBytes();
  for (let i = 0; i < 10000; i++) {
    wm.features(x, {preset: name});
    if (i % 100 === 0) {
      try { wm.features(new Float32Array(1), {preset: name}); } catch { /* too short */ }
      const s = wm.stream({preset: name});
      s.push(x);
      s.finish();
      s.close();
    }
  }
  const m1 = wm.memoryBytes();
  assert.equal(m1.used, m0.used, 'allocated bytes after 10,000 calls');
  assert.equal(m1.heap, m0.heap, 'the module\'s memory grew');
});

test('close(): every stream of the module is closed, its calls throw; features() makes its ctx anew', async () => {
  const w = await createWmel();
  const x = new Float32Array(16000).map((_, i) => Math.sin(i * 0.03) * 0.2);
  w.features(x, {preset: 'kaldi'});
  w.close(); // what the first calls allocate for good
  const u0 = w.memoryBytes().used;
  const s = w.stream({preset: 'kaldi'});
  s.push(x);
  const before = w.features(x, {preset: 'whisper'});
  w.close();
  // what reuses the freed memory, then the closed stream's calls
  const after = w.features(x, {preset: 'whisper'});
  assert.equal(fnv(after.data), fnv(before.data), 'features() after close()');
  const t = w.stream({preset: 'nemo'});
  t.push(x);
  assert.throws(() => s.push(x), {name: 'Error', message: /stream is closed \(the module's close\(\) closed it\)/});
  assert.throws(() => s.finish(), {name: 'Error', message: /stream is closed/});
  s.close(); // again: nothing
  assert.throws(() => s.push(x), /stream is closed/);
  // a stream closed by its own close()
  t.close();
  assert.throws(() => t.push(x), {name: 'Error', message: /stream is closed \(its close\(\) was called\)/});
  // a stream made after close() computes as one made before it did
  const u = w.stream({preset: 'kaldi'});
  const a = u.push(x);
  u.close();
  const v = wm.stream({preset: 'kaldi'});
  const b = v.push(x);
  v.close();
  assert.equal(fnv(a.data), fnv(b.data));
  w.close();
  assert.deepEqual([w.held().contexts, w.held().streams], [0, 0]);
  assert.equal(w.memoryBytes().used, u0, 'bytes allocated after close()');
});

test('2,000 distinct plans: at most 16 ctxs kept, the module\'s memory bounded', async () => {
  const w = await createWmel();
  const x = new Float32Array(4000).map((_, i) => Math.sin(i * 0.02) * 0.2);
  const plan = (i) => ({frontend: 'kaldi', low_freq: 20 + i * 0.001});
  w.features(x, {plan: plan(-1)});
  const m0 = w.memoryBytes();
  for (let i = 0; i < 2000; i++) w.features(x, {plan: plan(i)});
  const m1 = w.memoryBytes();
  const MiB = 1 << 20;
  console.log(`2,000 plans: module memory ${(m0.heap / MiB).toFixed(1)} -> ${(m1.heap / MiB).toFixed(1)} MiB, ` +
              `allocated ${(m0.used / MiB).toFixed(2)} -> ${(m1.used / MiB).toFixed(2)} MiB`);
  assert.ok(m1.heap <= m0.heap + 16 * MiB, `the module's memory grew by ${(m1.heap - m0.heap) / MiB} MiB`);
  assert.ok(w.held().contexts <= 16, `${w.held().contexts} ctxs kept`);
  // a stream's ctx outlives its eviction until the stream is closed
  const s = w.stream({plan: plan(5000)});
  const first = s.push(x);
  for (let i = 0; i < 40; i++) w.features(x, {plan: plan(6000 + i)});
  const r = w.stream({plan: plan(5000)}); // the same plan, its ctx made anew
  assert.equal(fnv(s.push(x).data), fnv((r.push(x), r.push(x)).data), 'the evicted ctx still serves its stream');
  assert.ok(first.shape[0] > 0);
  s.close();
  r.close();
  w.close();
});

test('streams left open: at most 16, and the unreachable ones freed by the garbage collector', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const w = await createWmel();
  const x = new Float32Array(4000).map((_, i) => Math.sin(i * 0.02) * 0.2);
  const MiB = 1 << 20;
  w.stream({preset: 'kaldi'}).close(); // the ctx
  const m0 = w.memoryBytes();
  // unclosed and unreachable: freed as the collector finalises them, 2,000 of them
  const settle = async () => {
    for (let k = 0; k < 20 && w.held().streams > 0; k++) {
      gc();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  for (let i = 0; i < 2000; i++) {
    if (w.held().streams >= 8) await settle();
    w.stream({preset: 'kaldi'}).push(x);
  }
  await settle();
  const m1 = w.memoryBytes();
  assert.equal(w.held().streams, 0, 'unreachable streams finalised');
  assert.equal(m1.used, m0.used, 'bytes allocated after 2,000 streams finalised');
  // open ones: at most maxStreams, then an Error that says what to do
  const open = [];
  for (let i = 0; i < w.held().maxStreams; i++) {
    open.push(w.stream({preset: 'kaldi'}));
    open[i].push(x);
  }
  const m2 = w.memoryBytes();
  assert.equal(w.held().maxStreams, 16);
  assert.throws(() => w.stream({preset: 'kaldi'}), {name: 'Error', message: /16 streams are open.*close\(\)/});
  for (const s of open) s.close();
  assert.equal(w.held().streams, 0);
  assert.equal(w.memoryBytes().used, m0.used, 'bytes allocated after the open streams are closed');
  console.log(`kaldi streams: ${((m2.used - m0.used) / 16 / 1024).toFixed(0)} KiB each; module memory ` +
              `${(m0.heap / MiB).toFixed(1)} -> ${(m1.heap / MiB).toFixed(1)} MiB (2,000 unclosed, finalised) -> ` +
              `${(m2.heap / MiB).toFixed(1)} MiB (16 open)`);
  assert.ok(m2.heap <= m0.heap + 48 * MiB, `the module's memory grew by ${(m2.heap - m0.heap) / MiB} MiB`);
  w.close();
});
