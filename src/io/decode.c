/*
 * decode.c -- any audio in, through FFmpeg's libraries (libavformat, libavcodec,
 * libswresample), converted to 16 kHz mono int16 exactly as the ffmpeg 5.x CLI does for
 *   ffmpeg -nostdin -threads 0 -i FILE -f s16le -ac 1 -acodec pcm_s16le -ar 16000 -
 * (openai-whisper's audio.load_audio). What the CLI does, and so what this file does:
 *  - picks the audio stream with the most channels, a default-disposition stream first
 *    (ffmpeg_opt.c's automatic stream selection); ties go to the first;
 *  - an unspecified channel layout becomes the default layout for its channel count
 *    (guess_input_channel_layout);
 *  - packets the decoder rejects are dropped and decoding goes on; a read error ends
 *    the input as if it were the end of file; if more than 2/3 of the decode calls
 *    failed the CLI exits non-zero (max_error_rate), so that is an error here too;
 *  - every frame goes through one libswresample context made with default options,
 *    straight to s16 / mono / 16000 Hz (the auto-inserted aresample filter). Asking for
 *    s16 matters: swr normalises the downmix matrix (0.5 + 0.5 instead of
 *    0.707 + 0.707) only when the output format is integer. When the frame format,
 *    rate or layout changes mid-stream the CLI rebuilds its filter graph, dropping the
 *    resampler's delayed samples; so do we.
 * FFmpeg's own logging is silenced (process-wide) so the library never prints.
 */
#define _POSIX_C_SOURCE 200809L
#include "decode.h"

#include "../internal.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define AVIO_BUF 65536

struct wmel_ff {
    AVFormatContext *fmt;
    AVIOContext *avio;                 /* our own, for memory input */
    const unsigned char *mem;
    size_t mem_size, mem_pos;
    AVCodecContext *dec;
    SwrContext *swr;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    int in_fmt, in_rate;               /* what swr was built for */
    AVChannelLayout in_layout;
    int16_t *pend;                     /* converted samples not yet handed out */
    size_t pend_cap, pend_len, pend_pos;
    int demux_eof, dec_eof, swr_flushed, ended;
    long dec_ok, dec_fail;             /* the CLI's decode_error_stat */
    int read_error;
    double duration;
    wmel_interrupt_fn intr;            /* the caller's, through AVIOInterruptCB and produce() */
    void *intr_user;
    int interrupted;                   /* it said stop: sticky */
    char name[512];
    char format[192];                  /* wmel_decoder_format() */
};

/* FFmpeg's interrupt callback (checked while it opens, probes and waits for input) and
 * ours between packets and frames; once it said stop it keeps saying so. */
static int ff_interrupt(void *opaque)
{
    wmel_ff *f = opaque;
    if (!f->interrupted && f->intr && f->intr(f->intr_user)) f->interrupted = 1;
    return f->interrupted;
}


/* Appends "; ..." (or the first message) to a warning buffer. */
static void warn_add(char *w, size_t len, const char *name, const char *fmt, ...)
{
    if (!w || !len) return;
    size_t used = strlen(w);
    int n = used ? snprintf(w + used, len - used, "; ") : snprintf(w, len, "%s: ", name);
    if (n < 0 || used + (size_t)n >= len) return;
    used += (size_t)n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w + used, len - used, fmt, ap);
    va_end(ap);
}

