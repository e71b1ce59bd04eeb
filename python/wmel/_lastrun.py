"""wmel._lastrun -- where the stages of the calling thread's most recent features() or
features_batch() call ran, and which copies of the caller's data between a device and the
host it made (wmel.last_run()); the copy= rule those calls take."""
from __future__ import annotations

import threading


OP_LOG_MEL, OP_LOG_MEL_BATCH, OP_DEVICE, OP_FINISH = 0, 2, 3, 5  # wmel.h: WMEL_OP_*
_COPY = ("auto", "never")
_tls = threading.local()


def check_copy(copy) -> str:
    """copy= as given ("auto": a device's data may go through the host, said in last_run();
    "never": such a call raises instead), else ValueError."""
    if copy not in _COPY:
        raise ValueError(f"copy must be 'auto' or 'never', got {copy!r}")
    return copy


def refuse_copy(what: str, why: str):
    """The error of a copy="never" call that would copy: ValueError naming what and why."""
    raise ValueError(f"copy='never': {what} would go through the host: {why}")


def record(call: str, ctx, where: str, op: int, copies=(), copy_why: str = "", scratch=None) -> None:
    """Notes the call just made on ctx (op: OP_LOG_MEL for clips from the host, OP_LOG_MEL_BATCH
    for a batch, OP_DEVICE for the device path; scratch: where the device call's scratch came
    from) for last_run()."""
    if op == OP_DEVICE:
        frames = finish = ctx.op_backend(OP_DEVICE)
    else:
        frames, finish = ctx.op_backend(op), ctx.op_backend(OP_FINISH)
    # the reasons are asked of the backend (wmel_backend_accepts) when last_run() reads them,
    # not on every call
    _tls.last = ({"call": call, "input": where, "backend": ctx.backend, "kernel": ctx.kernel, "frames": frames,
                  "finish": finish, "copies": list(copies), "scratch": scratch}, ctx, op, copy_why)


def _why(r: dict, ctx, op: int, copy_why: str) -> dict:
    why = {}
    for stage, o in (("frames", op), ("finish", OP_FINISH)):
        w = "" if op == OP_DEVICE else ctx.op_reason(o)  # wmel_op_reason: the ctx's most recent call
        if w:
            why[stage] = w
    if r["copies"]:
        why["copies"] = copy_why
    return why


def last_run():
    """Where the calling thread's most recent wmel.features() or features_batch() call ran:
    a dict of "call" ("features", "features_batch"), "input" ("host", or the device of the
    tensor given, "cuda:0"), "backend" and "kernel" (the context's), "frames" and "finish"
    (the backend that computed the frames and made the finish -- normalisation, post stage --
    of its clips: "cpu" on a device context says the host did that work; a batch: its last
    clip's), "copies" (the copies of the caller's data between its device and the host the
    call made, e.g. ["cuda:0 -> host: the samples", "host -> cuda:0: the features"]; empty
    when the data stayed where it was), "scratch" (where a device-memory call's device scratch
    came from: "torch", torch's caching allocator on the tensor's stream, so libwmel allocated
    and waited for nothing; "libwmel", libwmel's own stream-ordered allocation; "none", the call
    needed none; None where no device-memory call ran) and "why" (for each stage that ran on the
    host of a device context, and for the copies, the reason). None before any call in this
    thread."""
    last = getattr(_tls, "last", None)
    if last is None:
        return None
    r, ctx, op, copy_why = last
    return dict(r, copies=list(r["copies"]), why=_why(r, ctx, op, copy_why))
