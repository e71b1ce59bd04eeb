// api.js -- the JavaScript API of the ES module wmel.mjs (linked in with --post-js: it runs
// inside the module, beside the compiled library). js/README.md documents it.
//
//   import createWmel from './wmel.mjs';
//   const wm = await createWmel();
//   wm.presets()                                   -> ['whisper', 'nemo', ...]
//   wm.features(samples, {preset: 'whisper'})      -> {data: Float32Array, shape: [rows, cols]}
//   wm.features(samples, {plan: planJsonOrObject})
//   wm.features(samples, {preset: 'whisper', out: float32Array})  -> data: out (or its start)
//   const s = wm.stream({preset: 'kaldi'}); s.push(samples) -> {data, shape: [frames, cols], first};
//   s.finish() -> the last frames; s.close()
//   wm.info({preset: 'nemo'})                     -> {sampleRate, hop, ..., layout: 'mels_frames'}
//   wm.melCentres({preset: 'nemo'})               -> Float64Array: each mel filter's centre in Hz
//   wm.loadAudio(bytes)                            -> Float32Array: a WAV file (Uint8Array or
//                                                  ArrayBuffer) as 16 kHz mono, the native
//                                                  command's samples for the same file
//   wm.close()                                     closes every stream of the module and frees
//                                                  every ctx (later calls make ctxs anew)
//
// Samples: Float32Array (the values as they are), or Int16Array (each / 32768, as a 16-bit
// WAV file reads). Errors are thrown as Error with the library's sentence. Every block the
// library allocates for a call is freed before the call returns.
//
// Memory is bounded: at most MAX_CONTEXTS ctxs are kept (one per preset or plan text, the
// least recently used freed first; a ctx a stream uses lives until that stream is closed),
// at most MAX_STREAMS streams are open at once, and a stream no longer reachable is freed
// when the garbage collector finalises it (FinalizationRegistry).

const MSG_CAP = 1024;
const MAX_CONTEXTS = 16; // as the Python package's cache (python/wmel/_ctxcache.py)
const MAX_STREAMS = 16; // a stream holds about 2 MB (a Kaldi stream, measured by js/test)
// key -> {ptr, users}: one per preset or plan text, in the order of use (the least recently
// used first); users: the cache's 1 while cached, plus one per open stream on it
const ctxCache = new Map();
const liveStreams = new Set(); // the state of every open stream: {s, ctx, why}
const streamGone = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((st) => streamFree(st, 'wmel: the stream was finalised'))
  : null;

function ctxRelease(e) {
  if (--e.users === 0) _wmel_destroy(e.ptr);
}

// a stream's C side freed, its ctx let go; why: what a later call on it says
function streamFree(st, why) {
  if (!st.s) return;
  _wmeljs_stream_free(st.s);
  st.s = 0;
  st.why = why;
  liveStreams.delete(st);
  ctxRelease(st.ctx);
}

function wmelMessage(ptr, fallback) {
  const m = UTF8ToString(ptr);
  return m || fallback;
}

function withString(s, fn) {
  if (s === null || s === undefined) return fn(0);
  const n = lengthBytesUTF8(s) + 1;
  const p = _malloc(n);
  if (!p) throw new Error('wmel: out of memory');
  try {
    stringToUTF8(s, p, n);
    return fn(p);
  } finally {
    _free(p);
  }
}

function withMsg(fn) {
  const p = _malloc(MSG_CAP);
  if (!p) throw new Error('wmel: out of memory');
  HEAPU8[p] = 0;
  try {
    return fn(p);
  } finally {
    _free(p);
  }
}

function toFloat32(samples) {
  if (samples instanceof Float32Array) return samples;
  if (samples instanceof Int16Array) {
    const f = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) f[i] = samples[i] / 32768;
    return f;
  }
  throw new TypeError('wmel: samples must be a Float32Array or an Int16Array');
}

function planKey(opts) {
  opts = opts || {};
  if (opts.plan !== undefined) {
    const text = typeof opts.plan === 'string' ? opts.plan : JSON.stringify(opts.plan);
    return {key: 'plan:' + text, name: null, json: text};
  }
  const name = opts.preset === undefined ? 'whisper' : String(opts.preset);
  return {key: 'preset:' + name, name, json: null};
}

// the cache's entry for the options, made (and the least recently used beyond MAX_CONTEXTS
// let go) when there is none
function ctxEntry(opts) {
  const k = planKey(opts);
  const have = ctxCache.get(k.key);
  if (have) {
    ctxCache.delete(k.key); // to the end: the most recently used
    ctxCache.set(k.key, have);
    return have;
  }
  const c = withMsg((msg) =>
    withString(k.name, (np) =>
      withString(k.json, (jp) => {
        const r = _wmeljs_ctx(np, jp, msg, MSG_CAP);
        if (!r) throw new Error(wmelMessage(msg, 'wmel: the plan is refused'));
        return r;
      })));
  const e = {ptr: c, users: 1};
  ctxCache.set(k.key, e);
  while (ctxCache.size > MAX_CONTEXTS) {
    const [oldest, old] = ctxCache.entries().next().value;
    ctxCache.delete(oldest);
    ctxRelease(old); // freed now unless a stream still uses it
  }
  return e;
}