static const char *averr(int code, char *buf, size_t len)
{
    if (av_strerror(code, buf, len) < 0) snprintf(buf, len, "error %d", code);
    return buf;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void quiet_ffmpeg(void) { av_log_set_level(AV_LOG_QUIET); }

/* ---------------------------------------------------------------- memory input */

static int mem_read(void *opaque, uint8_t *buf, int size)
{
    wmel_ff *f = opaque;
    size_t left = f->mem_size - f->mem_pos;
    if (!left) return AVERROR_EOF;
    size_t n = (size_t)size < left ? (size_t)size : left;
    memcpy(buf, f->mem + f->mem_pos, n);
    f->mem_pos += n;
    return (int)n;
}

static int64_t mem_seek(void *opaque, int64_t off, int whence)
{
    wmel_ff *f = opaque;
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return (int64_t)f->mem_size;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->mem_pos
                 : whence == SEEK_END ? (int64_t)f->mem_size : -1;
    if (base < 0) return AVERROR(EINVAL);
    int64_t pos = base + off;
    if (pos < 0 || pos > (int64_t)f->mem_size) return AVERROR(EINVAL);
    f->mem_pos = (size_t)pos;
    return pos;
}

/* ---------------------------------------------------------------- open / close */

void wmel__ff_close(wmel_ff *f)
{
    if (!f) return;
    avcodec_free_context(&f->dec);
    swr_free(&f->swr);
    av_packet_free(&f->pkt);
    av_frame_free(&f->frame);
    avformat_close_input(&f->fmt);
    if (f->avio) {
        av_freep(&f->avio->buffer);
        avio_context_free(&f->avio);
    }
    av_channel_layout_uninit(&f->in_layout);
    free(f->pend);
    free(f);
}

static wmel_ff *open_fail(wmel_ff *f, int *status, int rc)
{
    wmel__ff_close(f);
    if (status) *status = rc;
    return NULL;
}

/* The CLI's automatic audio stream choice (ffmpeg_opt.c, open_output_file). */
static int pick_stream(const AVFormatContext *fmt)
{
    int best = -1;
    long long best_score = -1;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
        long long score = st->codecpar->ch_layout.nb_channels
                        + 100000000LL * !!(st->event_flags & AVSTREAM_EVENT_FLAG_NEW_PACKETS)
                        + 5000000LL * !!(st->disposition & AV_DISPOSITION_DEFAULT);
        if (score > best_score) {
            best_score = score;
            best = (int)i;
        }
    }
    return best;
}

