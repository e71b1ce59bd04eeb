// wmel.d.ts -- the types of the ES module wmel.mjs (js/README.md documents the API)

/** float32 features, row-major: shape[0] * shape[1] values in the plan's layout */
export interface Features {
  data: Float32Array;
  shape: [number, number];
}

/** a stream's new frames: frame-major, shape [frames, columns]; first: the index of the first (-1: none) */
export interface Frames extends Features {
  first: number;
}

/** a built-in preset's name, or a plan (an object or its JSON text, as wmel_plan_from_json reads) */
export type PlanChoice = {preset?: string; plan?: string | object};

export interface PlanInfo {
  sampleRate: number;
  hop: number;
  frameLength: number;
  nFft: number;
  nMels: number;
  /** values per frame: nMels, plus 1 with a log-energy column */
  cols: number;
  /** 'mels_frames': rows are the columns (Whisper, NeMo); 'frames_mels': rows are frames (Kaldi) */
  layout: 'mels_frames' | 'frames_mels';
  stack: number;
}

export interface WmelStream {
  /** the frames the samples complete (raw values: no normalisation) */
  push(samples: Float32Array | Int16Array): Frames;
  /** the remaining frames; the stream then takes no more samples */
  finish(): Frames;
  /** frees the stream; later push() and finish() throw (close() again does nothing) */
  close(): void;
}

export interface Wmel {
  presets(): string[];
  presetJson(name: string): object;
  info(opts?: PlanChoice): PlanInfo;
  /** opts.out: a Float32Array to write into (reused across calls); data is it or its start */
  features(samples: Float32Array | Int16Array, opts?: PlanChoice & {out?: Float32Array}): Features;
  stream(opts?: PlanChoice): WmelStream;
  /** the centre frequency in Hz of each mel filter (nMels values, lowest first), on the plan's scale and band */
  melCentres(opts?: PlanChoice): Float64Array;
  kernel(opts?: PlanChoice): string;
  /** a WAV file's bytes (PCM 8/16/24/32-bit, float 32/64-bit, any rate and channels) as 16 kHz
   * mono: the samples `wmel decode` gives for the same file; other formats throw */
  loadAudio(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Float32Array;
  /** closes every stream made from the module (their later calls throw) and frees every ctx;
   * later calls make the ctxs they need anew */
  close(): void;
  memoryBytes(): {heap: number; used: number};
  /** ctxs kept and streams open now, and their bounds (the least recently used ctx is freed
   * past maxContexts; stream() throws past maxStreams) */
  held(): {contexts: number; streams: number; maxContexts: number; maxStreams: number};
}

/** the module, its wasm found beside wmel.mjs (options as Emscripten's: locateFile, wasmBinary) */
export default function createWmel(options?: object): Promise<Wmel>;
