"""The base classes of wmel.hf's extractors without transformers (exported by wmel.hf):
StandaloneBatchFeature (transformers.BatchFeature's behaviour) and
StandaloneSequenceFeatureExtractor (what transformers' SequenceFeatureExtractor gives its
subclasses), shared by hf.py (Whisper) and _hf_frontends.py (Parakeet, SeamlessM4T).
"""
from __future__ import annotations

import copy
import json
import os

import numpy as np

from ._common import _is_torch, check_finite_options


def _is_cpu(device) -> bool:
    return device is None or str(device) == "cpu"


def _vulkan_built() -> bool:
    from . import _wmel
    return "vulkan" in _wmel.BUILD_PARTS.split()


def vulkan_device(device):
    """The Vulkan device a drop-in's device= names, as wmel_params.vulkan_device: None for
    any other device ("cpu", "cuda", a torch.device); 0 for "vulkan" (WMEL_VULKAN_DEVICE,
    else the best device); N + 1 for "vulkan:N" (device N as wmel_vulkan_devices() lists
    them). ValueError for a malformed index; RuntimeError when this build has no Vulkan
    backend. A missing device is the context's RuntimeError, with the driver's reason."""
    if not isinstance(device, str) or not (device == "vulkan" or device.startswith("vulkan:")):
        return None
    index = 0
    if device != "vulkan":
        text = device[len("vulkan:"):]
        if not text.isdigit():
            raise ValueError(f"device={device!r}: expected 'vulkan' or 'vulkan:N' with N a device "
                             "index (0, 1, ...)")
        index = int(text) + 1
    if not _vulkan_built():
        raise RuntimeError(f"device={device!r}: this wmel was built without the Vulkan backend "
                           "(build it with -DWMEL_VULKAN=ON: a GLSL compiler, glslc or "
                           "glslangValidator, and the Vulkan headers; docs/vulkan.md)")
    return index


class StandaloneBatchFeature(dict):
    """transformers.BatchFeature's behaviour: a dict with attribute access,
    convert_to_tensors('np' | 'pt') and to(device / dtype), which casts floating-point
    tensors only (integer masks stay integer)."""

    __module__ = "wmel.hf"  # exported there: pickles and reprs name it so

    def __init__(self, data=None, tensor_type=None):
        super().__init__(data or {})
        self.convert_to_tensors(tensor_type)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getstate__(self):
        return {"data": dict(self)}

    def __setstate__(self, state):
        self.update(state["data"])

    def convert_to_tensors(self, tensor_type=None):
        if tensor_type is None:
            return self
        t = str(getattr(tensor_type, "value", tensor_type))
        if t not in ("np", "pt"):
            raise ValueError(f"return_tensors={tensor_type!r}: use 'np' or 'pt'")
        for k, v in list(self.items()):
            if t == "np":
                if not isinstance(v, np.ndarray):
                    v = np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
                self[k] = v
            else:
                import torch
                if isinstance(v, torch.Tensor):
                    continue
                if isinstance(v, (list, tuple)) and v and isinstance(v[0], np.ndarray):
                    v = np.stack(v)
                self[k] = torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) \
                    else torch.tensor(v)
        return self

    def to(self, *args, **kwargs):
        """Moves torch tensors to a device; a dtype applies to floating-point ones only."""
        import torch
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, torch.dtype):
                dtype = a
            else:
                device = a
        for k, v in list(self.items()):
            if not isinstance(v, torch.Tensor):
                continue
            if dtype is not None and torch.is_floating_point(v):
                v = v.to(device=device, dtype=dtype)
            elif device is not None:
                v = v.to(device=device)
            self[k] = v
        return self


_WHOLE = ("feature_size", "num_mel_bins", "sampling_rate", "hop_length", "n_fft", "win_length", "chunk_length")


def check_options(fe, name: str = "") -> None:
    """The option rule of every wmel.hf class, drop-in or standalone, run by its constructor:
    a configuration field (to_dict()) holding NaN or an infinity is refused naming it
    (check_finite_options), and so is a count or size (feature_size, sampling_rate, n_fft, ...)
    that is not a whole number, which the originals refuse too (numpy's linspace and
    window sizes take integers): ValueError, before any computation."""
    where = name or getattr(fe, "_extractor_type", "") or type(fe).__name__
    check_option_values(where, fe.to_dict())