wmel_ff *wmel__ff_open(const char *path, const void *data, size_t size, const char *name,
                       wmel_interrupt_fn intr, void *user, int *status, char *err,
                       size_t err_len)
{
    char eb[128];
    pthread_once(&quiet_once, quiet_ffmpeg);
    wmel_ff *f = calloc(1, sizeof *f);
    if (!f) return open_fail(NULL, status, wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory"));
    snprintf(f->name, sizeof f->name, "%s", name);
    f->stream = -1;
    f->duration = -1;
    f->intr = intr;
    f->intr_user = user;
    int is_stdin = path && !strcmp(path, "-");
    if (path && !is_stdin) {
        struct stat sb;
        if (stat(path, &sb) != 0)
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_IO, name, "cannot open: %s", strerror(errno)));
        if (S_ISDIR(sb.st_mode))
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_IO, name, "cannot open: is a directory"));
        if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
            /* a size of 0 is not always empty: /proc and /sys files say 0 and hold text */
            FILE *t = fopen(path, "rb");
            int c = t ? fgetc(t) : EOF;
            if (t) fclose(t);
            if (c == EOF)
                return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "empty file: no audio"));
        }
    }
    if (!path) {
        if (size == 0)
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "no bytes: no audio"));
        f->mem = data;
        f->mem_size = size;
        unsigned char *buf = av_malloc(AVIO_BUF);
        f->avio = buf ? avio_alloc_context(buf, AVIO_BUF, 0, f, mem_read, NULL, mem_seek) : NULL;
        f->fmt = f->avio ? avformat_alloc_context() : NULL;
        if (!f->fmt) {
            if (!f->avio) av_free(buf);
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory"));
        }
        f->fmt->pb = f->avio;
        f->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    } else if (intr && !(f->fmt = avformat_alloc_context())) {
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory"));
    }
    if (intr) {
        f->fmt->interrupt_callback.callback = ff_interrupt;
        f->fmt->interrupt_callback.opaque = f;
    }
    int r = avformat_open_input(&f->fmt, path ? (is_stdin ? "pipe:0" : path) : "", NULL, NULL);
    if (r < 0) {
        f->fmt = NULL; /* freed by avformat_open_input on failure */
        if (f->interrupted)
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_INTERRUPTED, name, "interrupted"));
        if (r == AVERROR_INVALIDDATA || r == AVERROR(EINVAL))
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_FORMAT, name,
                                            "not an audio or video format FFmpeg recognises"));
        if (r == AVERROR_EOF)
            return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_NO_SAMPLES, name, "the input ends before any audio data"));
        int io = r == AVERROR(ENOENT) || r == AVERROR(EACCES) || r == AVERROR(EISDIR) || r == AVERROR(EIO);
        return open_fail(f, status, wmel__say(err, err_len, io ? WMEL_ERR_IO : WMEL_ERR_FORMAT, name,
                                        "cannot open: %s", averr(r, eb, sizeof eb)));
    }
    r = avformat_find_stream_info(f->fmt, NULL);
    if (f->interrupted)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_INTERRUPTED, name, "interrupted"));
    if (r < 0 && f->fmt->nb_streams == 0)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_FORMAT, name,
                                        "could not find any stream: %s", averr(r, eb, sizeof eb)));
    f->stream = pick_stream(f->fmt);
    if (f->stream < 0)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_FORMAT, name,
                                        "no audio stream in this %s file", f->fmt->iformat->name));
    for (unsigned i = 0; i < f->fmt->nb_streams; i++)
        if ((int)i != f->stream) f->fmt->streams[i]->discard = AVDISCARD_ALL;
    AVStream *st = f->fmt->streams[f->stream];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, name,
                                        "no decoder for the audio codec '%s'",
                                        avcodec_get_name(st->codecpar->codec_id)));
    f->dec = avcodec_alloc_context3(codec);
    f->pkt = av_packet_alloc();
    f->frame = av_frame_alloc();
    if (!f->dec || !f->pkt || !f->frame)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, name, "out of memory"));
    if ((r = avcodec_parameters_to_context(f->dec, st->codecpar)) < 0)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_DECODER, name, "decoder setup: %s",
                                        averr(r, eb, sizeof eb)));
    if (f->dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC && f->dec->ch_layout.nb_channels > 0) {
        int nch = f->dec->ch_layout.nb_channels;
        av_channel_layout_uninit(&f->dec->ch_layout);
        av_channel_layout_default(&f->dec->ch_layout, nch);
    }
    f->dec->pkt_timebase = st->time_base;
    f->dec->thread_count = 1; /* audio decoders do not thread; never changes the output */
    if ((r = avcodec_open2(f->dec, codec, NULL)) < 0)
        return open_fail(f, status, wmel__say(err, err_len, WMEL_ERR_DECODER, name,
                                        "cannot start the %s decoder: %s", codec->name,
                                        averr(r, eb, sizeof eb)));
    {
        int nch = f->dec->ch_layout.nb_channels;
        char lay[64] = "";
        if (nch > 0 && av_channel_layout_describe(&f->dec->ch_layout, lay, sizeof lay) < 0) lay[0] = 0;
        const char *sf = av_get_sample_fmt_name(f->dec->sample_fmt);
        snprintf(f->format, sizeof f->format, "%s: %s, %d Hz, %d channel%s%s%s%s, %s",
                 f->fmt->iformat->name, codec->name, f->dec->sample_rate, nch, nch == 1 ? "" : "s",
                 lay[0] ? " (" : "", lay, lay[0] ? ")" : "", sf ? sf : "unknown sample format");
    }
    if (f->fmt->duration != AV_NOPTS_VALUE && f->fmt->duration > 0)
        f->duration = (double)f->fmt->duration / AV_TIME_BASE;
    else if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
        f->duration = (double)st->duration * av_q2d(st->time_base);
    if (status) *status = WMEL_OK;
    return f;
}

double wmel__ff_duration(const wmel_ff *f) { return f ? f->duration : -1.0; }
const char *wmel__ff_format(const wmel_ff *f) { return f ? f->format : ""; }

/* ---------------------------------------------------------------- conversion */

