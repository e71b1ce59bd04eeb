"""python -m wmel: this installation's version, optional parts and decoder."""
import wmel

info = wmel.build_info()
print(f"wmel {wmel.version()}")
for k in ("ffmpeg", "openblas", "cuda", "vulkan"):
    print(f"  {k:9s} {'yes' if info[k] else 'no'}")
print(f"  decoder   {info['decoder']}" + ("" if info["decoder"] != "wav" else
      "  (16 kHz WAV only: pip install av, or rebuild with libavformat-dev)"))