function ctxFor(opts) {
  return ctxEntry(opts).ptr;
}

// samples into the module's memory for fn(ptr, n); freed after
function withSamples(samples, fn) {
  const f = toFloat32(samples);
  const p = _malloc(Math.max(1, f.length) * 4);
  if (!p) throw new Error('wmel: out of memory');
  try {
    HEAPF32.set(f, p >> 2);
    return fn(p, f.length);
  } finally {
    _free(p);
  }
}

Module['presets'] = function () {
  const n = _wmel_preset_count();
  const out = [];
  for (let i = 0; i < n; i++) out.push(UTF8ToString(_wmel_preset_name(i)));
  return out;
};

Module['presetJson'] = function (name) {
  const text = withString(String(name), (p) => {
    const r = _wmel_preset_json(p);
    return r ? UTF8ToString(r) : null;
  });
  if (text === null) throw new Error('wmel: no preset named ' + name + ' (presets(): ' + Module['presets']().join(', ') + ')');
  return JSON.parse(text);
};

// opts.out: a Float32Array the features are written into (data is it, or its first rows x
// cols values): a caller computing clip after clip keeps one and saves the allocation of a
// new array per call (for 30 s of Whisper, about a sixth of the call's time in node)
Module['features'] = function (samples, opts) {
  const dest = opts && opts.out !== undefined ? opts.out : null;
  if (dest !== null && !(dest instanceof Float32Array)) throw new TypeError('wmel: opts.out must be a Float32Array');
  const c = ctxFor(opts);
  return withSamples(samples, (pp, n) =>
    withMsg((msg) => {
      const shp = _malloc(8);
      if (!shp) throw new Error('wmel: out of memory');
      try {
        const out = _wmeljs_features(c, pp, n, shp, msg, MSG_CAP);
        if (!out) throw new Error(wmelMessage(msg, 'wmel: features failed'));
        const rows = HEAPU32[shp >> 2], cols = HEAPU32[(shp >> 2) + 1];
        const from = HEAPF32.subarray(out >> 2, (out >> 2) + rows * cols);
        let data;
        if (dest) {
          if (dest.length < rows * cols) {
            _free(out);
            throw new RangeError('wmel: opts.out holds ' + dest.length + ' floats; the features are ' + rows + ' x ' + cols);
          }
          dest.set(from);
          data = dest.length === rows * cols ? dest : dest.subarray(0, rows * cols);
        } else {
          data = from.slice();
        }
        _free(out);
        return {data, shape: [rows, cols]};
      } finally {
        _free(shp);
      }
    }));
};

// A stream holds its ctx (a user of the cache's entry) until it is closed: by its close(),
// by the module's close(), or by the garbage collector once the stream is unreachable. Its
// calls after that throw; close() again does nothing.
Module['stream'] = function (opts) {
  if (liveStreams.size >= MAX_STREAMS)
    throw new Error('wmel: ' + MAX_STREAMS + ' streams are open, the most a module keeps: close() the ones ' +
                    'no longer needed');
  const e = ctxEntry(opts);
  const r = withMsg((msg) => {
    const p = _wmeljs_stream(e.ptr, msg, MSG_CAP);
    if (!p) throw new Error(wmelMessage(msg, 'wmel: stream refused'));
    return p;
  });
  e.users++;
  // the state the module and the finaliser hold: never the stream object itself
  const st = {s: r, ctx: e, why: ''};
  liveStreams.add(st);
  const take = () => {
    const s = st.s;
    const cols = _wmeljs_stream_cols(s), n = _wmeljs_stream_held(s), first = _wmeljs_stream_first(s);
    const p = _wmeljs_stream_frames(s) >> 2;
    const data = n ? HEAPF32.slice(p, p + n * cols) : new Float32Array(0);
    _wmeljs_stream_take(s);
    return {data, shape: [n, cols], first: n ? first : -1};
  };
  const live = () => {
    if (!st.s) throw new Error(st.why);
  };
  const stream = {
    // the frames the samples complete: raw values (no normalisation), frame-major
    push(samples) {
      live();
      return withSamples(samples, (pp, n) =>
        withMsg((msg) => {
          if (_wmeljs_stream_feed(st.s, pp, n, msg, MSG_CAP) !== 0) {
            _wmeljs_stream_take(st.s);
            throw new Error(wmelMessage(msg, 'wmel: stream push failed'));
          }
          return take();
        }));
    },
    // the remaining frames; the stream then takes no more samples
    finish() {
      live();
      return withMsg((msg) => {
        if (_wmeljs_stream_feed(st.s, 0, 0, msg, MSG_CAP) !== 0) {
          _wmeljs_stream_take(st.s);
          throw new Error(wmelMessage(msg, 'wmel: stream finish failed'));
        }
        return take();
      });
    },
    close() {
      if (streamGone) streamGone.unregister(st);
      streamFree(st, 'wmel: the stream is closed (its close() was called)');
    },
  };
  if (streamGone) streamGone.register(stream, st, st);
  return stream;
};

