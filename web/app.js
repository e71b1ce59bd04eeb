// app.js -- the page of web/index.html: audio from the bundled sample, a file or the
// microphone; a preset's features from the wmel module (wmel.mjs + wmel.wasm, beside this
// file), drawn on a canvas with axes and a colour bar, and saved as .npy.
// No framework: plain ES modules. `index.html?sample&preset=NAME` computes the sample on
// load (the headless Chromium test, tests/web_test.py, reads #result and window.wmelLast:
// the shape, the digest, the download's name and the .npy file's bytes).
// The controls stay disabled until the module has loaded; a page opened as a file (or a
// module that fails to load) shows #serve, which says to serve the folder over HTTP.

const $ = (id) => document.getElementById(id);
const statusEl = $('status'), resultEl = $('result');
const CONTROLS = ['preset', 'sample', 'file', 'record'];
let wm = null;
let last = null; // {data, shape, preset, info, stem}

function say(text, isError) {
  statusEl.textContent = text;
  statusEl.className = isError ? 'error' : '';
}

// ---- audio in -------------------------------------------------------------------------

// A WAV file's samples as Float32Array (channels averaged) and its rate; null when the
// file is not a WAV this reader knows (then the browser's decoder is used). 16-bit PCM
// gives each sample / 32768, as the wmel command reads it.
function parseWav(buf) {
  const v = new DataView(buf);
  const tag = (at) => String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));
  if (buf.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let fmt = null;
  for (let at = 12; at + 8 <= buf.byteLength;) {
    const id = tag(at), len = v.getUint32(at + 4, true), body = at + 8;
    if (id === 'fmt ') {
      let code = v.getUint16(body, true);
      if (code === 0xfffe && len >= 26) code = v.getUint16(body + 24, true); // extensible
      fmt = {code, channels: v.getUint16(body + 2, true), rate: v.getUint32(body + 4, true),
             bits: v.getUint16(body + 14, true)};
    } else if (id === 'data' && fmt) {
      const {code, channels, bits} = fmt;
      const bytes = bits / 8, end = Math.min(buf.byteLength, body + len);
      const n = Math.floor((end - body) / (bytes * channels));
      const read = code === 1 && bits === 16 ? (p) => v.getInt16(p, true) / 32768
        : code === 1 && bits === 24 ? (p) => ((v.getUint8(p) | (v.getUint8(p + 1) << 8) | (v.getInt8(p + 2) << 16)) / 8388608)
        : code === 1 && bits === 32 ? (p) => v.getInt32(p, true) / 2147483648
        : code === 1 && bits === 8 ? (p) => (v.getUint8(p) - 128) / 128
        : code === 3 && bits === 32 ? (p) => v.getFloat32(p, true)
        : code === 3 && bits === 64 ? (p) => v.getFloat64(p, true) : null;
      if (!read || channels < 1) return null;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let c = 0; c < channels; c++) s += read(body + (i * channels + c) * bytes);
        out[i] = channels === 1 ? s : s / channels;
      }
      return {samples: out, rate: fmt.rate};
    }
    at = body + len + (len & 1);
  }
  return null;
}

// samples at `from` Hz to `to` Hz with the browser's resampler (OfflineAudioContext)
async function resample(samples, from, to) {
  if (from === to) return samples;
  const n = Math.max(1, Math.ceil(samples.length * to / from));
  const off = new OfflineAudioContext(1, n, to);
  const b = off.createBuffer(1, samples.length, from);
  b.copyToChannel(samples, 0);
  const src = off.createBufferSource();
  src.buffer = b;
  src.connect(off.destination);
  src.start();
  return (await off.startRendering()).getChannelData(0).slice();
}

// any file the browser decodes (mp3, ogg, flac, ...), mixed to mono at `rate` Hz
async function decodeOther(buf, rate) {
  const ctx = new OfflineAudioContext(1, 1, rate);
  const ab = await ctx.decodeAudioData(buf);
  const mono = new Float32Array(ab.length);
  for (let c = 0; c < ab.numberOfChannels; c++) {
    const ch = ab.getChannelData(c);
    for (let i = 0; i < mono.length; i++) mono[i] += ch[i] / ab.numberOfChannels;
  }
  return resample(mono, ab.sampleRate, rate);
}