static int reserve(wmel_ff *f, size_t n)
{
    if (n <= f->pend_cap) return 0;
    int16_t *p = realloc(f->pend, n * sizeof *p);
    if (!p) return -1;
    f->pend = p;
    f->pend_cap = n;
    return 0;
}

/* Converts one decoded frame into f->pend. */
#define WMEL_MAX_INPUT_RATE 1000000

static int convert(wmel_ff *f, AVFrame *fr, char *err, size_t err_len)
{
    char eb[128];
    if (fr->nb_samples <= 0 || fr->sample_rate <= 0) return WMEL_OK;
    /* No audio is sampled above 768 kHz; claimed rates far above it with a small common
       divisor with 16 kHz make swr_init build filter banks for tens of seconds (a 1.5 KB
       file at 1,900,969,984 Hz: 24 s, in the ffmpeg CLI too). */
    if (fr->sample_rate > WMEL_MAX_INPUT_RATE)
        return wmel__say(err, err_len, WMEL_ERR_UNSUPPORTED, f->name,
                         "a sample rate of %d Hz: wmel resamples up to %d Hz", fr->sample_rate,
                         WMEL_MAX_INPUT_RATE);
    AVChannelLayout layout = {0};
    int r;
    if (fr->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || fr->ch_layout.nb_channels == 0) {
        int nch = fr->ch_layout.nb_channels ? fr->ch_layout.nb_channels : f->dec->ch_layout.nb_channels;
        av_channel_layout_default(&layout, nch);
    } else if ((r = av_channel_layout_copy(&layout, &fr->ch_layout)) < 0) {
        return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, f->name, "out of memory");
    }
    if (!f->swr || fr->format != f->in_fmt || fr->sample_rate != f->in_rate ||
        av_channel_layout_compare(&layout, &f->in_layout) != 0) {
        AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
        swr_free(&f->swr);
        r = swr_alloc_set_opts2(&f->swr, &mono, AV_SAMPLE_FMT_S16, WMEL_SAMPLE_RATE, &layout,
                                (enum AVSampleFormat)fr->format, fr->sample_rate, 0, NULL);
        if (r >= 0) r = swr_init(f->swr);
        if (r < 0) {
            av_channel_layout_uninit(&layout);
            swr_free(&f->swr);
            return wmel__say(err, err_len, WMEL_ERR_DECODER, f->name, "cannot convert %d Hz %d-channel %s audio: %s",
                       fr->sample_rate, fr->ch_layout.nb_channels,
                       av_get_sample_fmt_name((enum AVSampleFormat)fr->format) ? av_get_sample_fmt_name((enum AVSampleFormat)fr->format) : "?",
                       averr(r, eb, sizeof eb));
        }
        av_channel_layout_uninit(&f->in_layout);
        f->in_layout = layout;
        f->in_fmt = fr->format;
        f->in_rate = fr->sample_rate;
    } else {
        av_channel_layout_uninit(&layout);
    }
    int cap = swr_get_out_samples(f->swr, fr->nb_samples);
    if (cap < 0) cap = 0;
    cap += 256;
    if (reserve(f, (size_t)cap)) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, f->name, "out of memory");
    uint8_t *outp = (uint8_t *)f->pend;
    int n = swr_convert(f->swr, &outp, cap, (const uint8_t **)fr->extended_data, fr->nb_samples);
    if (n < 0)
        return wmel__say(err, err_len, WMEL_ERR_DECODER, f->name, "resampling failed: %s", averr(n, eb, sizeof eb));
    f->pend_len = (size_t)n;
    f->pend_pos = 0;
    return WMEL_OK;
}

/* Drains the resampler at the end of the stream. */
static int flush_swr(wmel_ff *f, char *err, size_t err_len)
{
    f->swr_flushed = 1;
    if (!f->swr) return WMEL_OK;
    int cap = swr_get_out_samples(f->swr, 0);
    if (cap < 0) cap = 0;
    cap += 256;
    if (reserve(f, (size_t)cap)) return wmel__say(err, err_len, WMEL_ERR_NO_MEMORY, f->name, "out of memory");
    uint8_t *outp = (uint8_t *)f->pend;
    int n = swr_convert(f->swr, &outp, cap, NULL, 0);
    f->pend_len = n > 0 ? (size_t)n : 0;
    f->pend_pos = 0;
    return WMEL_OK;
}

