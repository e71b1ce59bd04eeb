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
//   wm.close()                                     frees the ctxs kept for the presets and plans
//
// Samples: Float32Array (the values as they are), or Int16Array (each / 32768, as a 16-bit
// WAV file reads). Errors are thrown as Error with the library's sentence. Every block the
// library allocates for a call is freed before the call returns.

const MSG_CAP = 1024;
const ctxCache = new Map(); // key -> ctx pointer (one per preset or plan text)

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

function ctxFor(opts) {
  const k = planKey(opts);
  const have = ctxCache.get(k.key);
  if (have) return have;
  const c = withMsg((msg) =>
    withString(k.name, (np) =>
      withString(k.json, (jp) => {
        const r = _wmeljs_ctx(np, jp, msg, MSG_CAP);
        if (!r) throw new Error(wmelMessage(msg, 'wmel: the plan is refused'));
        return r;
      })));
  ctxCache.set(k.key, c);
  return c;
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

Module['stream'] = function (opts) {
  const c = ctxFor(opts);
  let s = withMsg((msg) => {
    const r = _wmeljs_stream(c, msg, MSG_CAP);
    if (!r) throw new Error(wmelMessage(msg, 'wmel: stream refused'));
    return r;
  });
  const take = () => {
    const cols = _wmeljs_stream_cols(s), n = _wmeljs_stream_held(s), first = _wmeljs_stream_first(s);
    const p = _wmeljs_stream_frames(s) >> 2;
    const data = n ? HEAPF32.slice(p, p + n * cols) : new Float32Array(0);
    _wmeljs_stream_take(s);
    return {data, shape: [n, cols], first: n ? first : -1};
  };
  const live = () => {
    if (!s) throw new Error('wmel: the stream is closed');
  };
  return {
    // the frames the samples complete: raw values (no normalisation), frame-major
    push(samples) {
      live();
      return withSamples(samples, (pp, n) =>
        withMsg((msg) => {
          if (_wmeljs_stream_feed(s, pp, n, msg, MSG_CAP) !== 0) {
            _wmeljs_stream_take(s);
            throw new Error(wmelMessage(msg, 'wmel: stream push failed'));
          }
          return take();
        }));
    },
    // the remaining frames; the stream then takes no more samples
    finish() {
      live();
      return withMsg((msg) => {
        if (_wmeljs_stream_feed(s, 0, 0, msg, MSG_CAP) !== 0) {
          _wmeljs_stream_take(s);
          throw new Error(wmelMessage(msg, 'wmel: stream finish failed'));
        }
        return take();
      });
    },
    close() {
      if (s) _wmeljs_stream_free(s);
      s = 0;
    },
  };
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

Module['kernel'] = function (opts) {
  return UTF8ToString(_wmel_kernel_name(ctxFor(opts)));
};

Module['close'] = function () {
  for (const c of ctxCache.values()) _wmel_destroy(c);
  ctxCache.clear();
};

// the module's memory: its size (grows, never shrinks) and the bytes its allocator holds
Module['memoryBytes'] = function () {
  return {heap: HEAPU8.length, used: _wmeljs_heap_used()};
};