// A WAV file's bytes (Uint8Array, ArrayBuffer or a typed array over them) to 16 kHz mono
// Float32Array: the samples `wmel decode` gives for the same file, on every platform (the
// library's built-in reader and resampler, byte for byte the FFmpeg build's). Other formats
// throw with the library's sentence (decode them with the browser, then resample).
Module['loadAudio'] = function (bytes) {
  let u8;
  if (bytes instanceof Uint8Array) u8 = bytes;
  else if (bytes instanceof ArrayBuffer) u8 = new Uint8Array(bytes);
  else if (ArrayBuffer.isView(bytes)) u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  else throw new TypeError('wmel: loadAudio takes the file\'s bytes (a Uint8Array or an ArrayBuffer)');
  // the bytes into the heap, the samples out in pieces into a JavaScript array: the heap
  // never holds the whole output, so it does not grow with it
  const PIECE = 65536;
  const p = _malloc(Math.max(1, u8.length));
  if (!p) throw new Error('wmel: out of memory');
  try {
    HEAPU8.set(u8, p);
    return withMsg((msg) => {
      const aux = _malloc(4 + 4 * PIECE);
      if (!aux) throw new Error('wmel: out of memory');
      let d = 0;
      try {
        d = _wmeljs_audio_open(p, u8.length, aux, msg, MSG_CAP);
        if (!d) throw new Error(wmelMessage(msg, 'wmel: the audio was refused'));
        const total = HEAPU32[aux >> 2];
        let out;
        try {
          out = new Float32Array(total);
        } catch (e) {
          throw new RangeError('wmel: the audio decodes to ' + total + ' samples (' +
                               Math.round(total * 4 / 1e6) + ' MB as float32): more than this ' +
                               'JavaScript engine gives one array');
        }
        const buf = aux + 4;
        let at = 0;
        for (;;) {
          const got = _wmeljs_audio_read(d, buf, Math.min(PIECE, Math.max(1, total - at)), msg, MSG_CAP);
          if (got < 0) throw new Error(wmelMessage(msg, 'wmel: the audio could not be decoded'));
          if (got === 0 || at >= total) break;
          out.set(HEAPF32.subarray(buf >> 2, (buf >> 2) + got), at);
          at += got;
        }
        return at === total ? out : out.slice(0, at);
      } finally {
        if (d) _wmeljs_audio_close(d);
        _free(aux);
      }
    });
  } finally {
    _free(p);
  }
};

// the plan's facts: {sampleRate, hop, frameLength, nFft, nMels, cols, layout, stack}; layout
// 'mels_frames' (rows are columns, Whisper, NeMo) or 'frames_mels' (rows are frames, Kaldi)
Module['info'] = function (opts) {
  const c = ctxFor(opts);
  const p = _malloc(8 * 4);
  if (!p) throw new Error('wmel: out of memory');
  try {
    const st = _wmeljs_info(c, p);
    if (st !== 0) throw new Error('wmel: the plan cannot be read (status ' + st + ')');
    const v = HEAP32.slice(p >> 2, (p >> 2) + 8);
    return {sampleRate: v[0], hop: v[1], frameLength: v[2], nFft: v[3], nMels: v[4], cols: v[5],
            layout: v[6] === 1 ? 'frames_mels' : 'mels_frames', stack: v[7]};
  } finally {
    _free(p);
  }
};

// the centre frequency in Hz of each of the plan's mel filters (nMels values, lowest first;
// a linear-bin plan: the bins' own frequencies), on the plan's scale and band, as
// wmel_mel_centres() in C: what a picture's frequency axis labels
Module['melCentres'] = function (opts) {
  const n = Module['info'](opts).nMels;
  const c = ctxFor(opts);
  const p = _malloc(8 * Math.max(1, n));
  if (!p) throw new Error('wmel: out of memory');
  try {
    const st = _wmeljs_mel_centres(c, p, n);
    if (st !== 0) throw new Error('wmel: the plan\'s mel centres cannot be computed (status ' + st + ')');
    return HEAPF64.slice(p >> 3, (p >> 3) + n);
  } finally {
    _free(p);
  }
};

Module['kernel'] = function (opts) {
  return UTF8ToString(_wmel_kernel_name(ctxFor(opts)));
};

// every stream of the module closed (a later call on one throws), every ctx freed; the
// module stays usable: a later call makes the ctx it needs anew
Module['close'] = function () {
  for (const st of [...liveStreams]) {
    if (streamGone) streamGone.unregister(st);
    streamFree(st, 'wmel: the stream is closed (the module\'s close() closed it)');
  }
  const entries = [...ctxCache.values()];
  ctxCache.clear();
  for (const e of entries) ctxRelease(e);
};

// what the module holds now: ctxs cached, streams open, and the bounds
Module['held'] = function () {
  return {contexts: ctxCache.size, streams: liveStreams.size, maxContexts: MAX_CONTEXTS, maxStreams: MAX_STREAMS};
};

// the module's memory: its size (grows, never shrinks) and the bytes its allocator holds
Module['memoryBytes'] = function () {
  return {heap: HEAPU8.length, used: _wmeljs_heap_used()};
};
