// plainjs_mel.mjs -- Whisper's and NeMo's log-mel front-ends in plain JavaScript, float64
// throughout (as a JavaScript port would write them: transformers.js and parakeet.js compute
// theirs this way), for bench/wasm_bench.mjs to time against the WebAssembly module. Not part
// of the library; checked against wmel's output by the bench before timing.
//
//   whisperMel(samples)  -> Float64Array, 80 x (n / 160) (mels x frames)
//   nemoMel(samples)     -> Float64Array, 80 x (n / 160 + 1)
//
// Whisper: reflect-padded 200 each side, periodic Hann of 400, a 400-point real FFT, power,
// the Slaney mel bank (librosa's, norm "slaney"), log10(max(m, 1e-10)), max - 8 floor,
// (x + 4) / 4, the last frame dropped. NeMo: pre-emphasis 0.97 on the signal, zero-padded 256
// each side, symmetric Hann of 400 centred in 512, a 512-point real FFT, power, the same bank
// shape, ln(m + 2^-24), per-mel mean and Bessel std over the n / 160 valid frames
// ((x - mean) / (std + 1e-5)), later frames 0.

// ---- a mixed-radix complex FFT (radices 4, 2, 3, 5, any other prime as a plain DFT) ----

function factorize(n) {
  const f = [];
  while (n % 4 === 0) { f.push(4); n /= 4; }
  while (n % 2 === 0) { f.push(2); n /= 2; }
  for (let p = 3; n > 1; p += 2) while (n % p === 0) { f.push(p); n /= p; }
  return f;
}

// a complex DFT of size n: forward(re, im, outRe, outIm), recursive decimation in time
export function makeFft(n) {
  const factors = factorize(n);
  const cos = new Float64Array(n), sin = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    cos[j] = Math.cos(2 * Math.PI * j / n);
    sin[j] = -Math.sin(2 * Math.PI * j / n);
  }
  const maxP = Math.max(2, ...factors);
  const tr = new Float64Array(maxP), ti = new Float64Array(maxP);
  function rec(inRe, inIm, inOff, stride, outRe, outIm, outOff, m, level) {
    if (m === 1) {
      outRe[outOff] = inRe[inOff];
      outIm[outOff] = inIm[inOff];
      return;
    }
    const p = factors[level], q = m / p, tw = n / m; // twiddle step in the size-n table
    for (let r = 0; r < p; r++) rec(inRe, inIm, inOff + r * stride, stride * p, outRe, outIm, outOff + r * q, q, level + 1);
    if (p === 2) {
      for (let k = 0; k < q; k++) {
        const a = outOff + k, b = a + q, w = k * tw;
        const xr = outRe[b] * cos[w] - outIm[b] * sin[w], xi = outRe[b] * sin[w] + outIm[b] * cos[w];
        outRe[b] = outRe[a] - xr; outIm[b] = outIm[a] - xi;
        outRe[a] += xr; outIm[a] += xi;
      }
    } else if (p === 4) {
      for (let k = 0; k < q; k++) {
        const i0 = outOff + k, i1 = i0 + q, i2 = i1 + q, i3 = i2 + q;
        const w1 = k * tw, w2 = 2 * w1, w3 = 3 * w1;
        const a0r = outRe[i0], a0i = outIm[i0];
        const a1r = outRe[i1] * cos[w1] - outIm[i1] * sin[w1], a1i = outRe[i1] * sin[w1] + outIm[i1] * cos[w1];
        const a2r = outRe[i2] * cos[w2] - outIm[i2] * sin[w2], a2i = outRe[i2] * sin[w2] + outIm[i2] * cos[w2];
        const a3r = outRe[i3] * cos[w3] - outIm[i3] * sin[w3], a3i = outRe[i3] * sin[w3] + outIm[i3] * cos[w3];
        const s02r = a0r + a2r, s02i = a0i + a2i, d02r = a0r - a2r, d02i = a0i - a2i;
        const s13r = a1r + a3r, s13i = a1i + a3i, d13r = a1r - a3r, d13i = a1i - a3i;
        outRe[i0] = s02r + s13r; outIm[i0] = s02i + s13i;
        outRe[i2] = s02r - s13r; outIm[i2] = s02i - s13i;
        outRe[i1] = d02r + d13i; outIm[i1] = d02i - d13r; // (-i) d13
        outRe[i3] = d02r - d13i; outIm[i3] = d02i + d13r;
      }
    } else {
      for (let k = 0; k < q; k++) {
        for (let r = 0; r < p; r++) {
          const i = outOff + r * q + k, w = (r * k * tw) % n;
          tr[r] = outRe[i] * cos[w] - outIm[i] * sin[w];
          ti[r] = outRe[i] * sin[w] + outIm[i] * cos[w];
        }
        for (let s = 0; s < p; s++) {
          let yr = 0, yi = 0;
          for (let r = 0; r < p; r++) {
            const w = ((r * s) % p) * (n / p);
            yr += tr[r] * cos[w] - ti[r] * sin[w];
            yi += tr[r] * sin[w] + ti[r] * cos[w];
          }
          outRe[outOff + s * q + k] = yr;
          outIm[outOff + s * q + k] = yi;
        }
      }
    }
  }
  return (re, im, outRe, outIm) => rec(re, im, 0, 1, outRe, outIm, 0, n, 0);
}