// A file's samples at the plan's rate. A WAV file for a 16 kHz plan goes through the
// module's reader (wm.loadAudio): any PCM or float WAV, any rate and channel count, to the
// very samples the native command decodes from it. Other rates and other formats take the
// browser's decoder and resampler, and the note says so.
async function samplesOf(buf, rate) {
  const w = parseWav(buf);
  if (rate === 16000) {
    let samples = null;
    try { samples = wm.loadAudio(buf); } catch (e) { if (!w) samples = null; else throw e; }
    if (samples) return {samples, note: w && w.rate !== rate ? ` (${w.rate} Hz, read as wmel decode reads it)` : ''};
  }
  if (w) return {samples: await resample(w.samples, w.rate, rate), note: w.rate === rate ? '' : ` (resampled from ${w.rate} Hz by the browser)`};
  return {samples: await decodeOther(buf, rate), note: ' (decoded by the browser)'};
}

// ---- features -------------------------------------------------------------------------

function currentPreset() { return $('preset').value; }

function fnv1a64(f32) {
  const b = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < b.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(b[i])) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

function base64Of(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s);
}

// the download's name: the audio's file name without its extension, then the preset
function npyName(stem, preset) { return `${stem}.${preset}.npy`; }

// samples -> features of the current preset, drawn and summarised; stem: the audio's name
// without its extension (the download's name starts with it)
function compute(samples, source, stem) {
  const preset = currentPreset();
  const info = wm.info({preset});
  const t0 = performance.now();
  const {data, shape} = wm.features(samples, {preset});
  const ms = performance.now() - t0;
  const kernel = wm.kernel({preset});
  show({data, shape, preset, info, stem});
  const digest = fnv1a64(data);
  const secs = samples.length / info.sampleRate;
  say(`${source}: ${samples.length} samples at ${info.sampleRate} Hz, ${preset} features in ${ms.toFixed(1)} ms`);
  // the .npy the download button saves, for the test (tests/web_test.py) to compare
  window.wmelLast = {preset, shape, digest, kernel, filename: npyName(stem, preset), npy: base64Of(npyBytes(data, shape))};
  const [rows, cols] = shape;
  const what = info.layout === 'frames_mels' ? `${rows} frames of ${cols} values` : `${rows} values per frame, ${cols} frames`;
  resultEl.textContent = `${stem}, ${secs.toFixed(2)} s: ${preset} features, ${what} (float32, layout ${info.layout}), ` +
    `computed by ${kernel}. FNV-1a 64 of the values: ${digest}.`;
  resultEl.dataset.state = 'done';
  resultEl.dataset.digest = digest;
  resultEl.dataset.shape = shape.join('x');
}

// the picture, the shape, the summary and the download of an earlier result taken away, so
// that nothing on the page belongs to another input than the one the message is about
function clearResult() {
  last = null;
  window.wmelLast = null;
  const cv = $('plot'), g = cv.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, cv.width, cv.height);
  $('shape').textContent = '';
  $('download').disabled = true;
  resultEl.textContent = '';
  delete resultEl.dataset.digest;
  delete resultEl.dataset.shape;
}

function fail(e) {
  const text = String(e && e.message || e);
  clearResult();
  say(text, true);
  resultEl.textContent = 'no features: ' + text;
  resultEl.dataset.state = 'error';
}

// ---- the picture ----------------------------------------------------------------------

// a perceptually ordered map (dark blue - teal - yellow), linear between its stops
const STOPS = [[0, [48, 18, 59]], [0.25, [62, 100, 198]], [0.5, [31, 170, 155]], [0.75, [160, 218, 57]], [1, [250, 235, 37]]];
function colour(t) {
  t = Math.min(1, Math.max(0, t));
  for (let i = 1; i < STOPS.length; i++) {
    if (t <= STOPS[i][0]) {
      const [a, ca] = STOPS[i - 1], [b, cb] = STOPS[i];
      const u = (t - a) / (b - a);
      return [0, 1, 2].map((k) => Math.round(ca[k] + u * (cb[k] - ca[k])));
    }
  }
  return STOPS[STOPS.length - 1][1];
}