def check_option_values(where: str, d: dict) -> None:
    """check_options' rule on a dict of options (a constructor's keywords before the original's
    own __init__ sees them: an original that builds its bank first fails there with another
    error than the rule's)."""
    check_finite_options(where, d)
    for k in _WHOLE:
        v = d.get(k)
        if isinstance(v, (float, np.floating)) and v != int(v):
            raise ValueError(f"{where}: {k}={v!r}: a whole number expected")


class StandaloneSequenceFeatureExtractor:
    """What transformers' SequenceFeatureExtractor gives its subclasses (5.x), without
    transformers: configuration (to_dict/to_json_*, save_pretrained, from_pretrained of a folder
    or a preprocessor_config.json), pad, zero_mean_unit_var_norm and the repr. Subclasses set
    model_input_names, _extractor_type (the name saved configs carry) and _not_saved."""

    __module__ = "wmel.hf"

    model_input_names = ["input_features"]
    _extractor_type = "SequenceFeatureExtractor"
    _not_saved = ("mel_filters", "window")

    # -- configuration, as transformers' FeatureExtractionMixin ---------------------
    def to_dict(self):
        d = copy.deepcopy({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        d["feature_extractor_type"] = self._extractor_type
        for k in self._not_saved:
            d.pop(k, None)
        return d

    def to_json_string(self):
        d = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.to_dict().items()}
        return json.dumps(d, indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path):
        with open(json_file_path, "w", encoding="utf-8") as f:
            f.write(self.to_json_string())

    def save_pretrained(self, save_directory, **kwargs):
        if os.path.isfile(save_directory):
            raise AssertionError(f"Provided path ({save_directory}) should be a directory, not a file")
        os.makedirs(save_directory, exist_ok=True)
        path = os.path.join(save_directory, "preprocessor_config.json")
        self.to_json_file(path)
        return [path]

    @classmethod
    def from_dict(cls, d, **kwargs):
        d = dict(d)
        d.update(kwargs)
        return cls(**d)

    @classmethod
    def from_json_file(cls, json_file):
        with open(json_file, encoding="utf-8") as f:
            return cls(**json.load(f))

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        """A folder holding preprocessor_config.json, or the JSON file itself (hub
        names need transformers)."""
        p = os.fspath(pretrained_model_name_or_path)
        cfg = os.path.join(p, "preprocessor_config.json") if os.path.isdir(p) else p
        if not os.path.isfile(cfg):
            raise OSError(f"{p}: no preprocessor_config.json there (loading from the hub "
                          "needs transformers: pip install transformers)")
        with open(cfg, encoding="utf-8") as f:
            d = json.load(f)
        for k in [k for k in kwargs if k in d or k in cls.__init__.__code__.co_varnames]:
            d[k] = kwargs.pop(k)
        return cls(**d)

    @staticmethod
    def zero_mean_unit_var_norm(input_values, attention_mask, padding_value=0.0):
        """Every clip to zero mean and unit variance over its unpadded part."""
        if attention_mask is None:
            return [(x - x.mean()) / np.sqrt(x.var() + 1e-7) for x in input_values]
        out = []
        for x, n in zip(input_values, np.array(attention_mask, np.int32).sum(-1)):
            y = (x - x[:n].mean()) / np.sqrt(x[:n].var() + 1e-7)
            if n < y.shape[0]:
                y[n:] = padding_value
            out.append(y)
        return out

    # -- padding, as transformers' SequenceFeatureExtractor.pad ---------------------
    def pad(self, processed_features, padding=True, max_length=None, truncation=False,
            pad_to_multiple_of=None, return_attention_mask=None, return_tensors=None):
        """Pads (and truncates) a batch: a BatchFeature/dict of lists, or a list of
        dicts (a data collator's input). padding: True/'longest', 'max_length',
        False/'do_not_pad'. float64 becomes float32; the mask is int32."""
        feats = processed_features
        if isinstance(feats, (list, tuple)) and feats and isinstance(feats[0], dict):
            feats = {k: [ex[k] for ex in feats] for k in feats[0].keys()}
        key = self.model_input_names[0]
        if key not in feats:
            raise ValueError(f"pad() needs a BatchFeature or dict (or a list of them) holding "
                             f"{key}, got keys {list(feats.keys())}")
        want_mask = self.return_attention_mask if return_attention_mask is None else return_attention_mask
        items = feats[key]
        if len(items) == 0:
            if want_mask:
                feats["attention_mask"] = []
            return feats
        first = items[0]
        if isinstance(first, (list, tuple)) and first:
            first = first[0]
        if return_tensors is None:
            return_tensors = "pt" if _is_torch(first) else "np"

        def to_np(v):
            if _is_torch(v):
                return v.detach().cpu().numpy()
            return np.asarray(v)
        data = {k: (to_np(v) if v and isinstance(v[0], (int, float)) else [to_np(x) for x in v])
                for k, v in feats.items()}
        if padding is True or padding == "longest" or str(getattr(padding, "value", "")) == "longest":
            strategy = "longest"
        elif padding is False or padding in ("do_not_pad", None) or \
                str(getattr(padding, "value", "")) == "do_not_pad":
            strategy = "do_not_pad"
        elif padding == "max_length" or str(getattr(padding, "value", "")) == "max_length":
            strategy = "max_length"
            if max_length is None:
                raise ValueError("padding='max_length' needs max_length")
        else:
            raise ValueError(f"padding={padding!r}: use True/'longest', 'max_length' or False")
        if strategy != "do_not_pad" and self.padding_value is None:
            raise ValueError("padding needs a padding_value (set feature_extractor.padding_value)")
        n = len(data[key])
        if any(len(v) != n for v in data.values()):
            raise ValueError("Some items in the output dictionary have a different batch size than others.")

        def round_up(m):
            if m is not None and pad_to_multiple_of is not None and m % pad_to_multiple_of:
                m = (m // pad_to_multiple_of + 1) * pad_to_multiple_of
            return m
        rows = []
        for i in range(n):
            row = {k: v[i] for k, v in data.items()}
            if truncation:
                if max_length is None:
                    raise ValueError("truncation=True needs max_length")
                m = round_up(max_length)
                if len(row[key]) > m:
                    row[key] = row[key][:m]
                    if "attention_mask" in row:
                        row["attention_mask"] = row["attention_mask"][:m]
            rows.append(row)
        target = max_length
        if strategy == "longest":
            target, strategy = max(len(r[key]) for r in rows), "max_length"
        out: dict = {}
        for row in rows:
            x = row[key]
            m = round_up(target)
            if want_mask and "attention_mask" not in row:
                row["attention_mask"] = np.ones(len(x), np.int32)
            if strategy != "do_not_pad" and len(x) < m:
                d = m - len(x)
                side = (0, d) if self.padding_side == "right" else (d, 0)
                if self.padding_side not in ("left", "right"):
                    raise ValueError("Invalid padding strategy:" + str(self.padding_side))
                if want_mask:
                    row["attention_mask"] = np.pad(row["attention_mask"], side)
                shape = (side, (0, 0)) if self.feature_size > 1 else side  # as transformers
                row[key] = np.pad(x, shape, "constant", constant_values=self.padding_value)
            for k, v in row.items():
                v = np.asarray(v)
                out.setdefault(k, []).append(v.astype(np.float32) if v.dtype == np.float64 else v)
        if return_tensors == "np":
            for k, v in out.items():
                if len({a.shape for a in v}) == 1:
                    out[k] = np.stack(v)
                else:
                    raise ValueError(f"{k}: clips of different lengths cannot form one array "
                                     "(pad them: padding=True or 'max_length')")
        return StandaloneBatchFeature(out, tensor_type=return_tensors)

    def __repr__(self):
        return f"{self._extractor_type} {self.to_json_string()}"