// |X[k]|^2, k = 0..N/2, of a real frame of even length N: one complex FFT of N/2 points
export function makePowerSpectrum(N) {
  const M = N / 2, fft = makeFft(M);
  const zr = new Float64Array(M), zi = new Float64Array(M), Zr = new Float64Array(M), Zi = new Float64Array(M);
  const wc = new Float64Array(M + 1), ws = new Float64Array(M + 1);
  for (let k = 0; k <= M; k++) {
    wc[k] = Math.cos(2 * Math.PI * k / N);
    ws[k] = -Math.sin(2 * Math.PI * k / N);
  }
  return (frame, power) => {
    for (let j = 0; j < M; j++) { zr[j] = frame[2 * j]; zi[j] = frame[2 * j + 1]; }
    fft(zr, zi, Zr, Zi);
    for (let k = 0; k <= M; k++) {
      const a = k % M, b = (M - k) % M;
      // even part E = (Z[k] + conj Z[M-k]) / 2, odd part O = (Z[k] - conj Z[M-k]) / 2i
      const er = (Zr[a] + Zr[b]) / 2, ei = (Zi[a] - Zi[b]) / 2;
      const or = (Zi[a] + Zi[b]) / 2, oi = -(Zr[a] - Zr[b]) / 2;
      const xr = er + or * wc[k] - oi * ws[k], xi = ei + or * ws[k] + oi * wc[k];
      power[k] = xr * xr + xi * xi;
    }
  };
}

// ---- the Slaney mel bank (librosa.filters.mel, htk=False, norm="slaney") ----------------

function hzToMel(f) {
  const fsp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fsp, step = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / step : f / fsp;
}
function melToHz(m) {
  const fsp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fsp, step = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(step * (m - minLogMel)) : fsp * m;
}

// sparse rows: {start, w: Float64Array} per mel
export function slaneyBank(sr, nFft, nMels, fmin = 0, fmax = sr / 2) {
  const nBins = nFft / 2 + 1;
  const lo = hzToMel(fmin), hi = hzToMel(fmax);
  const pts = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) pts[i] = melToHz(lo + (hi - lo) * i / (nMels + 1));
  const rows = [];
  for (let m = 0; m < nMels; m++) {
    const enorm = 2 / (pts[m + 2] - pts[m]);
    const w = new Float64Array(nBins);
    let start = -1, end = -1;
    for (let k = 0; k < nBins; k++) {
      const f = k * sr / nFft;
      const lower = (f - pts[m]) / (pts[m + 1] - pts[m]), upper = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]);
      const v = Math.max(0, Math.min(lower, upper)) * enorm;
      w[k] = v;
      if (v > 0) { if (start < 0) start = k; end = k + 1; }
    }
    rows.push(start < 0 ? {start: 0, w: new Float64Array(0)} : {start, w: w.slice(start, end)});
  }
  return rows;
}