// the ticks of the frequency axis: round frequencies (1, 2, 5 x 10^k Hz) between the first
// and the last filter's centre, each at its place between the rows whose centres bracket it
// (rows k: hz[k], drawn from k / n to (k + 1) / n of the height; off: rows below the first
// filter, such as a log-energy column); [{frac, label}], at least `gap` of the height apart
function hzTicks(hz, off, n, gap) {
  const out = [];
  if (hz.length < 2) return out;
  const fmt = (f) => (f >= 1000 ? `${f / 1000}k` : String(f));
  let prev = -Infinity;
  for (let d = 1; d <= 1e5; d *= 10) {
    for (const m of [1, 2, 5]) {
      const f = m * d;
      if (f < hz[0] || f > hz[hz.length - 1]) continue;
      let k = 0;
      while (k + 1 < hz.length - 1 && hz[k + 1] < f) k++;
      const frac = (off + k + 0.5 + (f - hz[k]) / (hz[k + 1] - hz[k])) / n;
      if (frac - prev < gap) continue;
      out.push({frac, label: fmt(f)});
      prev = frac;
    }
  }
  return out;
}

// features (frames x feats, read through at(frame, feat)) drawn with time left to right,
// the first feature at the bottom. axis: {hz, off} labels the rows with the filters' centre
// frequencies (hz: one per filter, from wm.melCentres(); off: the rows below the filters,
// 1 with a log-energy column, labelled E); null labels them with their index
function draw(nFrames, nFeats, at, secPerFrame, title, axis) {
  const cv = $('plot'), g = cv.getContext('2d');
  const W = cv.width, H = cv.height, L = 60, R = 110, T = 28, B = 44;
  const pw = W - L - R, ph = H - T - B;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  let lo = Infinity, hi = -Infinity;
  for (let f = 0; f < nFrames; f++)
    for (let k = 0; k < nFeats; k++) {
      const x = at(f, k);
      if (Number.isFinite(x)) { if (x < lo) lo = x; if (x > hi) hi = x; }
    }
  if (!(hi > lo)) { hi = lo + 1; if (!Number.isFinite(lo)) { lo = 0; hi = 1; } }
  if (nFrames > 0 && nFeats > 0) {
    const img = g.createImageData(pw, ph);
    for (let y = 0; y < ph; y++) {
      const k = Math.min(nFeats - 1, Math.floor((ph - 1 - y) * nFeats / ph));
      for (let x = 0; x < pw; x++) {
        const f = Math.min(nFrames - 1, Math.floor(x * nFrames / pw));
        const c = colour((at(f, k) - lo) / (hi - lo));
        const o = 4 * (y * pw + x);
        img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
      }
    }
    g.putImageData(img, L, T);
  }
  g.strokeStyle = '#333';
  g.strokeRect(L - 0.5, T - 0.5, pw + 1, ph + 1);
  g.fillStyle = '#222';
  g.font = '13px system-ui, sans-serif';
  g.textAlign = 'left';
  g.fillText(title, L, T - 10);
  // time axis
  const secs = nFrames * secPerFrame;
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120].find((s) => secs / s <= 10) || 300;
  g.textAlign = 'center';
  for (let s = 0; s <= secs + 1e-9; s += step) {
    const x = L + (secs > 0 ? s / secs : 0) * pw;
    g.fillRect(Math.round(x), T + ph, 1, 5);
    g.fillText(String(Math.round(s * 10) / 10), x, T + ph + 18);
  }
  g.fillText('time (s)', L + pw / 2, H - 6);
  // feature axis: the filters' centre frequencies, or the feature index
  g.textAlign = 'right';
  let axisTitle;
  if (axis && nFeats > 0) {
    for (const {frac, label} of hzTicks(axis.hz, axis.off, nFeats, 22 / ph)) {
      const y = T + ph - frac * ph;
      g.fillRect(L - 5, Math.round(y), 5, 1);
      g.fillText(label, L - 8, y + 4);
    }
    if (axis.off) g.fillText('E', L - 8, T + ph - 0.5 * ph / nFeats + 4);
    axisTitle = 'filter centre frequency (Hz)';
  } else {
    const fstep = [1, 2, 5, 10, 20, 40, 50, 100, 200].find((s) => nFeats / s <= 8) || 500;
    for (let k = 0; k <= nFeats; k += fstep) {
      const y = T + ph - (nFeats ? k / nFeats : 0) * ph;
      g.fillRect(L - 5, Math.round(y), 5, 1);
      g.fillText(String(k), L - 8, y + 4);
    }
    axisTitle = 'feature (column index)';
  }
  g.save();
  g.translate(14, T + ph / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText(axisTitle, 0, 0);
  g.restore();
  // colour bar
  const bx = L + pw + 18, bw = 16;
  for (let y = 0; y < ph; y++) {
    const c = colour(1 - y / (ph - 1));
    g.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    g.fillRect(bx, T + y, bw, 1);
  }
  g.strokeRect(bx - 0.5, T - 0.5, bw + 1, ph + 1);
  g.fillStyle = '#222';
  g.textAlign = 'left';
  for (let i = 0; i <= 4; i++) {
    const v = hi - (hi - lo) * i / 4;
    g.fillText(v.toPrecision(3), bx + bw + 4, T + ph * i / 4 + 4);
  }
  g.save();
  g.translate(W - 8, T + ph / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText('feature value (colour)', 0, 0);
  g.restore();
}

// the frequency axis of a preset's picture when its rows are the plan's filters (with a
// log-energy column first when cols is nMels + 1); null otherwise (stacked or appended
// columns: the index is drawn)
function axisOf(preset, info, nFeats) {
  if (nFeats !== info.cols || (info.cols !== info.nMels && info.cols !== info.nMels + 1)) return null;
  return {hz: wm.melCentres({preset}), off: info.cols - info.nMels};
}

function show(r) {
  last = r;
  const {data, shape, info, preset} = r;
  const [rows, cols] = shape;
  const byFrame = info.layout === 'frames_mels';
  const nFrames = byFrame ? rows : cols, nFeats = byFrame ? cols : rows;
  const at = byFrame ? (f, k) => data[f * cols + k] : (f, k) => data[k * cols + f];
  draw(nFrames, nFeats, at, info.hop * info.stack / info.sampleRate, `${preset}: ${rows} x ${cols} (${info.layout})`,
       axisOf(preset, info, nFeats));
  $('shape').textContent = `shape [${rows}, ${cols}], float32, ${info.layout}`;
  $('download').disabled = false;
}

// ---- .npy out -------------------------------------------------------------------------

// a float32 C-order .npy (format 1.0): the header padded with spaces to a multiple of 64
function npyBytes(data, shape) {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + h.length + 1) % 64);
  h += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + h.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  const le = new Float32Array(data); // a copy; every engine that runs WebAssembly is little-endian
  out.set(new Uint8Array(le.buffer), 10 + h.length);
  return out;
}

