"""wmel._pyav -- audio decoding through PyAV (`pip install av`, which bundles FFmpeg), for
builds of libwmel without FFmpeg.

openai's load_audio runs `ffmpeg -i FILE -f s16le -ac 1 -acodec pcm_s16le -ar 16000 -`;
here the audio stream the command picks is decoded and passed through FFmpeg's resampler
(libswresample in an aresample filter, as the command line inserts it) to 16 kHz mono s16, then divided by 32768. The resampler's internal sample format is
chosen as FFmpeg 5.1's libswresample chooses it (s16 when the decoded samples have 2 bytes
or fewer, else float; later versions pick float more often), so the samples are
bit-identical to Debian 12's `ffmpeg` command wherever the decoder itself agrees (on
wmel's goldens: WAV, FLAC, MP3; PyAV 18's FFmpeg 8 Vorbis decoder differs from FFmpeg
5.1's by up to 1.8e-7 before resampling, 1 LSB after).
"""
from __future__ import annotations

import io
import os

import numpy as np


def available() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _score(stream):
    """The ffmpeg command's choice of audio stream: the default disposition first, then
    the most channels, then the first."""
    try:
        from av.stream import Disposition
        flag = Disposition.default
    except (ImportError, AttributeError):
        flag = 0
    try:
        default = bool(int(stream.disposition) & int(flag))
    except (TypeError, ValueError, AttributeError):
        default = False
    return int(stream.codec_context.channels or 0) + 5_000_000 * default


def _graph(av, frame):
    """abuffer -> aresample -> aformat(s16, mono, 16 kHz) -> abuffersink."""
    from av.filter import Graph
    internal = "s16p" if frame.format.bytes <= 2 else ("fltp" if frame.format.bytes <= 4 else "dblp")
    g = Graph()
    src = g.add_abuffer(format=frame.format.name, sample_rate=frame.sample_rate,
                        layout=frame.layout.name, time_base=frame.time_base)
    g.link_nodes(src, g.add("aresample", f"internal_sample_fmt={internal}"),
                 g.add("aformat", "sample_fmts=s16:channel_layouts=mono:sample_rates=16000"),
                 g.add("abuffersink")).configure()
    return g


def _drain(av, graph, chunks):
    from av.error import BlockingIOError as Again, EOFError as End
    while True:
        try:
            out = graph.pull()
        except (Again, End):
            return
        chunks.append(out.to_ndarray().reshape(-1))


def decode(src) -> np.ndarray:
    """16 kHz mono float32 samples of a path or encoded bytes."""
    import av
    from av.error import FFmpegError
    f = io.BytesIO(bytes(src)) if isinstance(src, (bytes, bytearray, memoryview)) else os.fspath(src)
    try:
        container = av.open(f, mode="r")
    except FileNotFoundError:
        raise FileNotFoundError(2, "No such file or directory", str(src)) from None
    except (FFmpegError, OSError, ValueError) as e:
        raise ValueError(f"{src if not isinstance(f, io.BytesIO) else '(memory)'}: cannot be "
                         f"decoded by PyAV: {e}") from None
    chunks = []
    try:
        if not container.streams.audio:
            raise ValueError("no audio stream in the file")
        stream = max(container.streams.audio, key=_score)  # max keeps the first of equals
        graph = None
        for frame in container.decode(stream):
            if graph is None:
                graph = _graph(av, frame)
            graph.push(frame)
            _drain(av, graph, chunks)
        if graph is not None:
            graph.push(None)
            _drain(av, graph, chunks)
    except FFmpegError as e:
        raise ValueError(f"the audio decoder reported an error: {e}") from None
    finally:
        container.close()
    s16 = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return s16.astype(np.float32) / np.float32(32768.0)