/* Fills f->pend with the next converted samples, or sets f->ended. */
static int produce(wmel_ff *f, char *err, size_t err_len, char *warn, size_t warn_len)
{
    char eb[128];
    int fails_in_row = 0;
    while (f->pend_pos >= f->pend_len && !f->ended) {
        if (f->intr && ff_interrupt(f))
            return wmel__say(err, err_len, WMEL_ERR_INTERRUPTED, f->name, "interrupted");
        if (!f->dec_eof) {
            int r = avcodec_receive_frame(f->dec, f->frame);
            if (r == 0) {
                f->dec_ok++;
                fails_in_row = 0;
                int rc = convert(f, f->frame, err, err_len);
                av_frame_unref(f->frame);
                if (rc) return rc;
                continue;
            }
            if (r == AVERROR_EOF || (r != AVERROR(EAGAIN) && f->demux_eof)) {
                f->dec_eof = 1;
                continue;
            }
            if (r != AVERROR(EAGAIN)) {
                f->dec_fail++;
                if (++fails_in_row > 1000)
                    return wmel__say(err, err_len, WMEL_ERR_DECODER, f->name, "the decoder keeps failing: %s",
                               averr(r, eb, sizeof eb));
                continue;
            }
            if (f->demux_eof) { /* flushed and still EAGAIN: nothing more will come */
                f->dec_eof = 1;
                continue;
            }
            r = av_read_frame(f->fmt, f->pkt);
            if (r < 0 && f->interrupted)
                return wmel__say(err, err_len, WMEL_ERR_INTERRUPTED, f->name, "interrupted");
            if (r < 0) {
                if (r != AVERROR_EOF && !(f->fmt->pb && avio_feof(f->fmt->pb) && r == AVERROR(EIO))) {
                    f->read_error = 1;
                    warn_add(warn, warn_len, f->name, "read error (%s): decoding what came before it",
                             averr(r, eb, sizeof eb));
                }
                f->demux_eof = 1;
                avcodec_send_packet(f->dec, NULL);
                continue;
            }
            if (f->pkt->stream_index != f->stream) {
                av_packet_unref(f->pkt);
                continue;
            }
            r = avcodec_send_packet(f->dec, f->pkt);
            av_packet_unref(f->pkt);
            if (r < 0 && r != AVERROR_EOF) f->dec_fail++;
            continue;
        }
        if (!f->swr_flushed) {
            int rc = flush_swr(f, err, err_len);
            if (rc) return rc;
            continue;
        }
        f->ended = 1;
        if (f->dec_fail) {
            if ((f->dec_ok + f->dec_fail) * 2 < 3 * f->dec_fail) /* ffmpeg's max_error_rate 2/3 */
                return wmel__say(err, err_len, WMEL_ERR_CORRUPT, f->name,
                           "damaged: %ld of %ld packets could not be decoded", f->dec_fail,
                           f->dec_ok + f->dec_fail);
            warn_add(warn, warn_len, f->name, "damaged: skipped %ld packet(s) the decoder rejected",
                     f->dec_fail);
        }
    }
    return WMEL_OK;
}

int wmel__ff_read(wmel_ff *f, int16_t *out, size_t cap, size_t *got, char *err,
                  size_t err_len, char *warn, size_t warn_len)
{
    size_t n = 0;
    while (n < cap) {
        if (f->pend_pos >= f->pend_len) {
            int rc = produce(f, err, err_len, warn, warn_len);
            if (rc) {
                *got = n;
                return rc;
            }
            if (f->ended) break;
        }
        size_t k = f->pend_len - f->pend_pos;
        if (k > cap - n) k = cap - n;
        memcpy(out + n, f->pend + f->pend_pos, k * sizeof *out);
        f->pend_pos += k;
        n += k;
    }
    *got = n;
    return WMEL_OK;
}
