/* wmel_fx.h -- Whisper's log-Mel in integer arithmetic, for microcontrollers and NPUs.
 *
 * The same features as wmel_log_mel_s16() (16 kHz mono, n_fft 400, hop 160, periodic Hann
 * window, 80 or 128 Slaney mels, log10 floored at 1e-10, openai's reflect padding of 200
 * samples at both ends and the last frame dropped, then max - 8 and (x + 4) / 4), computed
 * with integers only: no floating point, no heap, no libc beyond memcpy/memmove/memset.
 * The output is bit-identical on every platform (x86-64, AArch64, Cortex-M0+/M3/M4/M7).
 *
 * Memory: the caller owns it all. wmel_fx_state_size(n_mels, batch) bytes hold the state:
 * the input buffer (399 + 160 * batch samples), the FFT and power scratch and the output
 * block of one batch (batch * n_mels int16). The window, twiddles and mel weights are
 * const tables (flash). The library keeps no pointer outside the state.
 *
 * Q formats (value = integer / 2^Q):
 *   input        int16 PCM, sample / 32768 (Q15), as openai's load_audio
 *   raw log-mel  int16 Q11: log10(max(mel, 1e-10)), range [-10, 16)   (WMEL_FX_RAW_Q)
 *   normalised   int16 Q13: (max(x, max - 8) + 4) / 4, zero point 0   (WMEL_FX_I16_Q)
 *                int8: y = (q - WMEL_FX_I8_ZERO) * WMEL_FX_I8_SCALE,
 *                scale 2^-6, zero point -32 (covers y in [-1.5, 2.48])
 *
 * Use (one clip, any length, in pieces of at most 160 * batch samples):
 *   wmel_fx_state *st; wmel_fx_init(mem, size, 80, 20, &st);
 *   loop: wmel_fx_push(st, pcm, n, &out, &frames)   -> frames x n_mels int16 Q11 at out
 *   end:  wmel_fx_finish(st, &out, &frames) until frames == 0 (the last 1-2 frames)
 *   then: wmel_fx_normalize_i16 / _i8 over the whole clip with wmel_fx_max(st).
 * Output blocks are frame-major: out[f * n_mels + m] (transpose for Whisper's [mel][t]).
 *
 * Threads: a state belongs to one thread at a time; the functions touch nothing else. */
#ifndef WMEL_FX_H
#define WMEL_FX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(WMEL_SHARED_BUILD)
#define WMEL_FX_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define WMEL_FX_API __attribute__((visibility("default")))
#else
#define WMEL_FX_API
#endif

#define WMEL_FX_RAW_Q 11        /* raw log10 mel, int16 Q11 */
#define WMEL_FX_I16_Q 13        /* normalised int16 output, Q13 */
#define WMEL_FX_I8_SCALE_LOG2 (-6) /* int8 scale 2^-6 = 1/64 */
#define WMEL_FX_I8_ZERO (-32)   /* int8 zero point */
#define WMEL_FX_FLOOR_Q11 (-20480) /* log10(1e-10) = -10 in Q11 */
#define WMEL_FX_MAX_BATCH 64

/* Status codes (the values of wmel.h's wmel_status, so wmel_strerror() explains them). */
enum {
    WMEL_FX_OK = 0,
    WMEL_FX_ERR_INVALID_ARG = -1,       /* n_mels not 80/128, batch not 1..64, n too big */
    WMEL_FX_ERR_NULL_POINTER = -2,
    WMEL_FX_ERR_BUFFER_TOO_SMALL = -4,  /* mem_size < wmel_fx_state_size() */
    WMEL_FX_ERR_TOO_SHORT = -5          /* the clip ended at <= 200 samples */
};

typedef struct wmel_fx_state wmel_fx_state;

/* Bytes of caller memory for a state (0 when n_mels is not 80/128 or batch not 1..64).
 * This is the whole working set besides the stack and the const tables. */
WMEL_FX_API size_t wmel_fx_state_size(int n_mels, int batch);

/* Lays out a state in mem (mem_size bytes, any alignment: the state is placed at the
 * first 8-byte boundary, which wmel_fx_state_size() allows for) and starts a clip.
 * Errors: NULL_POINTER, INVALID_ARG, BUFFER_TOO_SMALL. */
WMEL_FX_API int wmel_fx_init(void *mem, size_t mem_size, int n_mels, int batch, wmel_fx_state **out);

/* Starts a new clip with the same geometry (no frames pending, max reset). */
WMEL_FX_API void wmel_fx_reset(wmel_fx_state *st);

/* Where the next samples may be written in place (a DMA target), and how many fit:
 * at least 160 * batch. Passing this pointer to wmel_fx_push() copies nothing. */
WMEL_FX_API int16_t *wmel_fx_input(wmel_fx_state *st, size_t *n_free);

/* Appends n samples (n <= 160 * batch, and no more than wmel_fx_input()'s n_free) and
 * computes every frame they complete: *n_frames (<= batch) frames of n_mels raw log-mel
 * values (int16 Q11) at *out, frame-major, valid until the next call on st.
 * Errors: NULL_POINTER, INVALID_ARG (n too large, or samples after wmel_fx_finish()
 * without a wmel_fx_reset()). */
WMEL_FX_API int wmel_fx_push(wmel_fx_state *st, const int16_t *pcm, size_t n, const int16_t **out,
                 size_t *n_frames);

/* Ends the clip: computes the frames that need the right-hand reflect padding, at most
 * batch per call; call until *n_frames == 0. The clip has n / 160 frames in all (n its
 * length). Errors: NULL_POINTER, TOO_SHORT (the clip has <= 200 samples; no frames). */
WMEL_FX_API int wmel_fx_finish(wmel_fx_state *st, const int16_t **out, size_t *n_frames);

/* The largest raw value (Q11) of the frames computed since init/reset (the floor when
 * there are none): the `max` of openai's normalisation. */
WMEL_FX_API int16_t wmel_fx_max(const wmel_fx_state *st);

/* The largest of n raw values (Q11); the floor when n == 0. */
WMEL_FX_API int16_t wmel_fx_max_of(const int16_t *raw_q11, size_t n);

/* openai's normalisation of a whole clip: y = (max(x, max_q11 - 8) + 4) / 4, exactly, in
 * int16 Q13 (zero point 0). In place (out == raw) or into another buffer. */
WMEL_FX_API void wmel_fx_normalize_i16(const int16_t *raw_q11, size_t n, int16_t max_q11, int16_t *out);

/* The same quantised to int8: q = round(y * 64) - 32 (round half up), saturated to
 * [-128, 127]; y = (q + 32) / 64. out may alias raw_q11's memory (it is written from the
 * front). */
WMEL_FX_API void wmel_fx_normalize_i8(const int16_t *raw_q11, size_t n, int16_t max_q11, int8_t *out);

#ifdef __cplusplus
}
#endif
#endif