$('download').onclick = () => {
  if (!last) return;
  const blob = new Blob([npyBytes(last.data, last.shape)], {type: 'application/octet-stream'});
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = npyName(last.stem, last.preset);
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
};

// ---- the microphone: the module's stream, frames drawn as they come ------------------

let rec = null;

const WORKLET = `class Tap extends AudioWorkletProcessor {
  process(inputs) { const c = inputs[0] && inputs[0][0]; if (c) this.port.postMessage(c.slice()); return true; }
}
registerProcessor('wmel-tap', Tap);`;

async function startRecording() {
  const preset = currentPreset();
  const info = wm.info({preset});
  const media = await navigator.mediaDevices.getUserMedia({audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  const ctx = new AudioContext({sampleRate: info.sampleRate});
  const src = ctx.createMediaStreamSource(media);
  const stream = wm.stream({preset});
  const frames = []; // Float32Array per frame (raw values: the stream does no normalisation)
  const chunks = [];
  let broken = null, stopped = false;
  const onChunk = (c) => {
    if (stopped) return; // a chunk already posted when Stop was pressed
    chunks.push(c);
    if (broken) return;
    try {
      const r = stream.push(c);
      for (let f = 0; f < r.shape[0]; f++) frames.push(r.data.subarray(f * r.shape[1], (f + 1) * r.shape[1]));
    } catch (e) {
      broken = e; // the live view stops; the recording goes on and Stop computes its features
      fail(e);
    }
  };
  let node;
  if (ctx.audioWorklet) {
    const url = URL.createObjectURL(new Blob([WORKLET], {type: 'text/javascript'}));
    await ctx.audioWorklet.addModule(url);
    URL.revokeObjectURL(url);
    node = new AudioWorkletNode(ctx, 'wmel-tap');
    node.port.onmessage = (e) => onChunk(e.data);
  } else {
    node = ctx.createScriptProcessor(4096, 1, 1);
    node.onaudioprocess = (e) => onChunk(e.inputBuffer.getChannelData(0).slice());
  }
  src.connect(node);
  const sink = ctx.createGain();
  sink.gain.value = 0;
  node.connect(sink).connect(ctx.destination);
  const shown = 400; // the last frames on screen while recording
  const timer = setInterval(() => {
    const n = Math.min(shown, frames.length), off = frames.length - n;
    if (broken) return;
    if (n) draw(n, frames[0].length, (f, k) => frames[off + f][k], info.hop / info.sampleRate, `${preset}: live (raw stream frames)`,
                axisOf(preset, info, frames[0].length));
    say(`recording: ${frames.length} frames`);
  }, 100);
  const halt = () => {
    stopped = true;
    if (node.port) node.port.onmessage = null;
    else node.onaudioprocess = null;
    node.disconnect();
  };
  rec = {media, ctx, stream, chunks, timer, preset, halt};
}

async function stopRecording() {
  const r = rec;
  rec = null;
  clearInterval(r.timer);
  r.halt();
  r.media.getTracks().forEach((t) => t.stop());
  await r.ctx.close();
  try { r.stream.finish(); } catch { /* said while recording */ }
  r.stream.close();
  let n = 0;
  for (const c of r.chunks) n += c.length;
  const all = new Float32Array(n);
  n = 0;
  for (const c of r.chunks) { all.set(c, n); n += c.length; }
  compute(all, 'the recording', 'recording');
}

// ---- wiring ---------------------------------------------------------------------------

async function run(fn) {
  try { await fn(); } catch (e) { fail(e); }
}

async function loadSample() {
  const rate = wm.info({preset: currentPreset()}).sampleRate;
  const res = await fetch('speech_en.wav');
  if (!res.ok) throw new Error(`speech_en.wav: HTTP ${res.status}`);
  const {samples, note} = await samplesOf(await res.arrayBuffer(), rate);
  compute(samples, 'speech_en.wav' + note, 'speech_en');
}

function describePreset() {
  try {
    const i = wm.info({preset: currentPreset()});
    $('presetInfo').textContent = `${i.sampleRate} Hz, hop ${i.hop}, n_fft ${i.nFft}, ${i.nMels} mels, layout ${i.layout}`;
  } catch (e) { fail(e); }
}

// the note that the folder has to be served over HTTP (index.html shows it at once for a
// file: page, where this script does not run); why: what went wrong here
function needServer(why) {
  $('serve').hidden = false;
  if (why) $('serveWhy').textContent = why;
}

async function main() {
  say('loading the module...');
  let createWmel;
  try {
    createWmel = (await import('./wmel.mjs')).default;
    wm = await createWmel();
  } catch (e) {
    needServer(`The module (wmel.mjs, wmel.wasm) did not load: ${e && e.message || e}.`);
    throw new Error(`the module did not load: ${e && e.message || e}`);
  }
  const sel = $('preset');
  for (const p of wm.presets()) sel.add(new Option(p, p));
  const q = new URLSearchParams(location.search);
  sel.value = q.get('preset') || 'whisper';
  sel.onchange = describePreset;
  describePreset();
  $('sample').onclick = () => run(loadSample);
  $('file').onchange = () => run(async () => {
    const f = $('file').files[0];
    if (!f) return;
    clearResult();
    say(`reading ${f.name}...`);
    let got;
    try {
      got = await samplesOf(await f.arrayBuffer(), wm.info({preset: currentPreset()}).sampleRate);
    } catch (e) {
      throw new Error(`${f.name}: not audio this page can read (${e && e.message || e}); ` +
                      'WAV (PCM or float) is read here, other formats need the browser\'s decoder');
    }
    compute(got.samples, f.name + got.note, f.name.replace(/\.[^.]*$/, '') || f.name);
  });
  $('record').onclick = () => run(async () => {
    await startRecording();
    $('record').disabled = true;
    $('stop').disabled = false;
  });
  $('stop').onclick = () => run(async () => {
    $('stop').disabled = true;
    $('record').disabled = false;
    if (rec) await stopRecording();
  });
  for (const id of CONTROLS) $(id).disabled = false;
  say(`ready: ${wm.presets().length} presets, kernel ${wm.kernel({preset: sel.value})}`);
  if (q.has('sample')) await run(loadSample);
}

main().catch(fail);