function applyBank(rows, power, out, stride, t) {
  for (let m = 0; m < rows.length; m++) {
    const {start, w} = rows[m];
    let s = 0;
    for (let j = 0; j < w.length; j++) s += w[j] * power[start + j];
    out[m * stride + t] = s;
  }
}

// ---- the two front-ends ----------------------------------------------------------------

const whisperState = {};
export function whisperMel(x) {
  const N = 400, hop = 160, nMels = 80, pad = N / 2;
  if (!whisperState.ps) {
    whisperState.ps = makePowerSpectrum(N);
    whisperState.bank = slaneyBank(16000, N, nMels);
    whisperState.win = Float64Array.from({length: N}, (_, i) => 0.5 - 0.5 * Math.cos(2 * Math.PI * i / N));
  }
  const {ps, bank, win} = whisperState;
  const n = x.length, T = Math.floor(n / hop); // frames n / hop + 1, the last dropped
  const out = new Float64Array(nMels * T);
  const frame = new Float64Array(N), power = new Float64Array(N / 2 + 1);
  const at = (i) => (i < 0 ? x[-i] : i >= n ? x[2 * (n - 1) - i] : x[i]); // reflect
  for (let t = 0; t < T; t++) {
    const s0 = t * hop - pad;
    if (s0 >= 0 && s0 + N <= n) for (let i = 0; i < N; i++) frame[i] = x[s0 + i] * win[i];
    else for (let i = 0; i < N; i++) frame[i] = at(s0 + i) * win[i];
    ps(frame, power);
    applyBank(bank, power, out, T, t);
  }
  let mx = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const v = Math.log10(Math.max(out[i], 1e-10));
    out[i] = v;
    if (v > mx) mx = v;
  }
  for (let i = 0; i < out.length; i++) out[i] = (Math.max(out[i], mx - 8) + 4) / 4;
  return out;
}

const nemoState = {};
export function nemoMel(x) {
  const N = 512, L = 400, hop = 160, nMels = 80, pad = N / 2, off = (N - L) / 2;
  if (!nemoState.ps) {
    nemoState.ps = makePowerSpectrum(N);
    nemoState.bank = slaneyBank(16000, N, nMels);
    nemoState.win = Float64Array.from({length: L}, (_, i) => 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (L - 1)));
  }
  const {ps, bank, win} = nemoState;
  const n = x.length, T = Math.floor(n / hop) + 1, valid = Math.floor(n / hop);
  const y = new Float64Array(n);
  y[0] = x[0];
  for (let i = 1; i < n; i++) y[i] = x[i] - 0.97 * x[i - 1];
  const out = new Float64Array(nMels * T);
  const frame = new Float64Array(N), power = new Float64Array(N / 2 + 1);
  for (let t = 0; t < T; t++) {
    const s0 = t * hop - pad + off;
    for (let i = 0; i < L; i++) {
      const j = s0 + i;
      frame[off + i] = j >= 0 && j < n ? y[j] * win[i] : 0;
    }
    ps(frame, power);
    applyBank(bank, power, out, T, t);
  }
  const guard = 2 ** -24;
  for (let m = 0; m < nMels; m++) {
    const row = m * T;
    let s = 0;
    for (let t = 0; t < T; t++) out[row + t] = Math.log(out[row + t] + guard);
    for (let t = 0; t < valid; t++) s += out[row + t];
    const mean = s / valid;
    let v = 0;
    for (let t = 0; t < valid; t++) v += (out[row + t] - mean) ** 2;
    const sd = Math.sqrt(v / (valid - 1)) + 1e-5;
    for (let t = 0; t < T; t++) out[row + t] = t < valid ? (out[row + t] - mean) / sd : 0;
  }
  return out;
}
